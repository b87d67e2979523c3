#!/usr/bin/env node
// canopy-admin: the operator's tool. Offline subcommands work on a data directory (snapshot restore, log dump,
// verify); the others talk to live servers. Each subcommand is a file; SUBCOMMANDS below registers them.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { StorageError } from '../storage/index.js';
import { CANOPY_VERSION, helpWidth } from '../version.js';
import { logDumpCommand } from './log-dump.js';
import { snapshotRestoreCommand } from './snapshot-restore.js';
import { snapshotSaveCommand } from './snapshot-save.js';
import { statusCommand } from './status.js';
import { type AdminGroup, type AdminIo, type AdminSubcommand, AdminToolError, EXIT, GROUP_DESCRIPTIONS } from './subcommand.js';
import { verifyCommand } from './verify.js';

const SUBCOMMANDS: readonly AdminSubcommand[] = [
  statusCommand,
  snapshotSaveCommand,
  snapshotRestoreCommand,
  logDumpCommand,
  verifyCommand,
];

const EPILOG = [
  'Exit codes: 0 done (verify: clean); 1 failed (verify: damage that recovery cannot repair);',
  '2 bad arguments or an unreadable file or directory; 3 verify: recovery would repair what it found',
  '(cut a torn write off the log, fall back from a damaged snapshot, finish an interrupted install).',
  'The offline subcommands never change the directories they read; run them on a stopped server\'s',
  'directories, or on a live one\'s (log dump and verify read a consistent prefix).',
].join(' ');

/** stdout, waiting for the pipe to drain; a reader that goes away (| head) ends the dump quietly. */
const io: AdminIo = {
  out: (text) => new Promise<void>((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  }),
  err: (text) => void process.stderr.write(text),
};
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});

function register(y: Argv, done: (code: number) => void): Argv {
  const groups = new Map<AdminGroup, AdminSubcommand[]>();
  for (const sub of SUBCOMMANDS) {
    if (sub.group === undefined) y = sub.register(y, io, done);
    else groups.set(sub.group, [...(groups.get(sub.group) ?? []), sub]);
  }
  for (const [group, subs] of groups) {
    y = y.command(group, GROUP_DESCRIPTIONS[group], (g) => {
      for (const sub of subs) g = sub.register(g, io, done);
      return g.demandCommand(1, `say what to do: canopy-admin ${group} <command>`);
    });
  }
  return y;
}

async function main(): Promise<number> {
  let code: number = EXIT.ok;
  await register(yargs(hideBin(process.argv)), (c) => (code = c))
    .scriptName('canopy-admin')
    .usage('$0 <command> [options]\n\nOperates Canopy servers and their data directories.')
    .demandCommand(1, 'say what to do: see the commands above')
    .strict()
    .epilog(EPILOG)
    .version(CANOPY_VERSION)
    .wrap(helpWidth())
    .help()
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      process.stderr.write(`canopy-admin: ${message}\n(see canopy-admin --help)\n`);
      process.exit(EXIT.usage);
    })
    .parseAsync();
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof AdminToolError) {
      process.stderr.write(`canopy-admin: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    if (e instanceof StorageError) {
      process.stderr.write(`canopy-admin: ${e.message}\n`);
      process.exit(EXIT.failed);
    }
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      process.stderr.write(`canopy-admin: ${(e as Error).message}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`canopy-admin: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT.failed);
  },
);
