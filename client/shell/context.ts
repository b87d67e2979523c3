// The state one shell run carries between commands: the session, the numbered history, quit, and the
// running command's cancel signal and time limit.
import { bounded } from './bounded.js';
import type { CommandResult, ShellContext } from './commands/types.js';
import { runWords } from './commands/table.js';
import { CommandHistory } from './history.js';
import type { Session } from './session.js';
import { tokenize } from './tokenize.js';

export interface ShellOptions {
  interactive: boolean;
  commandTimeoutMs: number;
  /** Where a streaming command's results go as they come. */
  emit: (result: CommandResult) => void;
  /** Where notices for the person go (stderr). */
  notice: (text: string) => void;
}

const NEVER_ABORTED = new AbortController().signal;

export class Shell implements ShellContext {
  readonly history = new CommandHistory();
  private quitting = false;
  private currentSignal: AbortSignal = NEVER_ABORTED;

  constructor(readonly session: Session, private readonly options: ShellOptions) {}

  get interactive(): boolean {
    return this.options.interactive;
  }

  get signal(): AbortSignal {
    return this.currentSignal;
  }

  emit(result: CommandResult): void {
    this.options.emit(result);
  }

  notice(text: string): void {
    this.options.notice(text);
  }

  bounded<T>(work: Promise<T>, what: string, signal: AbortSignal = this.currentSignal): Promise<T> {
    const timeoutMs = this.options.commandTimeoutMs;
    const timeoutMessage = (): string => `${what}: no answer within ${timeoutMs} ms (--command-timeout); ${this.session.trouble()}`;
    return bounded(work, { timeoutMs, signal, timeoutMessage });
  }

  get quitRequested(): boolean {
    return this.quitting;
  }

  quit(): void {
    this.quitting = true;
  }

  /** A typed line: numbered in the history (as zkCli, even when it fails), then run; `signal` cancels it. */
  runLine(line: string, signal: AbortSignal = NEVER_ABORTED): Promise<CommandResult> {
    this.history.add(line.trim());
    return this.runTopLevel(tokenize(line), signal);
  }

  /** One command of a run (one-shot mode's, or a typed line's), with its own cancel signal. */
  async runTopLevel(words: readonly string[], signal: AbortSignal): Promise<CommandResult> {
    this.currentSignal = signal;
    try {
      return await this.runWords(words);
    } finally {
      this.currentSignal = NEVER_ABORTED;
    }
  }

  redoLine(line: string): Promise<CommandResult> {
    this.history.replaceLast(line);
    return this.runWords(tokenize(line));
  }

  runWords(words: readonly string[]): Promise<CommandResult> {
    return runWords(this, words);
  }

  prompt(): string {
    return `[canopy: ${this.session.connectString}(${this.session.state}) ${this.history.count}] `;
  }
}
