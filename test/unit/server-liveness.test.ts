// Session liveness across the ensemble, with a hand-driven clock: only a leader expires sessions, a
// follower reports what its clients touched, and a new leader starts every session's timeout afresh.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionLiveness } from '../../src/server/session-liveness.js';
import type { SessionRecord } from '../../src/tree/data-tree.js';

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
    clock.now += 900;
    liveness.tick();
    assert.deepEqual(expired, []);
    clock.now += 300;
    liveness.tick();
    assert.deepEqual(expired, [7]);
  });

  test('touches a follower reports keep a session alive on the leader', () => {
    const { liveness, expired, clock } = setup();
    liveness.setRole('leader');
    for (let i = 0; i < 10; i++) {
      clock.now += 500;
      liveness.reported([[7, 1000]]);
      liveness.tick();
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
    clock.now += 60_000;
    liveness.tick();
    assert.deepEqual(expired, []);
    assert.equal(reports.length, 1);
  });

  test('a new leader gives every session a fresh timeout', () => {
    const { liveness, expired, clock } = setup();
    clock.now += 5_000;
    liveness.setRole('leader');
    clock.now += 900;
    liveness.tick();
    assert.deepEqual(expired, [], 'time before the leadership does not count');
  });
});
