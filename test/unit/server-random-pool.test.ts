// Session passwords come from a pooled CSPRNG fill: each take is its own array of fresh bytes, across
// refills and for counts larger than the pool, and nonsense counts are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomPool } from '../../src/server/random-pool.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('RandomPool', () => {
  test('takes are the asked length, distinct, and unchanged by later takes across refills', () => {
    const pool = new RandomPool();
    const taken: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) taken.push(pool.take(16));
    const first = hex(taken[0]!);
    for (let i = 0; i < 1000; i++) pool.take(16);
    assert.equal(hex(taken[0]!), first, 'a refill does not write into bytes already handed out');
    assert.ok(taken.every((b) => b.byteLength === 16 && b.byteOffset === 0 && b.buffer.byteLength === 16), 'each take owns its bytes');
    assert.equal(new Set(taken.map(hex)).size, taken.length);
  });

  test('counts over the pool size and zero work; negative or fractional counts are refused', () => {
    const pool = new RandomPool();
    assert.equal(pool.take(10_000).byteLength, 10_000);
    assert.equal(pool.take(0).byteLength, 0);
    assert.throws(() => pool.take(-1), RangeError);
    assert.throws(() => pool.take(1.5), RangeError);
  });
});
