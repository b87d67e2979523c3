// Seeded randomness for the simulator. Every random choice in a run comes from a Prng derived from the
// run's seed, so a seed replays exactly. Independent streams (network, faults, each peer incarnation)
// are derived with deriveSeed so that adding a draw in one place does not shift every other choice.

/** A 32-bit mixing hash (splitmix32 finaliser): turns related inputs into unrelated seeds. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed for the stream named by parts under seed. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mix32(seed >>> 0);
  for (const p of parts) h = mix32((h ^ mix32(p >>> 0)) >>> 0);
  return h;
}

/** mulberry32: small, fast, good enough for fault schedules (not for cryptography). */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A random subset of items (each kept with probability p), in their original order. */
  subset<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.next() < p);
  }
}
