// One peer's simulated disk. Persist actions queue up in order as "written, not synced"; a sync started
// at some step covers everything written before it and completes after a delay, making that prefix
// durable. A crash loses every unsynced write. Durable state follows the rules of real storage: truncate
// drops log records above afterZxid, installSnapshot replaces the snapshot and empties the log, and a
// local snapshot (the driver's periodic snapshot of its applied tree) is written durably at once, or in
// the background (beginLocalSnapshot: lost if the process crashes before it completes).
// Disk faults: a failed sync or a refused write (full disk) leaves the disk failed, making nothing more
// durable until the crash that follows; a crash may tear the first record it loses (half-written, with a
// checksum that no longer matches), which recovery must detect and drop, as real storage does.
import type { Txn } from '../../protocol/index.js';
import { txnFingerprint } from './invariants.js';
import type { TreeSnapshot } from '../../src/tree/index.js';
import type { PeerRecoveredState } from '../../src/zab/index.js';
import type { StorageWrite } from '../../src/replica/ports.js';
import { SimLimitError } from './network.js';

/** One write of the storage port (src/replica/ports.ts), as the production loop issues it. */
export type PersistAction = StorageWrite;

export interface DurableSnapshot {
  zxid: number;
  tree: TreeSnapshot;
}

export interface DurableState {
  acceptedEpoch: number;
  currentEpoch: number;
  snapshot: DurableSnapshot | undefined;
  /** Logged txns, ascending. Records at or below the snapshot are dropped when a snapshot is written. */
  log: Txn[];
  /** A record after the log that a crash left half-written: its content does not match its checksum. */
  torn: { txn: Txn; checksum: string } | undefined;
}

/** What a restart reads back. */
export interface Recovery {
  recovered: PeerRecoveredState;
  snapshot: TreeSnapshot | undefined;
}

/** Written-but-unsynced writes beyond this mean a peer never lets its disk catch up. */
export const PENDING_WRITES_MAX = 100_000;

/** The disk saw writes no storage could carry out (e.g. a log that would not ascend). */
export class DiskModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskModelError';
  }
}

export class SimDisk {
  readonly durable: DurableState = { acceptedEpoch: 0, currentEpoch: 0, snapshot: undefined, log: [], torn: undefined };
  private pending: PersistAction[] = [];
  private sync: { throughIndex: number; doneAt: number } | undefined;
  private localSnapshot: { tree: TreeSnapshot; doneAt: number } | undefined;
  /** A sync failed or a write was refused: nothing more becomes durable until the crash that follows. */
  failed = false;
  /** Torn records recovery found and dropped. */
  tornDropped = 0;

  get pendingWrites(): number {
    return this.pending.length;
  }

  get syncing(): boolean {
    return this.sync !== undefined;
  }

  write(action: PersistAction): void {
    if (this.pending.length >= PENDING_WRITES_MAX) throw new SimLimitError(`more than ${PENDING_WRITES_MAX} unsynced writes`);
    this.pending.push(action);
  }

  /** Starts a sync of everything written so far, unless one is running or nothing is pending. */
  startSync(now: number, delaySteps: number): void {
    if (this.sync !== undefined || this.pending.length === 0 || this.failed) return;
    this.sync = { throughIndex: this.pending.length, doneAt: now + delaySteps };
  }

  /** Whether a sync completes at now (so that a fault can make it fail instead). */
  syncDue(now: number): boolean {
    return this.sync !== undefined && this.sync.doneAt <= now && !this.failed;
  }

  /** The disk failed (a sync error, a refused write): the sync in progress never completes. */
  fail(): void {
    this.failed = true;
    this.sync = undefined;
  }

  /** Completes a due sync; returns the last persist seq it made durable. */
  completeDue(now: number): number | undefined {
    if (this.sync === undefined || this.sync.doneAt > now || this.failed) return undefined;
    const done = this.pending.splice(0, this.sync.throughIndex);
    this.sync = undefined;
    for (const a of done) this.applyDurably(a);
    return done[done.length - 1]!.seq;
  }

