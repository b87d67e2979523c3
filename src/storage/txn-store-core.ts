// TxnStoreCore: the TxnStore rules every storage engine shares — group commit, the zxid and snapshot
// checks, which snapshot recovery trusts, retention, epochs. An engine (KvTxnStore over a key-value
// store, SegmentStorage over files) supplies only how things are laid out and made durable.
//
// Invariants:
// - A txn's append promise resolves only after a synced batch holding it completed.
// - Appended zxids strictly increase (truncateAfter lowers the bar to the truncation point).
// - purgedThroughZxid is durable before any log record at or below it is deleted, and it never passes
//   the oldest snapshot kept, so the log always reaches back to a kept snapshot.
// - Nothing is appended, truncated or snapshotted before recover(): only then is the last zxid known.
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError, SnapshotInProgressError, StorageClosedError, StorageStateError } from './errors.js';
import { GroupCommitter } from './group-commit.js';
import { DEFAULT_BATCH_BYTES_MAX, DEFAULT_BATCH_WRITES_MAX, DEFAULT_PENDING_WRITES_MAX, assertZxid } from './layout.js';
import { DEFAULT_RETENTION, type RetentionPolicy, checkRetention, planRetention, purgeDue } from './retention.js';
import type {
  MetaKey, RecoveredState, SnapshotInput, SnapshotNodeReviver, StorageLogger, StorageOptions, StorageStats, StoredSnapshot, TxnStore,
} from './types.js';

/** A snapshot an engine found: complete ones can be loaded (and verified) on demand. */
export type SnapshotCandidate<S extends SnapshotInput> =
  | { zxid: number; state: 'complete'; load: () => Promise<StoredSnapshot<S>> }
  | { zxid: number; state: 'incomplete' }
  | { zxid: number; state: 'badMeta'; error: CorruptStorageError };

/** What an engine reads when it opens. */
export interface DurableBasics {
  purgedThroughZxid: number;
  epochs: ReadonlyMap<MetaKey, number>;
}

/** A group-commit op and the bytes it carries. */
export interface Sized<Op> {
  op: Op;
  bytes: number;
}

const silentLogger: StorageLogger = { info: () => {}, warn: () => {} };

export function hexZxid(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}

export abstract class TxnStoreCore<S extends SnapshotInput, Op> implements TxnStore<S> {
  protected readonly logger: StorageLogger;
  private readonly committer: GroupCommitter<Op>;
  /** Highest zxid appended or recovered: the next append must exceed it. */
  private lastZxid = 0;
  private durableZxid = 0;
  private latestSnapshotZxid: number | undefined;
  /** Undefined: nodes come back as decoded, with binaries of their own. */
  protected readonly reviveSnapshotNode: SnapshotNodeReviver | undefined;
  private purgedThroughZxid = 0;
  private readonly epochs = new Map<MetaKey, number>();
  private snapshotting: { zxid: number; done: Promise<void> } | undefined;
  private snapshotsWritten = 0;
  private closed = false;
  private recovered = false;
  private readonly retention: RetentionPolicy;
  private readonly nowMs: () => number;
  /** When the last purge ran (undefined: none since open, so the next snapshot purges). */
  private lastPurgeMs: number | undefined;

  protected constructor(opts: StorageOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.reviveSnapshotNode = opts.reviveSnapshotNode;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    checkRetention(this.retention);
    this.nowMs = opts.nowMs ?? Date.now;
    const onSynced = opts.onSyncedBatch;
    const write = onSynced === undefined ? (ops: Op[]) => this.writeBatch(ops) : async (ops: Op[]) => {
      const started = performance.now();
      await this.writeBatch(ops);
      onSynced(performance.now() - started, ops.length);
    };
    this.committer = new GroupCommitter<Op>(write, {
      batchEntriesMax: opts.batchWritesMax ?? DEFAULT_BATCH_WRITES_MAX,
      batchBytesMax: opts.batchBytesMax ?? DEFAULT_BATCH_BYTES_MAX,
      pendingEntriesMax: opts.pendingWritesMax ?? DEFAULT_PENDING_WRITES_MAX,
    });
  }

  // ---- what an engine provides ----

