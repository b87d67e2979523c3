// Session liveness through the replicas' inputs and outputs, with no sockets or timers: a silent client's
// session expires by a committed closeSession txn (xid 0) that takes its ephemerals with it; a client
// that pings a follower keeps its session alive on the leader; a client's closeSession ends its session
// and its connection;
// a leader that stalled gives sessions a fresh timeout instead of expiring them all.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode, CreateMode, ErrorCode, OpCode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { TICK_MS, TestEnsemble } from '../support/replica-harness.js';
import type { TestClient, TestReplica } from '../support/replica-harness.js';

const TIMEOUT_MS = 10 * TICK_MS;
const ping = { op: OpCode.ping } as Omit<Request, 'xid'>;

function connect(e: TestEnsemble, r: TestReplica): TestClient {
  const c = r.client();
  c.connect(0, new Uint8Array(0), TIMEOUT_MS);
  e.settle();
  assert.equal(c.connectResponse?.err, ErrorCode.OK);
  return c;
}

/** A standalone server with one connected session. */
function standaloneSession(): { e: TestEnsemble; r: TestReplica; c: TestClient; sessionId: number } {
  const e = new TestEnsemble([1]);
  const r = e.elect();
  const c = connect(e, r);
  return { e, r, c, sessionId: c.connectResponse!.sessionId };
}

describe('replica: session liveness', () => {
  test('a silent session expires by a committed closeSession txn, and its ephemerals go with it', () => {
    const { e, r, c, sessionId } = standaloneSession();
    c.create('/eph', CreateMode.EPHEMERAL);
    e.settle();
    assert.ok(r.replica.tree.sessions.has(sessionId));
    e.advance(TIMEOUT_MS + 2 * TICK_MS);
    assert.equal(r.replica.tree.sessions.has(sessionId), false, 'the session expired');
    assert.equal(r.replica.tree.getNode('/eph'), undefined, 'the ephemeral went with its session');
    const expiry = r.writes.flatMap((w) => (w.type === 'append' ? w.txns : [])).find((t) => t.body.type === 'closeSession');
    assert.ok(expiry !== undefined && expiry.xid === 0 && expiry.sessionId === sessionId, 'expired through a logged txn marked xid 0');
    assert.ok(c.closedWith !== undefined, 'its connection was closed');
  });

  test('a client that pings keeps its session, and stops keeping it when it stops', () => {
    const { e, r, c, sessionId } = standaloneSession();
    for (let t = 0; t < 3 * TIMEOUT_MS; t += TICK_MS) {
      c.request(ping);
      e.advance(TICK_MS);
    }
    assert.ok(r.replica.tree.sessions.has(sessionId), 'alive after three timeouts of pings');
    e.advance(TIMEOUT_MS + 2 * TICK_MS);
    assert.equal(r.replica.tree.sessions.has(sessionId), false);
  });

  test("pings to a follower are reported to the leader, which decides expiry", () => {
    const e = new TestEnsemble([1, 2, 3]);
    const leader = e.elect();
    const follower = e.all.find((r) => r !== leader)!;
    const c = connect(e, follower);
    const sessionId = c.connectResponse!.sessionId;
    for (let t = 0; t < 3 * TIMEOUT_MS; t += TICK_MS) {
      c.request(ping);
      e.advance(TICK_MS);
    }
    assert.ok(e.net.queue.length === 0);
    assert.ok(leader.replica.tree.sessions.has(sessionId), 'the leader heard of the touches');
    e.advance(TIMEOUT_MS + 2 * TICK_MS);
    for (const r of e.all) assert.equal(r.replica.tree.sessions.has(sessionId), false, `server ${r.id} still has the session`);
    assert.equal(c.closedWith?.code, CloseCode.SESSION_ENDED, "the follower tells its client the session expired");
  });

  test('closeSession ends the session and then the connection; the session cannot be resumed', () => {
    const { e, r, c, sessionId } = standaloneSession();
    const close = c.request({ op: OpCode.closeSession } as Omit<Request, 'xid'>);
    e.settle();
    assert.equal(c.answer(close)?.err, ErrorCode.OK);
    assert.equal(c.closedWith?.code, CloseCode.NORMAL, 'closed once the answer left');
    assert.equal(r.replica.tree.sessions.has(sessionId), false);
    const again = r.client();
    again.connect(sessionId, c.connectResponse!.passwd, TIMEOUT_MS);
    e.settle();
    assert.equal(again.connectResponse?.err, ErrorCode.SESSIONEXPIRED, 'a closed session cannot be resumed');
  });

  test('a leader that stalled gives every session a fresh timeout', () => {
    const { e, r, sessionId } = standaloneSession();
    // The clock jumps past the timeout with no tick in between (the server did not run meanwhile).
    e.clock.nowMs += 3 * TIMEOUT_MS;
    r.replica.tick();
    e.settle();
    assert.ok(r.replica.tree.sessions.has(sessionId), 'not expired for the silence of its own server');
    assert.ok(r.log.has('this process stalled; sessions get a fresh timeout'));
  });

  test('a handshake during an election waits, and is served once a leader is established', () => {
    const e = new TestEnsemble([1]);
    const r = e.get(1);
    const c = r.client();
    c.connect(0, new Uint8Array(0), TIMEOUT_MS);
    assert.equal(c.frames.length, 0, 'held, not refused');
    assert.equal(c.closedWith, undefined);
    e.elect();
    e.settle();
    assert.equal(c.connectResponse!.err, ErrorCode.OK);
  });
});
