// Forwarding through three replicas wired by an in-memory queue, with no sockets: a follower's client
// write goes to the leader and is answered when the follower applies it; a write that fails in the
// leader's prep comes back as an error ordered after what it was judged against; sync on a follower
// catches up with the leader; a malformed forwarded payload is dropped and the leader serves on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { connectedClient, ensembleWithFollower } from '../support/replica-harness.js';
import type { TestReplica } from '../support/replica-harness.js';


describe('replica: forwarding from followers', () => {
  test("a follower's client write is prepared by the leader and answered once the follower applies it", () => {
    const { e, leader, follower } = ensembleWithFollower();
    const c = connectedClient(e, follower);
    const xid = c.create('/f');
    assert.equal(leader.replica.tree.nodeCount, follower.replica.tree.nodeCount, 'nothing applied yet');
    assert.ok(e.net.queue.some((m) => m.from === follower.id && m.to === leader.id && m.message.type === 'request'), 'forwarded to the leader');
    e.settle();
    const answer = c.answer(xid)!;
    assert.equal(answer.err, ErrorCode.OK);
    assert.ok(follower.replica.tree.lastZxid >= answer.zxid, 'answered after the follower applied it');
    assert.ok(leader.replica.tree.lastZxid >= answer.zxid);
  });

  test('a forwarded write that fails in prep is answered after the txns it was judged against', () => {
    const { e, follower } = ensembleWithFollower();
    const c = connectedClient(e, follower);
    const ok = c.create('/dup');
    const dup = c.create('/dup');
    e.settle();
    assert.equal(c.answer(ok)?.err, ErrorCode.OK);
    assert.equal(c.answer(dup)?.err, ErrorCode.NODEEXISTS);
    assert.deepEqual(c.answers.map((a) => a.xid), [ok, dup], 'FIFO order across the forwarded ops');
  });

  test('sync on a follower waits until it applied what the leader had proposed', () => {
    const { e, leader, follower } = ensembleWithFollower();
    const writer = connectedClient(e, leader);
    const reader = connectedClient(e, follower);
    const w = writer.create('/s');
    // The follower does not hear of the write before its sync reaches the leader.
    leader.flush();
    const s = reader.request({ op: OpCode.sync, path: '/s' } as Omit<Request, 'xid'>);
    e.settle();
    const written = writer.answer(w)!;
    const synced = reader.answer(s)!;
    assert.equal(synced.err, ErrorCode.OK);
    assert.ok(synced.zxid >= written.zxid, `sync answered at ${synced.zxid}, before the write at ${written.zxid}`);
  });

  test('a malformed forwarded payload is dropped and the leader serves on', () => {
    const { e, leader, follower } = ensembleWithFollower();
    const c = connectedClient(e, follower);
    // A learner-session request with a payload no follower would send.
    const forged = { type: 'request', session: 0, seq: 0, payload: { kind: 'write', sessionId: 'x', xid: 1, request: { op: 9999 } } };
    leader.replica.peerMessage(follower.id, forged);
    e.settle();
    const xid = c.create('/after');
    e.settle();
    assert.equal(c.answer(xid)?.err, ErrorCode.OK);
    assert.ok(leader.status.serving);
  });

  test('a follower that loses its leader drops its clients (they reconnect) and its sessions live on', () => {
    const { e, leader, follower } = ensembleWithFollower();
    const c = connectedClient(e, follower);
    const sessionId = c.connectResponse!.sessionId;
    const pending = c.create('/lost');
    // The leader goes silent: its messages are lost from now on.
    for (const r of e.all) if (r !== leader) e.net.cut.add(`${leader.id}>${r.id}`);
    for (const r of e.all) if (r !== leader) e.net.cut.add(`${r.id}>${leader.id}`);
    const newLeaderOf = (): TestReplica | undefined => e.all.find((r) => r !== leader && r.status.state === 'leading' && r.status.serving);
    for (let i = 0; i < 200 && newLeaderOf() === undefined; i++) e.advance(50);
    assert.ok(c.closedWith !== undefined, 'the client was disconnected');
    assert.equal(c.answer(pending), undefined, 'no answer for a write whose fate is unknown');
    const newLeader = newLeaderOf();
    assert.ok(newLeader !== undefined, 'the two others elected a leader');
    assert.ok(newLeader.replica.tree.sessions.has(sessionId), 'the session survives the leader change');
  });
});
