// Session ids: serverId in the high bits, then a counter seeded from the clock in seconds, so ids made
// after a restart do not collide with recovered ones. Kept below 2^53 so they are exact JS numbers.

const COUNTER_SPAN = 2 ** 44;

export class SessionIdGenerator {
  private next: number;

  constructor(private readonly serverId: number, nowMs: number) {
    this.next = (Math.floor(nowMs / 1000) % 2 ** 28) * 2 ** 16;
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
