// The replica's storage port on a real TxnStore (either engine). Writes are started in the order the
// replica gives them; group commit batches them into synced batches; completions are reported to the
// replica in sequence order, each only once everything before it is durable too. Installing a leader's
// snapshot is a barrier: later writes wait for it, and it waits for a local snapshot being written.
import { hex } from '../../protocol/index.js';
import type { TxnStore } from '../storage/index.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import type { ReplicaLog, StoragePort, StorageWrite } from '../replica/ports.js';
import { assertNever } from '../../protocol/assert-never.js';

export interface StorageDriverHost {
  persisted(seq: number): void;
  storageFailed(error: Error): void;
}

/** What metrics and the admin endpoint hear of storage. */
export interface StorageEvents {
  snapshotWritten(zxid: number, durationMs: number): void;
  snapshotFailed(): void;
  writeFailed(): void;
}

/** The newest snapshot on disk: its zxid, and when it was written (or found at start). */
export interface SnapshotRecord {
  zxid: number;
  writtenAtMs: number;
}

export class StorageDriver implements StoragePort {
  private reportedSeq = 0;
  private readonly durableSeqs = new Set<number>();
  /** Storage work that later writes must wait for (a snapshot install). */
  private barrier: Promise<void> | undefined;
  private snapshotInProgress: Promise<void> | undefined;
  private host: StorageDriverHost | undefined;
  private failed = false;
  private newestSnapshot: SnapshotRecord | undefined;

  constructor(
    private readonly store: TxnStore<TreeSnapshot>,
    private readonly log: ReplicaLog,
    private readonly events: StorageEvents | undefined = undefined,
    recoveredSnapshot: SnapshotRecord | undefined = undefined,
  ) {
    this.newestSnapshot = recoveredSnapshot;
  }

  /** The newest snapshot on disk (undefined before the first). */
  get lastSnapshot(): SnapshotRecord | undefined {
    return this.newestSnapshot;
  }

  /** Where completions go (the replica, once it exists). */
  attach(host: StorageDriverHost): void {
    this.host = host;
  }

  write(w: StorageWrite): void {
    switch (w.type) {
      case 'append': return this.persist(w.seq, () => this.store.appendBatch(w.txns));
      case 'truncate': return this.persist(w.seq, () => this.store.truncateAfter(w.afterZxid));
      case 'epochs': return this.persist(w.seq, () => this.writeEpochs(w.acceptedEpoch, w.currentEpoch));
      case 'installSnapshot': return this.persist(w.seq, () => this.install(w.snapshot), true);
      default: return assertNever(w, 'storage write');
    }
  }

  snapshot(snapshot: TreeSnapshot): void {
    if (this.snapshotInProgress !== undefined || this.failed) return;
    const started = Date.now();
    this.snapshotInProgress = this.store
      .writeSnapshot(snapshot)
      .then(
        () => {
          const ms = Date.now() - started;
          this.newestSnapshot = { zxid: snapshot.zxid, writtenAtMs: Date.now() };
          this.log.info('snapshot written', { zxid: hex(snapshot.zxid), nodes: snapshot.nodes.length, ms });
          this.events?.snapshotWritten(snapshot.zxid, ms);
        },
        (e: unknown) => {
          this.log.error('snapshot failed', { error: e instanceof Error ? e.message : 'unknown error' });
          this.events?.snapshotFailed();
        },
      )
      .finally(() => {
        this.snapshotInProgress = undefined;
      });
  }

  /** Resolves once no local snapshot is being written. */
  async idle(): Promise<void> {
    while (this.snapshotInProgress !== undefined) await this.snapshotInProgress;
  }

  /** Nothing more is reported (the server is stopping). */
  stop(): void {
    this.failed = true;
  }

  diagnostics(): { reportedSeq: number; durableOutOfOrder: number; barrier: boolean; snapshotting: boolean; failed: boolean } {
    return { reportedSeq: this.reportedSeq, durableOutOfOrder: this.durableSeqs.size, barrier: this.barrier !== undefined, snapshotting: this.snapshotInProgress !== undefined, failed: this.failed };
  }

  private async install(snapshot: TreeSnapshot): Promise<void> {
    await this.store.flush();
    await this.idle();
    await this.store.installSnapshot(snapshot);
    this.newestSnapshot = { zxid: snapshot.zxid, writtenAtMs: Date.now() };
  }

  private async writeEpochs(acceptedEpoch: number | undefined, currentEpoch: number | undefined): Promise<void> {
    const writes: Array<Promise<void>> = [];
    if (acceptedEpoch !== undefined) writes.push(this.store.setMeta('acceptedEpoch', acceptedEpoch));
    if (currentEpoch !== undefined) writes.push(this.store.setMeta('currentEpoch', currentEpoch));
    await Promise.all(writes);
  }

  private persist(seq: number, write: () => Promise<void>, isBarrier = false): void {
    const before = this.barrier;
    const done = before === undefined ? write() : before.then(write);
    if (isBarrier) {
      const b = done.catch(() => {});
      this.barrier = b;
      void b.then(() => {
        if (this.barrier === b) this.barrier = undefined;
      });
    }
    done.then(
      () => this.markDurable(seq),
      (e: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.events?.writeFailed();
        this.host?.storageFailed(e instanceof Error ? e : new Error('storage failed'));
      },
    );
  }

  private markDurable(seq: number): void {
    if (this.failed) return;
    this.durableSeqs.add(seq);
    let next = this.reportedSeq;
    while (this.durableSeqs.delete(next + 1)) next++;
    if (next === this.reportedSeq) return;
    this.reportedSeq = next;
    this.host?.persisted(next);
  }
}
