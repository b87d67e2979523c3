// Opens the server's TxnStore in dataDir with the configured engine. Each engine has its own directory
// (LevelDB in dataDir/db, segment files in dataDir/txnlog), and a data directory keeps the engine it
// was written with: starting with the other engine would silently begin from an empty state.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LevelStorage, SegmentStorage, type StorageLogger, type TxnStore } from '../storage/index.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import { snapshotNodeReviver } from '../tree/znode.js';
import { assertNever } from '../../protocol/assert-never.js';
import { ConfigError } from './config-values.js';
import type { TxnLogEngine } from './config.js';

/** Where each engine keeps its files under dataDir. */
export const ENGINE_DIRS: Readonly<Record<TxnLogEngine, string>> = { leveldb: 'db', segments: 'txnlog' };

function holdsFiles(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** ConfigError when dataDir was written by another engine than `engine`. */
export function checkEngine(dataDir: string, engine: TxnLogEngine): void {
  for (const [other, sub] of Object.entries(ENGINE_DIRS) as Array<[TxnLogEngine, string]>) {
    if (other === engine || !holdsFiles(join(dataDir, sub))) continue;
    throw new ConfigError(
      `dataDir ${dataDir} holds a txn log written with txnLogEngine=${other} (${join(dataDir, sub)}), not ${engine}: ` +
      `start with txnLogEngine=${other}, or give an empty dataDir to start afresh with ${engine}`,
    );
  }
}

export async function openTxnStore(dataDir: string, engine: TxnLogEngine, logger: StorageLogger): Promise<TxnStore<TreeSnapshot>> {
  checkEngine(dataDir, engine);
  const dir = join(dataDir, ENGINE_DIRS[engine]);
  const options = { logger, reviveSnapshotNode: snapshotNodeReviver() };
  switch (engine) {
    case 'leveldb': return LevelStorage.open<TreeSnapshot>(dir, options);
    case 'segments': return SegmentStorage.openDir<TreeSnapshot>(dir, options);
    default: return assertNever(engine, 'txn log engine');
  }
}
