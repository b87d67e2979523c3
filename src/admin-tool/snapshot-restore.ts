// canopy-admin snapshot restore FILE --data-dir DIR: verifies an archive (snapshot-archive.ts) and makes it the
// whole state of a new data directory, as a leader's SNAP would: the store holds that snapshot and an empty
// log, with both epochs set to the snapshot zxid's epoch, so a server started on the directory serves exactly
// that state. A data directory that holds anything but a myid file is refused: restoring over a store would
// throw away its log.
import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotArchiveError, readSnapshotArchiveWithFacts } from '../storage/index.js';
import { DataTree, type TreeSnapshot } from '../tree/index.js';
import { treeSnapshotProblem } from '../zab/validate.js';
import { TXN_LOG_ENGINE_SETTINGS, type TxnLogEngineSetting } from '../server/config.js';
import { ConfigError } from '../server/config-values.js';
import { DEFAULT_STORAGE_CONFIG } from '../server/storage-config.js';
import { ENGINE_DIRS, openTxnStore } from '../server/txn-store-open.js';
import { type AdminIo, AdminToolError, EXIT, defineSubcommand, printable, zxidText } from './subcommand.js';

const TWO_TO_32 = 2 ** 32;
/** What a data directory may hold before a restore: the server's id, written before its first start. */
const ALLOWED_BEFORE_RESTORE = new Set(['myid']);

function assertEmpty(dir: string, what: string, allowed: ReadonlySet<string> = new Set()): void {
  if (!existsSync(dir)) return;
  const held = readdirSync(dir).filter((name) => !allowed.has(name));
  if (held.length > 0) throw new AdminToolError(`${what} ${printable(dir)} is not empty (it holds ${printable(held[0]!)}): restore into a new directory`);
}

async function readArchive(file: string): Promise<{ snapshot: TreeSnapshot; bytes: number }> {
  if (!existsSync(file)) throw new AdminToolError(`${printable(file)} does not exist`);
  try {
    const { snapshot, facts } = await readSnapshotArchiveWithFacts<TreeSnapshot>(createReadStream(file));
    const problem = treeSnapshotProblem(snapshot, snapshot.zxid);
    if (problem !== undefined) throw new AdminToolError(`${printable(file)} verifies but does not hold a tree: ${problem}`, EXIT.failed);
    return { snapshot, bytes: facts.bytes };
  } catch (e) {
    if (e instanceof SnapshotArchiveError) throw new AdminToolError(`${printable(file)}: ${e.message}`, EXIT.failed);
    throw e;
  }
}

interface RestoreArgs {
  file: string;
  dataDir: string;
  dataLogDir: string | undefined;
  engine: TxnLogEngineSetting;
}

async function restore(args: RestoreArgs, io: AdminIo): Promise<number> {
  const { snapshot, bytes } = await readArchive(args.file);
  assertEmpty(args.dataDir, 'data directory', ALLOWED_BEFORE_RESTORE);
  if (args.dataLogDir !== undefined) assertEmpty(join(args.dataLogDir, ENGINE_DIRS.segments), 'log directory');
  // Loading it into a tree checks what the tree checks, and the tree's own snapshot is what a server writes.
  const tree = DataTree.fromSnapshot(snapshot);
  mkdirSync(args.dataDir, { recursive: true });
  const logger = { info: () => {}, warn: (msg: string) => io.err(`canopy-admin: ${msg}\n`) };
  let opened;
  try {
    opened = await openTxnStore(args.dataDir, args.engine, logger, { ...DEFAULT_STORAGE_CONFIG, dataLogDir: args.dataLogDir });
  } catch (e) {
    if (e instanceof ConfigError) throw new AdminToolError(e.message);
    throw e;
  }
  const { store, engine } = opened;
  const epoch = Math.floor(snapshot.zxid / TWO_TO_32);
  try {
    await store.recover();
    await store.installSnapshot(tree.snapshot());
    await store.setMeta('acceptedEpoch', epoch);
    await store.setMeta('currentEpoch', epoch);
  } finally {
    await store.close();
  }
  await io.out(`restored the snapshot at ${zxidText(snapshot.zxid)} (${tree.nodeCount} nodes, ${snapshot.sessions.length} sessions, `
    + `${bytes} bytes) into ${printable(args.dataDir)} with txnLogEngine=${engine}; epoch ${epoch}\n`);
  return EXIT.ok;
}

export const snapshotRestoreCommand = defineSubcommand({
  group: 'snapshot',
  command: 'restore <file>',
  describe: 'verify a snapshot archive and write it as the whole state of a new data directory',
  builder: (y) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'the archive (from snapshot save, or /commands/snapshot)' })
    .option('data-dir', { type: 'string', demandOption: true, describe: 'the new server\'s dataDir: must be empty (a myid file may be there)' })
    .option('data-log-dir', { type: 'string', describe: 'the new server\'s dataLogDir, if it will have one (segments only)' })
    .option('txn-log-engine', { type: 'string', choices: TXN_LOG_ENGINE_SETTINGS, default: 'auto', describe: 'how the store is kept (auto: segments)' }),
  run: (args, io) => restore({ file: args.file, dataDir: args.dataDir, dataLogDir: args.dataLogDir, engine: args.txnLogEngine as TxnLogEngineSetting }, io),
});
