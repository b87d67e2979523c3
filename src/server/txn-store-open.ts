// Opens the server's TxnStore in dataDir with the configured engine. Each engine has its own directory
// (LevelDB in dataDir/db, segment files in dataDir/txnlog), and a data directory keeps the engine it
// was written with: starting with the other engine would silently begin from an empty state. With auto
// (the default) a dataDir keeps what it holds, and a new one gets segment files: they cost less CPU per
// txn and half the bytes written (docs/performance-work.md), and LevelDB dataDirs from before still open.
// With dataLogDir (segments only) the log segments go to dataLogDir/txnlog; meta and snapshots stay in
// dataDir/txnlog, and the store refuses a log directory that is not the one it was written with.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LevelStorage, LogDirMismatchError, SegmentStorage, type StorageLogger, type StorageOptions, type TxnStore } from '../storage/index.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import { snapshotNodeReviver } from '../tree/znode.js';
import { assertNever } from '../../protocol/assert-never.js';
import { ConfigError } from './config-values.js';
import type { TxnLogEngine, TxnLogEngineSetting } from './config.js';
import { DEFAULT_STORAGE_CONFIG, type StorageConfig, dataLogDirNeedsSegments } from './storage-config.js';

const MS_PER_HOUR = 3_600_000;

/** The engine a new dataDir gets under txnLogEngine=auto. */
export const NEW_DATA_DIR_ENGINE: TxnLogEngine = 'segments';

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

/** The engine to open dataDir with; ConfigError when dataDir was written by another one than the one set. */
export function resolveEngine(dataDir: string, setting: TxnLogEngineSetting): TxnLogEngine {
  if (setting !== 'auto') {
    checkEngine(dataDir, setting);
    return setting;
  }
  const held = (Object.entries(ENGINE_DIRS) as Array<[TxnLogEngine, string]>).filter(([, sub]) => holdsFiles(join(dataDir, sub)));
  if (held.length > 1) {
    throw new ConfigError(
      `dataDir ${dataDir} holds txn logs of both engines (${held.map(([, sub]) => join(dataDir, sub)).join(', ')}): ` +
      'set txnLogEngine to the one to keep, and move the other away',
    );
  }
  return held[0]?.[0] ?? NEW_DATA_DIR_ENGINE;
}

export interface OpenedTxnStore {
  store: TxnStore<TreeSnapshot>;
  engine: TxnLogEngine;
}

/** The directory that holds an engine's txn log: dataDir/db, dataDir/txnlog, or dataLogDir/txnlog. */
export function txnLogDir(dataDir: string, dataLogDir: string | undefined, engine: TxnLogEngine): string {
  return join(engine === 'segments' ? dataLogDir ?? dataDir : dataDir, ENGINE_DIRS[engine]);
}

/** The store options of the storage settings: autopurge as the store's retention policy. */
export function storageOptions(storage: Readonly<StorageConfig>, logger: StorageLogger): StorageOptions {
  return {
    logger, reviveSnapshotNode: snapshotNodeReviver(),
    retention: { snapRetainCount: storage.snapRetainCount, purgeIntervalMs: storage.purgeIntervalHours * MS_PER_HOUR },
  };
}

export async function openTxnStore(
  dataDir: string, setting: TxnLogEngineSetting, logger: StorageLogger, storage: Readonly<StorageConfig> = DEFAULT_STORAGE_CONFIG,
  extra: Pick<StorageOptions, 'onSyncedBatch'> = {},
): Promise<OpenedTxnStore> {
  const engine = resolveEngine(dataDir, setting);
  const dir = join(dataDir, ENGINE_DIRS[engine]);
  for (const note of storage.notes) logger.warn(note);
  const options: StorageOptions = { ...storageOptions(storage, logger), ...extra };
  switch (engine) {
    case 'leveldb':
      if (storage.dataLogDir !== undefined) throw new ConfigError(dataLogDirNeedsSegments(storage.dataLogDir));
      return { store: await LevelStorage.open<TreeSnapshot>(dir, options), engine };
    case 'segments': {
      const logDir = storage.dataLogDir === undefined ? undefined : resolve(txnLogDir(dataDir, storage.dataLogDir, engine));
      try {
        return { store: await SegmentStorage.openDir<TreeSnapshot>(resolve(dir), { ...options, ...(logDir !== undefined ? { logDir } : {}) }), engine };
      } catch (e) {
        // Which directories to give is the operator's call: said as a configuration error, in one line.
        if (e instanceof LogDirMismatchError) throw new ConfigError(e.message);
        throw e;
      }
    }
    default: return assertNever(engine, 'txn log engine');
  }
}
