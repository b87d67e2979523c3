// The interactive shell: node:readline, one command at a time in the order typed (or piped), a prompt
// with the session state, history kept across runs, tab completion when on a terminal.
//
// Ctrl-C (readline's SIGINT on a terminal, the process's SIGINT otherwise) cancels the running command:
// the shell stops waiting for it, prints "cancelled" and prompts again. With no command running it clears
// a typed line; on an empty line it says how to leave, and a second Ctrl-C in a row leaves, as Node's REPL
// does (zkCli dies at the first one, which loses the session by accident). Ctrl-D on an empty line leaves.
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

const LEAVE_HINT = '(to leave, press Ctrl-C again or Ctrl-D, or type quit)';

/** What Ctrl-C does: cancel the running command, else clear the line, else leave on the second press. */
class InterruptHandler {
  /** The running command's, while one runs. */
  running: AbortController | undefined;
  private armed = false;

  constructor(private readonly rl: Interface, private readonly output: NodeJS.WritableStream, private readonly prompt: () => void) {}

  interrupt(): void {
    if (this.running !== undefined) {
      this.running.abort();
      return;
    }
    if (this.rl.line !== '') {
      this.armed = false;
      this.rl.write(null, { ctrl: true, name: 'u' });
      return;
    }
    if (this.armed) {
      this.rl.close();
      return;
    }
    this.armed = true;
    this.output.write(`\n${LEAVE_HINT}\n`);
    this.prompt();
  }

  /** A line was entered: the next Ctrl-C at an empty prompt only warns again. */
  disarm(): void {
    this.armed = false;
  }
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
  const interrupts = new InterruptHandler(rl, options.output, prompt);
  const onInterrupt = (): void => interrupts.interrupt();
  rl.on('SIGINT', onInterrupt);
  // Off a terminal (a pipe, or `kill -INT`) the signal reaches the process, not readline.
  process.on('SIGINT', onInterrupt);
  shell.session.connect().catch((e: unknown) => printer.error(e));
  prompt();
  try {
    for await (const line of rl) {
      busy = true;
      interrupts.disarm();
      const trimmed = line.trim();
      if (trimmed !== '') {
        fileHistory.add(trimmed);
        const running = new AbortController();
        interrupts.running = running;
        try {
          printer.result(await shell.runLine(trimmed, running.signal));
        } catch (e) {
          printer.error(e);
        } finally {
          interrupts.running = undefined;
        }
      }
      busy = false;
      if (shell.quitRequested) break;
      prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  rl.close();
  await shell.session.close().catch(() => undefined);
  return 0;
}