  /** Checks the format, finishes work a crash interrupted, and reads purgedThroughZxid and the epochs. */
  protected abstract openDurable(): Promise<DurableBasics>;
  /** The op that logs txn (already checked), and its size for batching. */
  protected abstract appendOp(txn: Txn): Sized<Op>;
  /** The op that drops every logged txn above zxid, on disk or earlier in its batch. */
  protected abstract truncateOp(zxid: number): Op;
  protected abstract metaOp(key: MetaKey, value: number): Sized<Op>;
  /** Makes ops durable as one synced batch, in order: a crash part-way keeps a prefix of them. */
  protected abstract writeBatch(ops: Op[]): Promise<void>;
  /** The snapshots present, newest first. */
  protected abstract listSnapshots(): Promise<Array<SnapshotCandidate<S>>>;
  protected abstract deleteSnapshot(zxid: number): Promise<void>;
  /** The verified log after afterZxid; a torn tail is cut off with a warning, other damage is CorruptStorageError. */
  protected abstract readLog(afterZxid: number): Promise<Txn[]>;
  /** Writes snap durably and completely (it is the newest on resolve); returns its chunk count, for the log line. */
  protected abstract writeCompleteSnapshot(snap: S): Promise<number>;
  /** Makes purgedThroughZxid = zxid durable, then deletes what it can of the log at or below zxid; returns how much. */
  protected abstract purgeLogThrough(zxid: number): Promise<number>;
  /** ZAB SNAP, atomically: the state becomes snap alone, with an empty log purged through its zxid. */
  protected abstract replaceWithSnapshot(snap: S): Promise<void>;
  protected abstract closeDurable(): Promise<void>;

  // ---- the contract ----

  get stats(): Readonly<StorageStats> {
    return { ...this.committer.stats, snapshotsWritten: this.snapshotsWritten, durableZxid: this.durableZxid };
  }

  protected async init(): Promise<void> {
    const basics = await this.openDurable();
    this.purgedThroughZxid = basics.purgedThroughZxid;
    for (const [key, value] of basics.epochs) this.epochs.set(key, value);
  }

  append(txn: Txn): Promise<void> {
    return this.appendBatch([txn]);
  }

