// Random bytes for session passwords, drawn from a buffer the CSPRNG fills POOL_BYTES at a time: one fill
// per session open showed up in profiles of session churn (a synchronous call into OpenSSL, and a copy).
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

export class RandomPool {
  private pool = new Uint8Array(0);
  private at = 0;

  /** count fresh random bytes, in an array of their own. */
  take(count: number): Uint8Array {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`random byte count must be a non-negative integer, got ${count}`);
    if (count > POOL_BYTES) return randomFillSync(new Uint8Array(count));
    if (this.at + count > this.pool.length) {
      // A fresh array, never a refill in place: bytes handed out before stay as they were.
      this.pool = randomFillSync(new Uint8Array(POOL_BYTES));
      this.at = 0;
    }
    const bytes = this.pool.slice(this.at, this.at + count);
    this.at += count;
    return bytes;
  }
}
