// A string-keyed map that can list a key range in order. The sorted key list is rebuilt lazily:
// appends in increasing key order (the txn log) keep it valid, other changes invalidate it.
import type { KvRange } from './kv.js';

export class SortedMap<V> {
  private readonly map = new Map<string, V>();
  private sorted: string[] | undefined = [];

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (!this.map.has(key) && this.sorted !== undefined) {
      const last = this.sorted[this.sorted.length - 1];
      if (last === undefined || key > last) this.sorted.push(key);
      else this.sorted = undefined;
    }
    this.map.set(key, value);
  }

  delete(key: string): void {
    if (!this.map.delete(key) || this.sorted === undefined) return;
    if (this.sorted[this.sorted.length - 1] === key) this.sorted.pop();
    else this.sorted = undefined;
  }

  /** Keys in the range, in order (or reverse), at most range.limit of them. */
  keysIn(range: KvRange): string[] {
    const keys = this.sortedKeys();
    let from = 0;
    if (range.gte !== undefined) from = lowerBound(keys, range.gte, false);
    if (range.gt !== undefined) from = Math.max(from, lowerBound(keys, range.gt, true));
    let to = keys.length;
    if (range.lt !== undefined) to = Math.min(to, lowerBound(keys, range.lt, false));
    if (range.lte !== undefined) to = Math.min(to, lowerBound(keys, range.lte, true));
    const out = from < to ? keys.slice(from, to) : [];
    if (range.reverse === true) out.reverse();
    const limit = range.limit;
    return limit !== undefined && limit >= 0 && out.length > limit ? out.slice(0, limit) : out;
  }

  private sortedKeys(): string[] {
    if (this.sorted === undefined) this.sorted = [...this.map.keys()].sort();
    return this.sorted;
  }
}

/** First index whose key is >= bound (or > bound when strict). */
function lowerBound(keys: readonly string[], bound: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < bound || (strict && k === bound)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
