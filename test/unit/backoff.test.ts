// The one retry schedule (protocol/backoff.ts), as the client's reconnects and the peer transport's
// redials use it: doubling delays with jitter in [d/2, d], capped, restartable, seeded by the caller.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../protocol/backoff.js';

const delays = (backoff: Backoff, count: number): number[] => Array.from({ length: count }, () => backoff.next());

describe('Backoff', () => {
  test('client reconnects: the first attempt goes at once, then doubling delays with jitter in [d/2, d], capped', () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    assert.deepEqual(delays(low, 7), [0, 50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    assert.deepEqual(delays(high, 6), [0, 100, 200, 400, 800, 1_000]);
  });

  test('peer redials (firstAttemptAtOnce: false): the first delay already waits', () => {
    const low = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, firstAttemptAtOnce: false, random: () => 0 });
    assert.deepEqual(delays(low, 8), [25, 50, 100, 200, 400, 800, 1_000, 1_000]);
    const high = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, firstAttemptAtOnce: false, random: () => 0.999999 });
    assert.deepEqual(delays(high, 8), [50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });

  test('reset starts the schedule again, in both modes', () => {
    const client = new Backoff({ initialDelayMs: 10, maxDelayMs: 100, random: () => 0.5 });
    delays(client, 3);
    client.reset();
    assert.deepEqual(delays(client, 2), [0, 8]);
    const peer = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, firstAttemptAtOnce: false, random: () => 0.999999 });
    delays(peer, 5);
    peer.reset();
    assert.equal(peer.next(), 50);
  });

  test('never overflows after many attempts', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 2_000, random: () => 0.5 });
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = backoff.next();
    assert.equal(last, 1_500);
  });

  test('the jitter comes from the injected source, Math.random by default', () => {
    const drawn: number[] = [];
    const seeded = new Backoff({ initialDelayMs: 100, maxDelayMs: 100, firstAttemptAtOnce: false, random: () => { drawn.push(0.25); return 0.25; } });
    assert.deepEqual(delays(seeded, 2), [63, 63]);
    assert.equal(drawn.length, 2);
    const unseeded = new Backoff({ initialDelayMs: 100, maxDelayMs: 100, firstAttemptAtOnce: false });
    for (const d of delays(unseeded, 100)) assert.ok(d >= 50 && d <= 100, `delay ${d} outside [50, 100]`);
  });

  test('rejects inconsistent options', () => {
    assert.throws(() => new Backoff({ initialDelayMs: 100, maxDelayMs: 10 }), /retry delays/);
    assert.throws(() => new Backoff({ initialDelayMs: -1, maxDelayMs: 10 }), /retry delays/);
  });
});