  /**
   * Loses the writes not yet synced (a sync in progress never completes), except the first keep of them,
   * which reached the platter anyway (the OS flushes on its own; a sync may finish just as the process dies).
   */
  crash(keep = 0, tear = false): void {
    const survivors = this.pending.slice(0, Math.max(0, keep));
    const firstLost = this.pending[survivors.length];
    this.pending = [];
    this.sync = undefined;
    this.localSnapshot = undefined;
    this.failed = false;
    for (const a of survivors) this.applyDurably(a);
    if (tear && firstLost?.type === 'append' && firstLost.txns.length > 0) {
      const txn = firstLost.txns[0]!;
      // Half of the record reached the platter: what is there no longer matches the checksum written with it.
      this.durable.torn = { txn: { ...txn, xid: -txn.xid - 1 }, checksum: txnFingerprint(txn) };
    }
  }

  /** The driver's background snapshot of its applied tree: durable at doneAt unless a crash comes first. */
  beginLocalSnapshot(tree: TreeSnapshot, doneAt: number): boolean {
    if (this.localSnapshot !== undefined || this.failed) return false;
    this.localSnapshot = { tree, doneAt };
    return true;
  }

  /** Completes a due background snapshot; a snapshot installed from a leader meanwhile supersedes it. */
  completeLocalSnapshotDue(now: number): boolean {
    const s = this.localSnapshot;
    if (s === undefined || s.doneAt > now) return false;
    this.localSnapshot = undefined;
    if (s.tree.zxid <= (this.durable.snapshot?.zxid ?? 0)) return false;
    this.writeLocalSnapshot(s.tree);
    return true;
  }

  private applyDurably(a: PersistAction): void {
    const d = this.durable;
    switch (a.type) {
      case 'append':
        for (const t of a.txns) {
          // Records at or below a local snapshot written meanwhile are harmless: recovery skips them.
          const last = d.log.length > 0 ? d.log[d.log.length - 1]!.zxid : 0;
          if (t.zxid <= last) throw new DiskModelError(`append of 0x${t.zxid.toString(16)} after logged 0x${last.toString(16)}`);
          d.log.push(t);
        }
        return;
      case 'truncate':
        while (d.log.length > 0 && d.log[d.log.length - 1]!.zxid > a.afterZxid) d.log.pop();
        return;
      case 'installSnapshot':
        if (a.snapshot.zxid !== a.zxid) throw new DiskModelError(`snapshot content at ${a.snapshot.zxid} installed as ${a.zxid}`);
        d.snapshot = { zxid: a.zxid, tree: a.snapshot };
        d.log = [];
        return;
      case 'epochs':
        if (a.acceptedEpoch !== undefined) d.acceptedEpoch = a.acceptedEpoch;
        if (a.currentEpoch !== undefined) d.currentEpoch = a.currentEpoch;
        return;
    }
  }

  /** The highest zxid durable in log or snapshot. */
  lastDurableZxid(): number {
    const d = this.durable;
    if (d.log.length > 0) return Math.max(d.log[d.log.length - 1]!.zxid, d.snapshot?.zxid ?? 0);
    return d.snapshot?.zxid ?? 0;
  }

  /** The driver's periodic snapshot: durable at once; log records after it stay. */
  writeLocalSnapshot(tree: TreeSnapshot): void {
    const d = this.durable;
    d.snapshot = { zxid: tree.zxid, tree };
    d.log = d.log.filter((t) => t.zxid > tree.zxid);
  }

  /** Whether zxid is durable: covered by the snapshot or a record of the log. */
  holds(zxid: number): boolean {
    const d = this.durable;
    if (zxid <= (d.snapshot?.zxid ?? 0)) return true;
    let lo = 0;
    let hi = d.log.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const z = d.log[mid]!.zxid;
      if (z === zxid) return true;
      if (z < zxid) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** The durable txn with this zxid (log only), if any. */
  loggedTxn(zxid: number): Txn | undefined {
    return this.durable.log.find((t) => t.zxid === zxid);
  }

  recover(): Recovery {
    const d = this.durable;
    if (d.torn !== undefined) {
      // A record whose checksum fails ends the log: it was never completely written, so it is dropped.
      if (txnFingerprint(d.torn.txn) === d.torn.checksum) this.applyDurably({ type: 'append', seq: 0, txns: [d.torn.txn] });
      else this.tornDropped += 1;
      d.torn = undefined;
    }
    const snapshotZxid = d.snapshot?.zxid ?? 0;
    return {
      recovered: { acceptedEpoch: d.acceptedEpoch, currentEpoch: d.currentEpoch, snapshotZxid, txns: d.log.filter((t) => t.zxid > snapshotZxid) },
      snapshot: d.snapshot?.tree,
    };
  }
}