  /**
   * Txns in increasing zxid order, as one group-commit entry: one promise and one checksum pass per txn, no
   * more. A crash may keep a prefix of the batch (a segment write torn part-way); it was not acknowledged.
   */
  appendBatch(txns: readonly Txn[]): Promise<void> {
    const ops: Op[] = [];
    let bytes = 0;
    let last = this.lastZxid;
    try {
      this.assertRecovered();
      for (const txn of txns) {
        assertZxid(txn.zxid, 'txn zxid');
        if (txn.zxid <= last) throw new StorageStateError(`txn zxid ${hexZxid(txn.zxid)} must be greater than the last appended ${hexZxid(last)}`);
        last = txn.zxid;
        const sized = this.appendOp(txn);
        ops.push(sized.op);
        bytes += sized.bytes;
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

  async recover(): Promise<RecoveredState<S>> {
    this.assertOpen();
    await this.flush();
    const snapshot = await this.recoverSnapshot();
    const base = snapshot?.zxid ?? 0;
    const txns = await this.readLog(base);
    this.lastZxid = txns[txns.length - 1]?.zxid ?? base;
    this.durableZxid = this.lastZxid;
    this.recovered = true;
    this.logger.info('storage: recovered', { snapshotZxid: hexZxid(base), txns: txns.length, lastZxid: hexZxid(this.lastZxid) });
    return { snapshot, txns, lastZxid: this.lastZxid };
  }

  /**
   * Loads the newest snapshot that verifies and that the log reaches back to. Snapshots that failed
   * are deleted once an older one loads, so the next snapshot will not keep them as "previous".
   */
  private async recoverSnapshot(): Promise<StoredSnapshot<S> | undefined> {
    const failed: Array<{ zxid: number; error: CorruptStorageError }> = [];
    for (const entry of await this.listSnapshots()) {
      if (entry.state === 'incomplete') continue;
      if (entry.zxid < this.purgedThroughZxid) break;
      try {
        if (entry.state === 'badMeta') throw entry.error;
        const snapshot = await entry.load();
        for (const bad of failed) await this.deleteSnapshot(bad.zxid);
        this.latestSnapshotZxid = snapshot.zxid;
        return snapshot;
      } catch (err) {
        if (!(err instanceof CorruptStorageError)) throw err;
        this.logger.warn('storage: snapshot failed verification, trying an older one', { zxid: hexZxid(entry.zxid), error: err.message });
        failed.push({ zxid: entry.zxid, error: err });
      }
    }
    this.latestSnapshotZxid = undefined;
    const first = failed[0]?.error;
    // Without a snapshot the log alone is the state only if it was never purged and no snapshot was
    // ever needed; a snapshot that fails may have been installed from a leader (SNAP) with no log before it.
    if (first !== undefined) {
      throw new CorruptStorageError(first.key, `${first.reason}; no older complete snapshot that the log reaches back to`, first.offset);
    }
    if (this.purgedThroughZxid > 0) {
      throw new CorruptStorageError('purgedThroughZxid',
        `the log was purged through ${hexZxid(this.purgedThroughZxid)} but no complete snapshot at or after it exists`);
    }
    return undefined;
  }

  async writeSnapshot(snap: S): Promise<void> {
    this.assertRecovered();
    assertZxid(snap.zxid, 'snapshot zxid');
    const previous = this.latestSnapshotZxid;
    if (previous !== undefined && snap.zxid < previous) {
      throw new StorageStateError(`snapshot zxid ${hexZxid(snap.zxid)} is older than the latest snapshot ${hexZxid(previous)}`);
    }
    if (snap.zxid === previous && this.snapshotting === undefined) {
      this.logger.info('storage: snapshot at this zxid already exists', { zxid: hexZxid(snap.zxid) });
      return;
    }
    await this.runSnapshotJob(snap.zxid, async () => {
      const chunks = await this.writeCompleteSnapshot(snap);
      this.latestSnapshotZxid = snap.zxid;
      this.lastZxid = Math.max(this.lastZxid, snap.zxid);
      this.snapshotsWritten++;
      this.logger.info('storage: snapshot written', { zxid: hexZxid(snap.zxid), nodes: snap.nodes.length, chunks });
      await this.purge(snap.zxid);
    });
  }

  /**
   * Replaces the whole state with a snapshot from the leader (ZAB SNAP): afterwards the store holds
   * this snapshot and an empty log, purged through its zxid. The local log is dropped even below the
   * snapshot because it may hold txns the leader never committed. Do not append until this resolves.
   */
  async installSnapshot(snap: S): Promise<void> {
    this.assertRecovered();
    assertZxid(snap.zxid, 'snapshot zxid');
    await this.runSnapshotJob(snap.zxid, async () => {
      await this.flush();
      await this.replaceWithSnapshot(snap);
      this.purgedThroughZxid = snap.zxid;
      this.latestSnapshotZxid = snap.zxid;
      this.lastZxid = snap.zxid;
      this.durableZxid = snap.zxid;
      this.snapshotsWritten++;
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

  /**
   * Keeps the newest snapRetainCount complete snapshots and the log after the oldest of them (retention.ts);
   * deletes the rest, unless the purge interval has not passed since the last purge.
   */
  private async purge(newest: number): Promise<void> {
    const now = this.nowMs();
    if (!purgeDue(this.retention, this.lastPurgeMs, now)) return;
    this.lastPurgeMs = now;
    const candidates = (await this.listSnapshots()).map((c) => ({ zxid: c.zxid, complete: c.state === 'complete' }));
    const plan = planRetention(candidates, newest, this.purgedThroughZxid, this.retention);
    for (const zxid of plan.deleteSnapshots) await this.deleteSnapshot(zxid);
    if (plan.purgeLogThrough === undefined) return;
    const deleted = await this.purgeLogThrough(plan.purgeLogThrough);
    this.purgedThroughZxid = plan.purgeLogThrough;
    this.logger.info('storage: purged old log', { throughZxid: hexZxid(plan.purgeLogThrough), deleted, snapshotsDeleted: plan.deleteSnapshots.length });
  }

  truncateAfter(zxid: number): Promise<void> {
    try {
      this.assertRecovered();
      assertZxid(zxid, 'truncation zxid');
      const floor = Math.max(this.latestSnapshotZxid ?? 0, this.snapshotting?.zxid ?? 0);
      if (zxid < floor) throw new StorageStateError(`cannot truncate to ${hexZxid(zxid)}: a snapshot at ${hexZxid(floor)} includes later txns`);
    } catch (err) {
      return Promise.reject(err);
    }
    this.lastZxid = Math.min(this.lastZxid, zxid);
    return this.committer.submit([this.truncateOp(zxid)], 0).then(() => {
      this.durableZxid = Math.min(this.durableZxid, zxid);
    });
  }

  async getMeta(key: MetaKey): Promise<number | undefined> {
    this.assertOpen();
    return this.epochs.get(key);
  }

  setMeta(key: MetaKey, value: number): Promise<void> {
    let sized: Sized<Op>;
    try {
      this.assertOpen();
      assertZxid(value, key);
      sized = this.metaOp(key, value);
    } catch (err) {
      return Promise.reject(err);
    }
    this.epochs.set(key, value);
    return this.committer.submit([sized.op], sized.bytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.flush().catch(() => undefined);
    await this.snapshotting?.done.catch(() => undefined);
    this.committer.close();
    await this.closeDurable();
  }

  /** For a simulated crash: refuse everything from now on without touching the store. */
  protected markClosed(reason: Error): void {
    this.closed = true;
    this.committer.close(reason);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageClosedError();
  }

  private assertRecovered(): void {
    this.assertOpen();
    if (!this.recovered) throw new StorageStateError('call recover() before writing to the log');
  }
}
