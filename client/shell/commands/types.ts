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
  /** false in one-shot mode: nothing prints watch events unless a command streams them itself. */
  readonly interactive: boolean;
  /** Aborted when the user cancels the running command (Ctrl-C; SIGINT or SIGTERM in one-shot mode). */
  readonly signal: AbortSignal;
  /** Prints a result now, while the command goes on (a streaming command's events). */
  emit(result: CommandResult): void;
  /** A line for the person at the terminal, on stderr (never mixed into --json output). */
  notice(text: string): void;
  /**
   * Waits for work within --command-timeout; rejects with CancelledError when `signal` (default: the
   * running command's) fires, with CommandTimeoutError naming `what` and the session state when time runs out.
   */
  bounded<T>(work: Promise<T>, what: string, signal?: AbortSignal): Promise<T>;
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
  /**
   * A command that runs until cancelled (watch), always or in one-shot mode only (addWatch): no
   * --command-timeout around it; it bounds its own setup with ctx.bounded and resolves when ctx.signal fires.
   */
  readonly streaming?: 'always' | 'one-shot';
  run(ctx: ShellContext, input: ParsedArgs, usage: string): Promise<CommandResult>;
}

export function done(json: Json, lines: string[] = []): CommandResult {
  return { lines, json };
}
