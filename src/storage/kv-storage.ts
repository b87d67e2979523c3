// KvTxnStore: every storage rule (group commit, snapshots, recovery, truncation, epochs) over a
// KvStore. LevelStorage and MemoryStorage only choose the KvStore, so they behave the same. S is the
// snapshot type (types.ts): storage writes its zxid and lists, and reads them back as StoredSnapshot<S>.
//
// Invariants:
// - A txn's append promise resolves only after a synced batch holding it completed.
// - Appended zxids strictly increase (truncateAfter lowers the bar to the truncation point).
// - meta/purgedThroughZxid is durable before any log record at or below it is deleted, and it never
//   passes the oldest snapshot kept, so the log always reaches back to a kept snapshot.
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError, SnapshotInProgressError, StorageClosedError, StorageFormatError, StorageStateError } from './errors.js';
import { GroupCommitter } from './group-commit.js';
import type { KvOp, KvStore } from './kv.js';
import {
  DEFAULT_BATCH_BYTES_MAX, DEFAULT_BATCH_WRITES_MAX, DEFAULT_PENDING_WRITES_MAX, FORMAT_VERSION, LOG_PREFIX, META_FORMAT_KEY,
  META_PURGED_THROUGH_KEY, SCAN_PAGE_ENTRIES, assertZxid, logKey, metaKey, prefixEnd, snapMetaKey, zxidOfLogKey,
} from './layout.js';
import { lastLogZxid, scanLog } from './log-scan.js';
import { formatRecord, openNumberRecord, sealRecord } from './record.js';
import { listSnapshots, loadSnapshot } from './snapshot-read.js';
import { deleteRange, deleteSnapshot, writeSnapshotBody } from './snapshot-write.js';
import type {
  MetaKey, RecoveredState, SnapshotInput, StorageLogger, StorageOptions, StorageStats, StoredSnapshot, TxnStore,
} from './types.js';

/** A group-commit op: a plain put/delete, or "delete every log record above zxid" (resolved at write time). */
type StoreOp = KvOp | { type: 'delLogAfter'; zxid: number };

const META_KEYS: readonly MetaKey[] = ['acceptedEpoch', 'currentEpoch'];

const silentLogger: StorageLogger = { info: () => {}, warn: () => {} };

function hex(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}

export class KvTxnStore<S extends SnapshotInput = SnapshotInput> implements TxnStore<S> {
  protected readonly logger: StorageLogger;
  private readonly committer: GroupCommitter<StoreOp>;
  /** Highest zxid appended or recovered: the next append must exceed it. */
  private lastZxid = 0;
  private durableZxid = 0;
  private latestSnapshotZxid: number | undefined;
  private purgedThroughZxid = 0;
  private readonly epochs = new Map<MetaKey, number>();
  private snapshotting: { zxid: number; done: Promise<void> } | undefined;
  private snapshotsWritten = 0;
  private closed = false;

  protected constructor(protected readonly kv: KvStore, opts: StorageOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.committer = new GroupCommitter<StoreOp>((ops) => this.writeSynced(ops), {
      batchEntriesMax: opts.batchWritesMax ?? DEFAULT_BATCH_WRITES_MAX,
      batchBytesMax: opts.batchBytesMax ?? DEFAULT_BATCH_BYTES_MAX,
      pendingEntriesMax: opts.pendingWritesMax ?? DEFAULT_PENDING_WRITES_MAX,
    });
  }

  get stats(): Readonly<StorageStats> {
    return { ...this.committer.stats, snapshotsWritten: this.snapshotsWritten, durableZxid: this.durableZxid };
  }

  /** Checks the format version and loads what later calls check against. */
  protected async init(): Promise<void> {
    await this.checkFormat();
    this.purgedThroughZxid = await this.readNumber(META_PURGED_THROUGH_KEY) ?? 0;
    for (const key of META_KEYS) {
      const value = await this.readNumber(metaKey(key));
      if (value !== undefined) this.epochs.set(key, value);
    }
    const newest = (await listSnapshots(this.kv)).find((s) => s.state === 'complete');
    this.latestSnapshotZxid = newest?.zxid;
    this.lastZxid = Math.max(await lastLogZxid(this.kv), newest?.zxid ?? 0);
    this.durableZxid = this.lastZxid;
  }

