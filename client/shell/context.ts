// The state one shell run carries between commands: the session, the numbered history, quit.
import type { CommandResult, ShellContext } from './commands/types.js';
import { runWords } from './commands/table.js';
import { CommandHistory } from './history.js';
import type { Session } from './session.js';
import { tokenize } from './tokenize.js';

export class Shell implements ShellContext {
  readonly history = new CommandHistory();
  private quitting = false;

  constructor(readonly session: Session) {}

  get quitRequested(): boolean {
    return this.quitting;
  }

  quit(): void {
    this.quitting = true;
  }

  /** A typed line: numbered in the history (as zkCli, even when it fails), then run. */
  runLine(line: string): Promise<CommandResult> {
    this.history.add(line.trim());
    return this.runWords(tokenize(line));
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
