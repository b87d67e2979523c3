// Session ids: serverId in the high bits, then a counter seeded from the clock in milliseconds (as
// ZooKeeper seeds its own), so ids made after a restart collide neither with recovered ones (they are
// skipped) nor with ids of sessions already ended: a restart within the same second used to hand those out
// again, and a delayed request of the old session would then have been taken for the new one's.
// Kept below 2^53 so they are exact JS numbers.

const COUNTER_SPAN = 2 ** 44;
/** Ids per ms of uptime before a restart could meet the ids of the previous run: the counter wraps in ~35 years. */
const IDS_PER_MS = 2 ** 4;

export class SessionIdGenerator {
  private next: number;

  constructor(private readonly serverId: number, nowMs: number) {
    this.next = (Math.floor(nowMs) % (COUNTER_SPAN / IDS_PER_MS)) * IDS_PER_MS;
  }

  /** A fresh id not in use (taken tells which are). */
  nextId(taken: (id: number) => boolean): number {
    for (;;) {
      const id = this.serverId * COUNTER_SPAN + (this.next % COUNTER_SPAN);
      this.next += 1;
      if (id !== 0 && !taken(id)) return id;
    }
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
