import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTracker } from '../../src/replica/session-tracker.js';
import { SessionIdGenerator } from '../../src/replica/session-ids.js';
import { ResponseQueue } from '../../src/replica/response-queue.js';
import type { Response } from '../../protocol/index.js';

describe('session tracker', () => {
  test('expires a session only after its whole timeout without a touch', () => {
    const t = new SessionTracker(100, 0);
    t.touch(1, 1000, 0);
    t.touch(2, 1000, 0);
    assert.deepEqual(t.expire(900), []);
    t.touch(2, 1000, 900);
    assert.deepEqual(t.expire(1100), [1]);
    assert.equal(t.has(1), false);
    assert.deepEqual(t.expire(1950), []);
    assert.deepEqual(t.expire(2000), [2]);
    assert.equal(t.size, 0);
  });
  test('removed sessions never expire', () => {
    const t = new SessionTracker(100, 0);
    t.touch(7, 500, 0);
    t.remove(7);
    assert.deepEqual(t.expire(10_000), []);
  });
});

describe('session ids', () => {
  test('unique, carry the server id, skip taken ids, stay exact', () => {
    const g = new SessionIdGenerator(3, Date.now());
    const taken = new Set<number>();
    const first = g.nextId(() => false);
    taken.add(first + 1);
    const second = g.nextId((id) => taken.has(id));
    assert.notEqual(second, first + 1);
    assert.equal(Math.floor(first / 2 ** 44), 3);
    assert.ok(Number.isSafeInteger(new SessionIdGenerator(255, Date.now()).nextId(() => false)));
  });
});

describe('response queue (FIFO per connection)', () => {
  test('a read waits behind an earlier pending write', () => {
    const sent: number[] = [];
    const q = new ResponseQueue((r: Response) => sent.push(r.xid), () => false);
    const write = q.pushPending(10);
    let readRan = false;
    q.pushRead(10, () => {
      readRan = true;
      return { xid: 2, zxid: 0, err: 0 };
    });
    assert.equal(readRan, false);
    assert.deepEqual(sent, []);
    q.complete(write, { xid: 1, zxid: 1, err: 0 });
    assert.deepEqual(sent, [1, 2]);
    assert.equal(q.length, 0);
  });

  test('a read is not computed while the output is congested, and its request bytes stay counted', () => {
    const sent: number[] = [];
    let congested = true;
    const q = new ResponseQueue((r: Response) => sent.push(r.xid), () => congested);
    let runs = 0;
    q.pushRead(100, () => {
      runs += 1;
      return { xid: 1, zxid: 0, err: 0 };
    });
    q.pushReady(50, { xid: 2, zxid: 0, err: 0 });
    assert.equal(runs, 0);
    assert.deepEqual(sent, []);
    assert.equal(q.requestBytes, 150);
    congested = false;
    q.flush();
    assert.equal(runs, 1);
    assert.deepEqual(sent, [1, 2]);
    assert.equal(q.requestBytes, 0);
  });
});
