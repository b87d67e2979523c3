// The command table's one type: every command states its usage, options and word counts once, and
// both modes (one-shot and interactive) and `help` read them from here.
import type { Json } from '../errors.js';
import type { FlagSpec, ParsedArgs } from '../flags.js';
import type { CommandHistory } from '../history.js';
import type { Session } from '../session.js';

export interface CommandResult {
  /** What a person sees (zkCli's layout), one entry per line. */
  lines: string[];
  /** What --json prints: one value. */
  json: Json;
}

export interface ShellContext {
  readonly session: Session;
  readonly history: CommandHistory;
  /** Runs an earlier line again in place of the current command (redo): it takes the current number. */
  redoLine(line: string): Promise<CommandResult>;
  /** Asks the shell to end after this command. */
  quit(): void;
}

export interface CommandSpec {
  readonly name: string;
  /** zkCli's usage text after the name: "[-s] [-w] path". */
  readonly usage: string;
  readonly summary: string;
  readonly flags: FlagSpec;
  readonly minArgs: number;
  readonly maxArgs: number;
  run(ctx: ShellContext, input: ParsedArgs, usage: string): Promise<CommandResult>;
}

export function done(json: Json, lines: string[] = []): CommandResult {
  return { lines, json };
}
