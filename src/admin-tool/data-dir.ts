// Finding a data directory's store for the offline subcommands, read only: which engine wrote it, and where
// its log is (dataLogDir given, or the one the store's meta recorded). Nothing is created, not even a directory.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeFilePort } from '../storage/node-file-port.js';
import { recordedLogDir } from '../storage/segment-inspect.js';
import type { TxnLogEngine, TxnLogEngineSetting } from '../server/config.js';
import { ConfigError } from '../server/config-values.js';
import { ENGINE_DIRS, resolveEngine } from '../server/txn-store-open.js';
import { AdminToolError, printable } from './subcommand.js';

export type LocatedStore =
  | { engine: 'leveldb'; dbDir: string }
  | { engine: 'segments'; storePort: NodeFilePort; logPort: NodeFilePort | undefined; logDir: string | undefined };

function existingDir(path: string, what: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new AdminToolError(`${what} ${printable(path)} is not a directory`);
}

/** The store in dataDir. dataLogDir is the directory given as the server's dataLogDir (its txnlog subdirectory holds the log). */
export async function locateStore(dataDir: string, dataLogDir: string | undefined, setting: TxnLogEngineSetting = 'auto'): Promise<LocatedStore> {
  existingDir(dataDir, 'data directory');
  let engine: TxnLogEngine;
  try {
    engine = resolveEngine(dataDir, setting);
  } catch (e) {
    if (e instanceof ConfigError) throw new AdminToolError(e.message);
    throw e;
  }
  const storeDir = join(dataDir, ENGINE_DIRS[engine]);
  if (!existsSync(storeDir)) throw new AdminToolError(`${printable(dataDir)} holds no txn log (neither ${ENGINE_DIRS.segments}/ nor ${ENGINE_DIRS.leveldb}/)`);
  if (engine === 'leveldb') {
    if (dataLogDir !== undefined) throw new AdminToolError('--data-log-dir applies to txnLogEngine=segments only; this data directory holds LevelDB');
    return { engine, dbDir: storeDir };
  }
  const storePort = await NodeFilePort.openExisting(storeDir);
  const logDir = dataLogDir !== undefined ? join(dataLogDir, ENGINE_DIRS.segments) : await recordedLogDir(storePort).catch(() => undefined);
  if (logDir === undefined || resolve(logDir) === resolve(storeDir)) return { engine, storePort, logPort: undefined, logDir: undefined };
  existingDir(logDir, 'log directory');
  return { engine, storePort, logPort: await NodeFilePort.openExisting(logDir), logDir };
}
