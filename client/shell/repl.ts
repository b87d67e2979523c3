// The interactive shell: node:readline, one command at a time in the order typed (or piped), a prompt
// with the session state, history kept across runs, tab completion when on a terminal.
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Interface } from 'node:readline';
import type { Shell } from './context.js';
import { makeCompleter } from './completer.js';
import { MAX_HISTORY_LINES, loadHistory, saveHistory } from './history.js';
import type { Printer } from './printer.js';

export interface ReplOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  historyFile: string;
  /** --json on a pipe: no prompts, so stdout is JSON lines only. */
  json: boolean;
}

class FileHistory {
  private readonly lines: string[];
  constructor(private readonly file: string) {
    this.lines = loadHistory(file);
  }
  get initial(): string[] {
    return [...this.lines];
  }
  add(line: string): void {
    if (line === '' || this.lines[0] === line) return;
    this.lines.unshift(line);
    if (this.lines.length > MAX_HISTORY_LINES) this.lines.length = MAX_HISTORY_LINES;
    saveHistory(this.file, this.lines);
  }
}

/** Redraws around output that arrives while the user types (watch events, state changes). */
interface AsyncOutputMode {
  terminal: boolean;
  prompting: boolean;
  busy: () => boolean;
}

function wireAsyncOutput(rl: Interface, shell: Shell, printer: Printer, output: NodeJS.WritableStream, mode: AsyncOutputMode): void {
  const { terminal, prompting, busy } = mode;
  printer.beforeAsyncOutput = () => {
    if (terminal && !busy()) {
      clearLine(output, 0);
      cursorTo(output, 0);
    }
  };
  printer.afterAsyncOutput = () => {
    if (busy() || !prompting) return;
    rl.setPrompt(shell.prompt());
    if (terminal) rl.prompt(true);
    else rl.prompt();
  };
}

function onInterrupt(rl: Interface): void {
  if (rl.line !== '') {
    rl.write(null, { ctrl: true, name: 'u' });
    return;
  }
  rl.close();
}

export async function runRepl(shell: Shell, printer: Printer, options: ReplOptions): Promise<number> {
  const terminal = options.input.isTTY === true;
  const fileHistory = new FileHistory(options.historyFile);
  const rl = createInterface({
    input: options.input,
    output: options.output,
    terminal,
    historySize: MAX_HISTORY_LINES,
    history: fileHistory.initial,
    ...(terminal && { completer: makeCompleter(() => shell.session.connectedClient()) }),
  });
  let busy = false;
  const prompting = terminal || !options.json;
  const prompt = (): void => {
    if (!prompting) return;
    rl.setPrompt(shell.prompt());
    rl.prompt();
  };
  wireAsyncOutput(rl, shell, printer, options.output, { terminal, prompting, busy: () => busy });
  rl.on('SIGINT', () => onInterrupt(rl));
  shell.session.connect().catch((e: unknown) => printer.error(e));
  prompt();
  for await (const line of rl) {
    busy = true;
    const trimmed = line.trim();
    if (trimmed !== '') {
      fileHistory.add(trimmed);
      try {
        printer.result(await shell.runLine(trimmed));
      } catch (e) {
        printer.error(e);
      }
    }
    busy = false;
    if (shell.quitRequested) break;
    prompt();
  }
  rl.close();
  await shell.session.close().catch(() => undefined);
  return 0;
}