  private async checkFormat(): Promise<void> {
    const stored = await this.kv.get(META_FORMAT_KEY);
    if (stored !== undefined) {
      const format = openNumberRecord(META_FORMAT_KEY, stored);
      if (format !== FORMAT_VERSION) throw new StorageFormatError(format, FORMAT_VERSION);
      return;
    }
    for await (const keys of this.kv.keys({ limit: 1 }, 1)) {
      if (keys.length > 0) throw new StorageFormatError(undefined, FORMAT_VERSION);
    }
    await this.kv.write([{ type: 'put', key: META_FORMAT_KEY, value: formatRecord(META_FORMAT_KEY).bytes }], { sync: true });
  }

  private async readNumber(key: string): Promise<number | undefined> {
    const stored = await this.kv.get(key);
    return stored === undefined ? undefined : openNumberRecord(key, stored);
  }

  append(txn: Txn): Promise<void> {
    return this.appendBatch([txn]);
  }

  /** Txns in increasing zxid order, as one group-commit entry: one promise and one checksum pass per txn, no more. */
  appendBatch(txns: readonly Txn[]): Promise<void> {
    const ops: KvOp[] = [];
    let bytes = 0;
    let last = this.lastZxid;
    try {
      this.assertOpen();
      for (const txn of txns) {
        assertZxid(txn.zxid, 'txn zxid');
        if (txn.zxid <= last) throw new StorageStateError(`txn zxid ${hex(txn.zxid)} must be greater than the last appended ${hex(last)}`);
        last = txn.zxid;
        const key = logKey(txn.zxid);
        const value = sealRecord(key, txn).bytes;
        bytes += value.length;
        ops.push({ type: 'put', key, value });
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (ops.length === 0) return Promise.resolve();
    this.lastZxid = last;
    return this.committer.submit(ops, bytes).then(() => {
      if (last > this.durableZxid) this.durableZxid = last;
    });
  }

  flush(): Promise<void> {
    return this.committer.flush();
  }

  /** One synced batch; a truncation is turned into deletes of the log keys above it, on disk or earlier in this batch. */
  private async writeSynced(ops: StoreOp[]): Promise<void> {
    const out: KvOp[] = [];
    for (const op of ops) {
      if (op.type !== 'delLogAfter') {
        out.push(op);
        continue;
      }
      const above = new Set<string>();
      for (const prev of out) if (prev.type === 'put' && (zxidOfLogKey(prev.key) ?? -1) > op.zxid) above.add(prev.key);
      for await (const keys of this.kv.keys({ gt: logKey(op.zxid), lt: prefixEnd(LOG_PREFIX) }, SCAN_PAGE_ENTRIES)) {
        for (const key of keys) above.add(key);
      }
      for (const key of above) out.push({ type: 'del', key });
    }
    await this.kv.write(out, { sync: true });
  }

  async recover(): Promise<RecoveredState<S>> {
    this.assertOpen();
    await this.flush();
    const snapshot = await this.recoverSnapshot();
    const base = snapshot?.zxid ?? 0;
    const scan = await scanLog(this.kv, base);
    if (scan.tornReason !== undefined) {
      this.logger.warn('storage: dropping torn tail of the txn log', {
        records: scan.tornKeys.length, firstKey: scan.tornKeys[0], reason: scan.tornReason.reason,
      });
      await this.kv.write(scan.tornKeys.map((key) => ({ type: 'del' as const, key })), { sync: true });
    }
    const lastTxn = scan.txns[scan.txns.length - 1];
    this.lastZxid = lastTxn?.zxid ?? base;
    this.durableZxid = this.lastZxid;
    this.logger.info('storage: recovered', { snapshotZxid: hex(base), txns: scan.txns.length, lastZxid: hex(this.lastZxid) });
    return { snapshot, txns: scan.txns, lastZxid: this.lastZxid };
  }

  /**
   * Loads the newest snapshot that verifies and that the log reaches back to. Snapshots that failed
   * are deleted once an older one loads, so the next snapshot will not keep them as "previous".
   */
  private async recoverSnapshot(): Promise<StoredSnapshot<S> | undefined> {
    const entries = await listSnapshots(this.kv);
    const failed: Array<{ zxid: number; error: CorruptStorageError }> = [];
    for (const entry of entries) {
      if (entry.state === 'incomplete') continue;
      if (entry.zxid < this.purgedThroughZxid) break;
      try {
        if (entry.state === 'badMeta') throw entry.error;
        const snapshot = await loadSnapshot<S>(this.kv, entry.meta);
        for (const bad of failed) await deleteSnapshot(this.kv, bad.zxid);
        this.latestSnapshotZxid = snapshot.zxid;
        return snapshot;
      } catch (err) {
        if (!(err instanceof CorruptStorageError)) throw err;
        this.logger.warn('storage: snapshot failed verification, trying an older one', { zxid: hex(entry.zxid), error: err.message });
        failed.push({ zxid: entry.zxid, error: err });
      }
    }
    this.latestSnapshotZxid = undefined;
    const first = failed[0]?.error;
    // Without a snapshot the log alone is the state only if it was never purged and no snapshot was
    // ever needed; a snapshot that fails may have been installed from a leader (SNAP) with no log before it.
    if (first !== undefined) {
      throw new CorruptStorageError(first.key, `${first.reason}; no older complete snapshot that the log reaches back to`);
    }
    if (this.purgedThroughZxid > 0) {
      throw new CorruptStorageError(META_PURGED_THROUGH_KEY,
        `the log was purged through ${hex(this.purgedThroughZxid)} but no complete snapshot at or after it exists`);
    }
    return undefined;
  }

  async writeSnapshot(snap: S): Promise<void> {
    this.assertOpen();
    assertZxid(snap.zxid, 'snapshot zxid');
    const previous = this.latestSnapshotZxid;
    if (previous !== undefined && snap.zxid < previous) {
      throw new StorageStateError(`snapshot zxid ${hex(snap.zxid)} is older than the latest snapshot ${hex(previous)}`);
    }
    if (snap.zxid === previous && this.snapshotting === undefined) {
      this.logger.info('storage: snapshot at this zxid already exists', { zxid: hex(snap.zxid) });
      return;
    }
    await this.runSnapshotJob(snap.zxid, async () => {
      await this.writeCompleteSnapshot(snap);
      await this.purge(snap.zxid, previous);
    });
  }

  /**
   * Replaces the whole state with a snapshot from the leader (ZAB SNAP): afterwards the store holds
   * this snapshot and an empty log, purged through its zxid. The local log is dropped even below the
   * snapshot because it may hold txns the leader never committed. Do not append until this resolves.
   */
  async installSnapshot(snap: S): Promise<void> {
    this.assertOpen();
    assertZxid(snap.zxid, 'snapshot zxid');
    await this.runSnapshotJob(snap.zxid, async () => {
      await this.flush();
      await this.writeCompleteSnapshot(snap);
      const others = (await listSnapshots(this.kv)).filter((e) => e.zxid !== snap.zxid);
      // One synced batch, so a crash leaves either the old state (plus an extra snapshot) or the new one.
      const ops: KvOp[] = others.map((e) => ({ type: 'del', key: snapMetaKey(e.zxid) }));
      ops.push({ type: 'put', key: META_PURGED_THROUGH_KEY, value: sealRecord(META_PURGED_THROUGH_KEY, snap.zxid).bytes });
      for await (const keys of this.kv.keys({ gt: logKey(snap.zxid), lt: prefixEnd(LOG_PREFIX) }, SCAN_PAGE_ENTRIES)) {
        for (const key of keys) ops.push({ type: 'del', key });
      }
      await this.kv.write(ops, { sync: true });
      this.purgedThroughZxid = snap.zxid;
      this.lastZxid = snap.zxid;
      this.durableZxid = snap.zxid;
      for (const e of others) await deleteSnapshot(this.kv, e.zxid);
      await deleteRange(this.kv, LOG_PREFIX, logKey(snap.zxid), true);
    });
  }

  private async runSnapshotJob(zxid: number, job: () => Promise<void>): Promise<void> {
    if (this.snapshotting !== undefined) throw new SnapshotInProgressError();
    const done = job();
    this.snapshotting = { zxid, done };
    try {
      await done;
    } finally {
      this.snapshotting = undefined;
    }
  }

  /** Writes chunks and sessions, then the meta (synced) that makes the snapshot the latest. */
  private async writeCompleteSnapshot(snap: S): Promise<void> {
    // Leftovers of an interrupted write at the same zxid must not mix with the new chunks.
    await deleteSnapshot(this.kv, snap.zxid);
    const meta = await writeSnapshotBody(this.kv, snap);
    const key = snapMetaKey(snap.zxid);
    await this.kv.write([{ type: 'put', key, value: sealRecord(key, meta).bytes }], { sync: true });
    this.latestSnapshotZxid = snap.zxid;
    this.lastZxid = Math.max(this.lastZxid, snap.zxid);
    this.snapshotsWritten++;
    this.logger.info('storage: snapshot written', { zxid: hex(snap.zxid), nodes: meta.nodeCount, chunks: meta.chunks });
  }

  /** Keeps the new and the previous snapshot and the log after the previous one; deletes the rest. */
  private async purge(newest: number, previous: number | undefined): Promise<void> {
    for (const entry of await listSnapshots(this.kv)) {
      if (entry.zxid !== newest && entry.zxid !== previous) await deleteSnapshot(this.kv, entry.zxid);
    }
    if (previous === undefined || previous <= this.purgedThroughZxid) return;
    const sealed = sealRecord(META_PURGED_THROUGH_KEY, previous);
    await this.kv.write([{ type: 'put', key: META_PURGED_THROUGH_KEY, value: sealed.bytes }], { sync: true });
    this.purgedThroughZxid = previous;
    const deleted = await deleteRange(this.kv, LOG_PREFIX, logKey(previous), true);
    this.logger.info('storage: purged old log records', { throughZxid: hex(previous), records: deleted });
  }

  truncateAfter(zxid: number): Promise<void> {
    try {
      this.assertOpen();
      assertZxid(zxid, 'truncation zxid');
      const floor = Math.max(this.latestSnapshotZxid ?? 0, this.snapshotting?.zxid ?? 0);
      if (zxid < floor) throw new StorageStateError(`cannot truncate to ${hex(zxid)}: a snapshot at ${hex(floor)} includes later txns`);
    } catch (err) {
      return Promise.reject(err);
    }
    this.lastZxid = Math.min(this.lastZxid, zxid);
    return this.committer.submit([{ type: 'delLogAfter', zxid }], 0).then(() => {
      this.durableZxid = Math.min(this.durableZxid, zxid);
    });
  }

  async getMeta(key: MetaKey): Promise<number | undefined> {
    this.assertOpen();
    return this.epochs.get(key);
  }

  setMeta(key: MetaKey, value: number): Promise<void> {
    try {
      this.assertOpen();
      assertZxid(value, key);
    } catch (err) {
      return Promise.reject(err);
    }
    const storeKey = metaKey(key);
    const { bytes } = sealRecord(storeKey, value);
    this.epochs.set(key, value);
    return this.committer.submit([{ type: 'put', key: storeKey, value: bytes }], bytes.length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.flush().catch(() => undefined);
    await this.snapshotting?.done.catch(() => undefined);
    this.committer.close();
    await this.kv.close();
  }

  /** For MemoryStorage.crash(): refuse everything from now on without touching the store. */
  protected markClosed(reason: Error): void {
    this.closed = true;
    this.committer.close(reason);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageClosedError();
  }
}
