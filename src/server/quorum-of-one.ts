// The broadcast stage for a standalone server: an ensemble of one whose quorum is its own disk.
// prep → log (here) → commit → apply. A txn commits once it is durable, and commits leave in zxid
// order even though group-committed batches resolve together. The ensemble replaces this stage with
// the ZAB peer; prep before it and apply after it stay as they are.
import type { Txn } from '../../protocol/index.js';
import type { TxnStore } from '../storage/index.js';

export interface Broadcaster {
  /** Orders a prepared txn; onCommit fires for it once it is durable on a quorum. */
  propose(txn: Txn): void;
  /** Resolves when every proposed txn has committed (or failed). */
  drain(): Promise<void>;
}

export class QuorumOfOne implements Broadcaster {
  private readonly inFlight: Array<{ txn: Txn; durable: boolean }> = [];
  private lastProposedZxid: number;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly store: TxnStore,
    lastZxid: number,
    private readonly onCommit: (txn: Txn) => void,
    /** A failed fsync leaves us unable to promise durability: the server must stop. */
    private readonly onStorageFailure: (e: Error) => void,
  ) {
    this.lastProposedZxid = lastZxid;
  }

  propose(txn: Txn): void {
    if (!(txn.zxid > this.lastProposedZxid)) throw new Error(`zxid must increase: ${txn.zxid} after ${this.lastProposedZxid}`);
    this.lastProposedZxid = txn.zxid;
    const entry = { txn, durable: false };
    this.inFlight.push(entry);
    this.store.append(txn).then(
      () => {
        entry.durable = true;
        this.commitReady();
      },
      (e: unknown) => this.onStorageFailure(e instanceof Error ? e : new Error(String(e))),
    );
  }

  private commitReady(): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.durable) {
      this.onCommit(this.inFlight.shift()!.txn);
    }
    if (this.inFlight.length === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  drain(): Promise<void> {
    if (this.inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
