// Fencing tokens. A lock held through ZooKeeper can be lost without its holder noticing in time (a long
// pause, a session that expired while the link was down): two processes may then both believe they hold
// it. The storage they write to must therefore refuse the stale one. Every grant carries a token: the
// czxid of the holder's lock node. Successive holders of one lock created their nodes in queue order, so
// their czxids (one zxid per committed txn, totally ordered) strictly increase from holder to holder.
// The storage remembers the highest token it has accepted and refuses any write carrying a lower one.

/** What a granted lock tells its holder. */
export interface LockLease {
  /** The lock's path (the parent of the queue). */
  readonly lockPath: string;
  /** The holder's own ephemeral sequential node. */
  readonly nodePath: string;
  /** The czxid of nodePath: strictly greater than every earlier holder's token of this lock. */
  readonly fencingToken: number;
}

/**
 * The check a downstream store makes (an example; real stores do it in the same transaction as the write,
 * e.g. `UPDATE ... WHERE fence <= $token` or a conditional put): admit a token at least as high as the
 * highest one admitted so far, refuse a lower one. Equal tokens are the same holder writing again.
 */
export class FencingGate {
  private highest = Number.NEGATIVE_INFINITY;

  /**
   * Admits a token not older than any admitted so far, and remembers it.
   * @returns true when admitted, false for a token lower than the highest admitted (a stale holder).
   */
  admit(token: number): boolean {
    if (!Number.isSafeInteger(token)) throw new RangeError(`fencing token must be a safe integer (got ${String(token)})`);
    if (token < this.highest) return false;
    this.highest = token;
    return true;
  }

  /** The highest token admitted, or undefined before the first. */
  get highestAdmitted(): number | undefined {
    return this.highest === Number.NEGATIVE_INFINITY ? undefined : this.highest;
  }
}
