import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../client/backoff.js';

describe('Backoff', () => {
  test('first attempt at once, then doubling delays with jitter in [d/2, d], capped', () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(() => low.next()), [0, 50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(() => high.next()), [0, 100, 200, 400, 800, 1_000]);
  });

  test('reset starts the schedule again', () => {
    const backoff = new Backoff({ initialDelayMs: 10, maxDelayMs: 100, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.next(), 0);
    assert.equal(backoff.next(), 8);
  });

  test('never overflows after many attempts', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 2_000, random: () => 0.5 });
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = backoff.next();
    assert.equal(last, 1_500);
  });

  test('rejects inconsistent options', () => {
    assert.throws(() => new Backoff({ initialDelayMs: 100, maxDelayMs: 10, random: Math.random }), /retry delays/);
  });
});
