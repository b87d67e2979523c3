// Reading a LevelDB store without changing it (canopy-admin log dump and verify). LevelDB cannot be opened
// read-only, and opening it writes (a new manifest and log) and takes its lock, so the tools work on a copy
// of the directory in a temporary one, which they delete afterwards: the store's own recovery can then run
// on the copy to show what it would do. A copy of a live server's directory may end in a torn LevelDB log
// record, which LevelDB's own recovery drops, as it would after a crash.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError, StorageError } from './errors.js';
import type { CheckedFile, InspectionReport, RecoveryOutcome } from './inspect-report.js';
import { LOG_PREFIX, META_FORMAT_KEY, META_PURGED_THROUGH_KEY, SCAN_PAGE_ENTRIES, logKey, metaKey, prefixEnd, zxidOfLogKey } from './layout.js';
import { LevelKv } from './level-kv.js';
import { LevelStorage } from './level-storage.js';
import { openNumberRecord, openTxnRecord } from './record.js';
import { listSnapshots, loadSnapshot } from './snapshot-read.js';
import { hexZxid } from './txn-store-core.js';

/** Runs fn on a throw-away copy of the LevelDB directory `dir`. */
export async function withLevelCopy<T>(dir: string, fn: (copy: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'canopy-admin-'));
  try {
    const copy = join(root, 'db');
    await cp(dir, copy, { recursive: true, errorOnExist: true, force: false });
    return await fn(copy);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export type KvLoggedRead = { kind: 'txn'; txn: Txn; key: string } | { kind: 'bad'; key: string; reason: string };

/** Every logged txn with zxid >= fromZxid in a LevelDB store (a copy: see withLevelCopy); stops at the first bad record. */
export async function* readKvLoggedTxns(copyDir: string, fromZxid = 0): AsyncGenerator<KvLoggedRead> {
  const kv = await LevelKv.open(copyDir);
  try {
    for await (const page of kv.entries({ gte: logKey(fromZxid), lt: prefixEnd(LOG_PREFIX) }, SCAN_PAGE_ENTRIES)) {
      for (const [key, stored] of page) {
        const zxid = zxidOfLogKey(key);
        try {
          if (zxid === undefined) throw new CorruptStorageError(key, 'key under log/ is not shaped like a log key');
          yield { kind: 'txn', txn: openTxnRecord(key, zxid, stored), key };
        } catch (err) {
          if (!(err instanceof CorruptStorageError)) throw err;
          yield { kind: 'bad', key, reason: err.reason };
          return;
        }
      }
    }
  } finally {
    await kv.close();
  }
}

async function checkRecords(copyDir: string): Promise<CheckedFile[]> {
  const files: CheckedFile[] = [];
  const kv = await LevelKv.open(copyDir);
  try {
    for (const key of [META_FORMAT_KEY, META_PURGED_THROUGH_KEY, metaKey('acceptedEpoch'), metaKey('currentEpoch')]) {
      const stored = await kv.get(key);
      if (stored === undefined) continue;
      try {
        files.push({ name: key, ok: true, detail: String(openNumberRecord(key, stored)) });
      } catch (err) {
        if (!(err instanceof CorruptStorageError)) throw err;
        files.push({ name: key, ok: false, detail: err.reason });
      }
    }
    for (const entry of await listSnapshots(kv)) {
      const name = `snap/${entry.zxid.toString(16).padStart(16, '0')}`;
      if (entry.state === 'incomplete') files.push({ name, ok: true, detail: 'incomplete (no meta): recovery ignores it' });
      else if (entry.state === 'badMeta') files.push({ name, ok: false, detail: entry.error.reason });
      else {
        try {
          const snap = await loadSnapshot(kv, entry.meta, () => 0);
          files.push({ name, ok: true, detail: `snapshot at ${hexZxid(entry.zxid)}: ${snap.nodes.length} nodes, ${snap.sessions.length} sessions` });
        } catch (err) {
          if (!(err instanceof CorruptStorageError)) throw err;
          files.push({ name, ok: false, detail: `${err.key}: ${err.reason}` });
        }
      }
    }
  } finally {
    await kv.close();
  }
  let count = 0;
  let first: number | undefined;
  let last: number | undefined;
  for await (const read of readKvLoggedTxns(copyDir)) {
    if (read.kind === 'bad') {
      files.push({ name: read.key, ok: false, detail: read.reason });
      break;
    }
    first ??= read.txn.zxid;
    last = read.txn.zxid;
    count++;
  }
  files.push({ name: 'log/', ok: true, detail: `${count} txns${count === 0 ? '' : ` ${hexZxid(first!)}..${hexZxid(last!)}`} before any bad record` });
  return files;
}

async function simulateRecovery(copyDir: string): Promise<RecoveryOutcome> {
  const repairs: string[] = [];
  const logger = { info: () => {}, warn: (msg: string, meta?: object) => void repairs.push(`${msg}${meta === undefined ? '' : ` ${JSON.stringify(meta)}`}`) };
  let store: LevelStorage | undefined;
  try {
    store = await LevelStorage.open(copyDir, { logger, reviveSnapshotNode: () => 0 });
    const state = await store.recover();
    return { kind: 'recovers', snapshotZxid: state.snapshot?.zxid, replayedTxns: state.txns.length, lastZxid: state.lastZxid, repairs, tidies: [] };
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    const file = err instanceof CorruptStorageError ? err.key : undefined;
    return { kind: 'fails', reason: err.message, ...(file !== undefined ? { file } : {}) };
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Checks every record of a LevelDB store in `dir` and says what recovery would do, on a copy. */
export function inspectLevelStore(dir: string): Promise<InspectionReport> {
  return withLevelCopy(dir, async (copy) => {
    const files = await checkRecords(copy);
    return { engine: 'leveldb', files, recovery: await simulateRecovery(copy) };
  });
}
