// The replica's housekeeping: when to keep a snapshot of the applied state, and (on the leader) when to
// delete empty containers and expired TTL nodes. Both are decided here from counts and the clock; the
// snapshot is written by the storage driver in the background, the deletions go through the write path.
import { ErrorCode, OpCode } from '../../protocol/index.js';
import type { DataTree } from '../tree/data-tree.js';
import type { ReplicaLog, StoragePort } from './ports.js';
import { NO_IDS, type WritePath } from './write-path.js';

export interface MaintenanceOptions {
  snapCount: number;
  containerCheckIntervalMs: number;
  containerMaxPerCheck: number;
}

export class Maintenance {
  private txnsSinceSnapshot = 0;
  private readonly snapshotAfterTxns: number;
  private nextCleanupAtMs: number;

  constructor(
    private readonly opts: MaintenanceOptions,
    private readonly tree: DataTree,
    private readonly writePath: WritePath,
    private readonly storage: StoragePort,
    private readonly log: ReplicaLog,
    random: () => number,
    nowMs: number,
  ) {
    // Spread snapshots like ZooKeeper so the servers of an ensemble do not all snapshot at once.
    this.snapshotAfterTxns = Math.floor(opts.snapCount / 2) + Math.floor(random() * Math.ceil(opts.snapCount / 2));
    this.nextCleanupAtMs = nowMs + opts.containerCheckIntervalMs;
  }

  /** After each applied txn. */
  applied(): void {
    this.txnsSinceSnapshot += 1;
    if (this.txnsSinceSnapshot < this.snapshotAfterTxns) return;
    this.txnsSinceSnapshot = 0;
    this.storage.snapshot(this.tree.snapshot());
  }

  /** On every replica tick; deletes only on a serving leader. */
  tick(nowMs: number, isLeader: boolean): void {
    if (nowMs < this.nextCleanupAtMs) return;
    this.nextCleanupAtMs = nowMs + this.opts.containerCheckIntervalMs;
    if (!isLeader) return;
    for (const path of this.tree.expiredCleanupCandidates(nowMs, this.opts.containerMaxPerCheck)) {
      this.writePath.submit({ op: OpCode.deleteContainer, path, nowMs }, 0, 0, NO_IDS, (outcome) => {
        if (outcome.err === ErrorCode.OK) this.log.debug('deleted empty container or expired TTL node', { path });
      });
    }
  }
}
