// The write path through a standalone replica's inputs and outputs, with no sockets or disk: a write is
// answered only once its txn is durable, writes prepared in one burst go out as one log append, a
// session's read waits behind its own earlier write, a failed write is ordered after the txns it was
// judged against, and sync waits for everything proposed before it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, ErrorCode, EventType, OpCode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { TestEnsemble } from '../support/replica-harness.js';
import type { TestClient } from '../support/replica-harness.js';

function standalone(): { e: TestEnsemble; c: TestClient } {
  const e = new TestEnsemble([1]);
  e.elect();
  const c = e.get(1).client();
  c.connect();
  e.settle();
  assert.equal(c.connectResponse?.err, ErrorCode.OK);
  return { e, c };
}

const getData = (path: string, watch = false): Omit<Request, 'xid'> => ({ op: OpCode.getData, path, watch }) as Omit<Request, 'xid'>;

describe('replica: the write path', () => {
  test('a write is answered only after its txn is durable', () => {
    const { e, c } = standalone();
    const r = e.get(1);
    const xid = c.create('/a');
    r.flush();
    const append = r.unsynced.find((w) => w.type === 'append');
    assert.ok(append !== undefined, 'the txn went to storage');
    assert.equal(c.answer(xid), undefined, 'no answer before the fsync');
    r.syncAll();
    assert.equal(c.answer(xid)?.err, ErrorCode.OK);
    assert.equal(c.answer(xid)?.path, '/a');
  });

  test('writes prepared in one burst go to storage as one append', () => {
    const { e, c } = standalone();
    const r = e.get(1);
    const before = r.writes.length;
    for (const p of ['/x', '/y', '/z']) c.create(p);
    r.flush();
    const appends = r.writes.slice(before).filter((w) => w.type === 'append');
    assert.equal(appends.length, 1);
    assert.equal(appends[0]!.type === 'append' ? appends[0]!.txns.length : 0, 3);
    const zxids = appends[0]!.type === 'append' ? appends[0]!.txns.map((t) => t.zxid) : [];
    assert.deepEqual(zxids, [zxids[0], zxids[0]! + 1, zxids[0]! + 2], 'consecutive zxids');
  });

  test("a session's read waits behind its own earlier write and sees it", () => {
    const { e, c } = standalone();
    const w = c.create('/a');
    const rd = c.request(getData('/a'));
    assert.equal(c.answers.length, 0, 'the read is held behind the write');
    e.settle();
    assert.deepEqual(c.answers.map((a) => a.xid), [w, rd], 'answers in request order');
    assert.equal(c.answer(rd)?.err, ErrorCode.OK);
  });

  test('a failed write is answered after the in-flight txns it was judged against', () => {
    const { e, c } = standalone();
    const first = c.create('/a');
    const dup = c.create('/a');
    assert.equal(c.answers.length, 0, 'NODEEXISTS is not sent ahead of the create it depends on');
    e.settle();
    assert.equal(c.answer(first)?.err, ErrorCode.OK);
    assert.equal(c.answer(dup)?.err, ErrorCode.NODEEXISTS);
    assert.deepEqual(c.answers.map((a) => a.xid), [first, dup]);
  });

  test('sync is answered once everything proposed before it is applied', () => {
    const { e, c } = standalone();
    const other = e.get(1).client();
    other.connect();
    e.settle();
    other.create('/b');
    const s = c.request({ op: OpCode.sync, path: '/' } as Omit<Request, 'xid'>);
    e.get(1).flush();
    assert.equal(c.answer(s), undefined, "sync waits for the other session's write");
    e.settle();
    const answer = c.answer(s)!;
    assert.equal(answer.err, ErrorCode.OK);
    assert.ok(answer.zxid >= other.answers[0]!.zxid);
  });

  test('a watch event leaves before the answer of the write that fired it', () => {
    const { e, c } = standalone();
    c.create('/w');
    e.settle();
    const watcher = e.get(1).client();
    watcher.connect();
    e.settle();
    watcher.request(getData('/w', true));
    e.settle();
    const set = watcher.request({ op: OpCode.setData, path: '/w', data: new Uint8Array([2]), version: -1 } as Omit<Request, 'xid'>);
    e.settle();
    const frames = watcher.frames;
    const eventAt = frames.findIndex((f) => 'type' in f && f.type === EventType.NodeDataChanged);
    const answerAt = frames.findIndex((f) => 'xid' in f && f.xid === set);
    assert.ok(eventAt >= 0 && eventAt < answerAt, `event at ${eventAt}, answer at ${answerAt}`);
  });

  test('a storage failure stops the replica: nothing more is acknowledged', () => {
    const { e, c } = standalone();
    const r = e.get(1);
    const xid = c.create('/never', CreateMode.PERSISTENT);
    r.flush();
    r.replica.storageFailed(new Error('disk on fire'));
    assert.equal(r.failedWith?.message, 'disk on fire');
    r.syncAll();
    assert.equal(c.answer(xid), undefined);
    assert.ok(c.closedWith !== undefined, 'the client was disconnected');
    assert.equal(r.replica.isServing, false);
  });
});
