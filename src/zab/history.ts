// The peer's in-memory view of its log: every logged txn after `base`, in zxid order. Committed txns are
// dropped from the front once more than historyTxnsMax (or historyBytesMax) are kept (a learner behind that gets SNAP);
// uncommitted ones are always kept. Zxids identify txns across servers: an epoch has one leader, which
// never reuses a counter, so two logs holding the same zxid hold the same txn and the same prefix before it.
import { txnBytes } from '../../protocol/index.js';
import type { Txn } from '../../protocol/index.js';
import { hexZxid, invariant } from './assert.js';

export class History {
  private txns: Txn[] = [];
  /** Index of the first live entry in txns (dropping from the front without shifting). */
  private start = 0;
  /** The zxid just before the first kept txn: the snapshot the log starts from, or the last dropped txn. */
  base: number;
  /** txnBytes of every kept txn. */
  private keptBytes = 0;

  constructor(base: number, txns: readonly Txn[]) {
    this.base = base;
    this.append(txns);
  }

  get lastZxid(): number {
    return this.txns.length > this.start ? this.txns[this.txns.length - 1]!.zxid : this.base;
  }

  get size(): number {
    return this.txns.length - this.start;
  }

  append(txns: readonly Txn[]): void {
    let last = this.lastZxid;
    for (const txn of txns) {
      invariant(txn.zxid > last, () => `history must grow: ${hexZxid(txn.zxid)} after ${hexZxid(last)}`);
      last = txn.zxid;
      this.txns.push(txn);
      this.keptBytes += txnBytes(txn);
    }
  }

  /** Index of the first kept txn with a zxid above zxid (txns.length when none). */
  private firstAbove(zxid: number): number {
    let lo = this.start;
    let hi = this.txns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.txns[mid]!.zxid <= zxid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether the log is known to reach zxid exactly (the base counts). */
  contains(zxid: number): boolean {
    const i = this.firstAbove(zxid) - 1;
    return zxid === this.base || (i >= this.start && this.txns[i]!.zxid === zxid);
  }

  /** The largest kept zxid below zxid, or the base. */
  largestBelow(zxid: number): number {
    const i = this.firstAbove(zxid - 1) - 1;
    return i >= this.start ? this.txns[i]!.zxid : this.base;
  }

  /** Txns with fromZxid < zxid <= toZxid (fromZxid at or after the base). */
  between(fromZxid: number, toZxid: number): Txn[] {
    invariant(fromZxid >= this.base, () => `history no longer reaches ${hexZxid(fromZxid)} (base ${hexZxid(this.base)})`);
    const out: Txn[] = [];
    for (let i = this.firstAbove(fromZxid); i < this.txns.length && this.txns[i]!.zxid <= toZxid; i++) out.push(this.txns[i]!);
    return out;
  }

  after(zxid: number): Txn[] {
    return this.between(zxid, Number.MAX_SAFE_INTEGER);
  }

  truncateAfter(zxid: number): void {
    invariant(zxid >= this.base, () => `cannot truncate below the history base: ${hexZxid(zxid)} < ${hexZxid(this.base)}`);
    while (this.txns.length > this.start && this.txns[this.txns.length - 1]!.zxid > zxid) this.keptBytes -= txnBytes(this.txns.pop()!);
  }

  /** Starts over from a snapshot at zxid. */
  reset(zxid: number): void {
    this.txns = [];
    this.start = 0;
    this.base = zxid;
    this.keptBytes = 0;
  }

  /** Drops the oldest committed txns while more than txnsMax or bytesMax are kept. */
  prune(committedZxid: number, txnsMax: number, bytesMax: number): void {
    while (this.size > 0 && (this.size > txnsMax || this.keptBytes > bytesMax) && this.txns[this.start]!.zxid <= committedZxid) {
      const dropped = this.txns[this.start]!;
      this.base = dropped.zxid;
      this.keptBytes -= txnBytes(dropped);
      // The slot is reused only when the array is compacted: free the txn (its data may be 1 MiB) now.
      this.txns[this.start] = undefined as unknown as Txn;
      this.start += 1;
    }
    if (this.start > 1024 && this.start * 2 > this.txns.length) {
      this.txns = this.txns.slice(this.start);
      this.start = 0;
    }
  }
}
