// What every canopy-admin subcommand is: a yargs command under a group word (snapshot, log) or at the top,
// with typed options and a run that returns the exit code. main.ts registers them from one array, so a new
// subcommand is one file and one line there.
import type { ArgumentsCamelCase, Argv } from 'yargs';

/** The words that group subcommands: `canopy-admin snapshot restore`, `canopy-admin log dump`. */
export type AdminGroup = 'snapshot' | 'log';

export const GROUP_DESCRIPTIONS: Readonly<Record<AdminGroup, string>> = {
  snapshot: 'save a live server\'s state to an archive, or restore one into a data directory',
  log: 'read the txn log of a data directory',
};

/** Exit codes, the same for every subcommand (main.ts's --help lists them). */
export const EXIT = Object.freeze({
  /** Done; for verify: every checksum verifies and recovery would change nothing. */
  ok: 0,
  /** Failed; for verify: damage that recovery cannot repair. */
  failed: 1,
  /** Bad arguments, or a directory or file that cannot be read. */
  usage: 2,
  /** verify: recovery would repair what it found (cut a torn tail, fall back from a damaged snapshot, finish an install). */
  recoveryRepairs: 3,
});

/** Where a subcommand writes: stdout waits for the pipe to drain, so a large dump never piles up in memory. */
export interface AdminIo {
  out(text: string): Promise<void>;
  err(text: string): void;
}

/** An operating error of a subcommand (a missing file, a non-empty directory): printed alone, exit 2 unless given. */
export class AdminToolError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.usage) {
    super(message);
  }
}

/** A subcommand with its option types erased: main.ts holds them in one array. */
export interface AdminSubcommand {
  group: AdminGroup | undefined;
  /** Registers the command on a yargs instance; its handler reports the exit code through `done`. */
  register(y: Argv, io: AdminIo, done: (code: number) => void): Argv;
}

export interface SubcommandSpec<T> {
  group?: AdminGroup;
  /** yargs' command string: the name and its positionals ('restore <file>'). */
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<T>;
  run: (args: ArgumentsCamelCase<T>, io: AdminIo) => Promise<number>;
}

export function defineSubcommand<T>(spec: SubcommandSpec<T>): AdminSubcommand {
  return {
    group: spec.group,
    register: (y, io, done) => y.command(spec.command, spec.describe, spec.builder, async (args) => done(await spec.run(args, io))),
  };
}

/** A value from a file or a directory, printable on one line: control characters escaped, length bounded. */
export function printable(text: string, charsMax = 512): string {
  const clipped = text.length > charsMax ? `${text.slice(0, charsMax)}…` : text;
  // eslint-disable-next-line no-control-regex
  return clipped.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A zxid as ZooKeeper prints it. */
export function zxidText(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}

/** Parses a zxid given as decimal or 0x-hex; AdminToolError otherwise. */
export function parseZxidArg(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = /^0x[0-9a-f]{1,14}$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new AdminToolError(`--${name} must be a zxid (decimal or 0x-hex), got '${printable(text, 40)}'`);
  return n;
}
