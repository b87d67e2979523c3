// Decides when sessions expire: ZooKeeper's expiry queue. Deadlines are rounded up to the next tick so
// that expiry work is one bucket per tick, not one timer per session. Only the leader (a standalone
// server is its own leader) runs one; expiry itself is a closeSession txn through the normal write path.

export class SessionTracker {
  private readonly deadlineOf = new Map<number, number>();
  private readonly buckets = new Map<number, Set<number>>();
  private nextBucketMs: number;

  constructor(
    private readonly tickMs: number,
    nowMs: number,
  ) {
    this.nextBucketMs = this.roundUp(nowMs);
  }

  private roundUp(ms: number): number {
    return (Math.floor(ms / this.tickMs) + 1) * this.tickMs;
  }

  /** Starts tracking or extends a session: it expires once timeoutMs pass with no touch. */
  touch(sessionId: number, timeoutMs: number, nowMs: number): void {
    const deadline = this.roundUp(nowMs + timeoutMs);
    const old = this.deadlineOf.get(sessionId);
    if (old === deadline) return;
    if (old !== undefined) this.buckets.get(old)?.delete(sessionId);
    this.deadlineOf.set(sessionId, deadline);
    let bucket = this.buckets.get(deadline);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(deadline, bucket);
    }
    bucket.add(sessionId);
  }

  remove(sessionId: number): void {
    const old = this.deadlineOf.get(sessionId);
    if (old === undefined) return;
    this.buckets.get(old)?.delete(sessionId);
    this.deadlineOf.delete(sessionId);
  }

  has(sessionId: number): boolean {
    return this.deadlineOf.has(sessionId);
  }

  get size(): number {
    return this.deadlineOf.size;
  }

  /** Sessions whose deadline has passed by nowMs; they are no longer tracked. */
  expire(nowMs: number): number[] {
    const expired: number[] = [];
    while (this.nextBucketMs <= nowMs) {
      const bucket = this.buckets.get(this.nextBucketMs);
      if (bucket !== undefined) {
        for (const id of bucket) {
          expired.push(id);
          this.deadlineOf.delete(id);
        }
        this.buckets.delete(this.nextBucketMs);
      }
      this.nextBucketMs += this.tickMs;
    }
    return expired;
  }
}
