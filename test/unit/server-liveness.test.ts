// Session liveness across the ensemble, with a hand-driven clock: only a leader expires sessions, a
// follower reports what its clients touched, and a new leader (or a leader whose process stalled) starts
// every session's timeout afresh. The clock moves in half ticks, ticking as a running server does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionLiveness } from '../../src/replica/session-liveness.js';
import type { SessionRecord } from '../../src/tree/data-tree.js';

/** Moves the clock on by ms, ticking every half tick (50 ms) on the way, as the server's interval does. */
function advance(liveness: SessionLiveness, clock: { now: number }, ms: number): void {
  for (let left = ms; left > 0; left -= 50) {
    clock.now += Math.min(50, left);
    liveness.tick();
  }
}

function setup(): { liveness: SessionLiveness; expired: number[]; reports: Array<Array<[number, number]>>; clock: { now: number }; sessions: Map<number, SessionRecord> } {
  const sessions = new Map<number, SessionRecord>([[7, { sessionId: 7, timeoutMs: 1000, passwd: new Uint8Array(16) }]]);
  const expired: number[] = [];
  const reports: Array<Array<[number, number]>> = [];
  const clock = { now: 10_000 };
  const liveness = new SessionLiveness(100, {
    sessions: () => sessions,
    isClosing: () => false,
    expire: (id) => expired.push(id),
    report: (s) => reports.push(s),
  }, () => clock.now);
  return { liveness, expired, reports, clock, sessions };
}

describe('session liveness', () => {
  test('a leader expires a session nobody touched for its timeout, and not before', () => {
    const { liveness, expired, clock } = setup();
    liveness.setRole('leader');
    advance(liveness, clock, 900);
    assert.deepEqual(expired, []);
    advance(liveness, clock, 300);
    assert.deepEqual(expired, [7]);
  });

  test('a leader that stalled gives every session a fresh timeout instead of expiring it', () => {
    const { liveness, expired, clock } = setup();
    liveness.setRole('leader');
    advance(liveness, clock, 500);
    // Frozen for 1.5 s: the session's deadline passed while this process could hear nothing.
    clock.now += 1_500;
    assert.equal(liveness.tick(), 1_500);
    assert.deepEqual(expired, [], 'no expiry on waking from a stall');
    advance(liveness, clock, 900);
    assert.deepEqual(expired, [], 'the fresh timeout runs from the end of the stall');
    advance(liveness, clock, 300);
    assert.deepEqual(expired, [7], 'a session still silent a full timeout after the stall expires');
  });

  test('touches a follower reports keep a session alive on the leader', () => {
    const { liveness, expired, clock } = setup();
    liveness.setRole('leader');
    for (let i = 0; i < 10; i++) {
      advance(liveness, clock, 500);
      liveness.reported([[7, 1000]]);
    }
    assert.deepEqual(expired, []);
  });

  test('a follower reports only what its clients touched, and never expires anything', () => {
    const { liveness, expired, reports, clock } = setup();
    liveness.setRole('follower');
    liveness.tick();
    assert.deepEqual(reports, []);
    liveness.touch(7, 1000);
    liveness.tick();
    assert.deepEqual(reports, [[[7, 1000]]]);
    advance(liveness, clock, 60_000);
    assert.deepEqual(expired, []);
    assert.equal(reports.length, 1);
  });

  test('a new leader gives every session a fresh timeout', () => {
    const { liveness, expired, clock } = setup();
    advance(liveness, clock, 5_000);
    liveness.setRole('leader');
    advance(liveness, clock, 900);
    assert.deepEqual(expired, [], 'time before the leadership does not count');
  });
});
