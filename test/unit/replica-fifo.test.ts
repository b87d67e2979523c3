// FIFO client order at one connection when its output is congested (found by the whole-replica
// simulator): a read queued ahead of the session's next write runs before that write can be applied, and
// a watch event never overtakes the answer that set its watch.
import { AuthRegistry } from '../../src/replica/auth/registry.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Xid } from '../../protocol/index.js';
import type { NotificationFrame, Response } from '../../protocol/index.js';
import { CloseCode, OpCode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { ClientHandle } from '../../src/replica/client-handle.js';
import { RequestBudget } from '../../src/replica/request-budget.js';
import { QUEUED_EVENTS_MAX, ResponseQueue } from '../../src/replica/response-queue.js';
import { RecordingLog, TestClient } from '../support/replica-harness.js';

const event = (zxid: number): NotificationFrame => ({ xid: Xid.NOTIFICATION, zxid, err: 0, type: 3, state: 3, path: '/x' });

describe('response queue under congestion', () => {
  test('a read behind a pending write runs when that write completes if a later write waits behind it', () => {
    const sent: number[] = [];
    let congested = true;
    let state = 1;
    const q = new ResponseQueue((r) => sent.push(r.xid), () => congested);
    const w1 = q.pushPending(10);
    let seen = 0;
    q.pushRead(10, (): Response => {
      seen = state;
      return { xid: 2, zxid: state, err: 0 };
    });
    const w2 = q.pushPending(10);
    q.complete(w1, { xid: 1, zxid: 2, err: 0 });
    state = 2;
    assert.equal(seen, 1, 'the read ran when the write before it completed, before the later write applied');
    assert.deepEqual(sent, []);
    state = 3;
    q.complete(w2, { xid: 3, zxid: 3, err: 0 });
    congested = false;
    q.flush();
    assert.deepEqual(sent, [1, 2, 3]);
    assert.equal(q.length, 0);
  });

  test('an event goes after the answers computed before it and before those computed later', () => {
    const sent: number[] = [];
    let congested = true;
    const q = new ResponseQueue((r) => sent.push(r.zxid), () => congested);
    q.pushRead(10, () => ({ xid: 1, zxid: 5, err: 0 }));
    const w = q.pushPending(10);
    assert.equal(q.pushEvent(event(6)), true);
    assert.equal(q.length, 2, 'a queued event is not a request');
    q.complete(w, { xid: 2, zxid: 7, err: 0 });
    congested = false;
    q.flush();
    assert.deepEqual(sent, [5, 6, 7]);
    assert.equal(q.pushEvent(event(8)), false, 'nothing waits: the event goes out at once');
  });

  test('events queued behind computed answers are bounded: past the bound the client is a slow consumer', () => {
    const link = new TestClient();
    link.congested = true;
    const handler = {
      onConnect: (c: ClientHandle) => c.opened(7, 10_000),
      // A read answered at once, then a write that stays pending: the read's answer waits, computed, in the queue.
      onRequest: (c: ClientHandle, req: Request) => (req.op === OpCode.getData ? c.read(() => ({ xid: req.xid, zxid: 1, err: 0 })) : void c.pending()),
      onClose: () => {},
    };
    const conn = new ClientHandle(1, link, { remoteAddress: '127.0.0.1' }, new AuthRegistry(), handler, { maxOutstanding: 100, maxQueuedBytes: 1 << 20 }, new RequestBudget({ countMax: 100, bytesMax: 1 << 20 }), new RecordingLog());
    link.handle = conn;
    link.connect();
    link.request({ op: OpCode.getData, path: '/x', watch: true } as Omit<Request, 'xid'>);
    link.request({ op: OpCode.delete, path: '/x', version: -1 } as Omit<Request, 'xid'>);
    for (let i = 0; i < QUEUED_EVENTS_MAX; i++) conn.sendEvent({ type: 3, state: 3, path: '/x', zxid: 2 + i });
    assert.equal(link.closedWith, undefined, 'up to the bound the events wait in order');
    assert.equal(link.events.length, 0, 'none overtook the computed answer');
    conn.sendEvent({ type: 3, state: 3, path: '/x', zxid: 2 + QUEUED_EVENTS_MAX });
    assert.equal((link.closedWith as { code: number } | undefined)?.code, CloseCode.SLOW_CONSUMER);
    assert.equal(conn.isClosed, true);
  });
});
