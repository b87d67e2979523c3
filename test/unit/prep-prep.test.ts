import { AuthRegistry } from '../../src/replica/auth/registry.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, ErrorCode, OPEN_ACL_UNSAFE, OpCode, type CreateRequest, type Id, type MultiOp, type Txn, type TxnBody } from '../../protocol/index.js';
import { DataTree } from '../../src/tree/index.js';
import { Prep, type PrepResult, type WriteRequest } from '../../src/replica/prep.js';
import { PendingOrderError } from '../../src/replica/pending-changes.js';
import { RecordingLog } from '../support/replica-harness.js';

const S = 0x100; // a live client session
const OTHER = 0x200;
const NOW = 50_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function createReq(path: string, mode: CreateMode = CreateMode.PERSISTENT, extra: Partial<CreateRequest> = {}): WriteRequest {
  return { xid: 1, op: OpCode.create, path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode, ...extra };
}
const deleteReq = (path: string, version = -1): WriteRequest => ({ xid: 1, op: OpCode.delete, path, version });
const setDataReq = (path: string, version = -1, data = bytes('d')): WriteRequest => ({ xid: 1, op: OpCode.setData, path, data, version });
const multiReq = (ops: MultiOp[]): WriteRequest => ({ xid: 1, op: OpCode.multi, ops });

const LOCAL_IDS: readonly Id[] = [{ scheme: 'ip', id: '127.0.0.1' }];

/** A tree, a Prep over it, and helpers that propose and apply like the leader's write path. */
class Harness {
  readonly tree = new DataTree();
  readonly prep = new Prep(this.tree, { maxDataBytes: 100, enforceQuota: true }, new AuthRegistry(), new RecordingLog());
  private zxid = 0;
  readonly proposed: Txn[] = [];

  constructor(sessions: number[] = [S, OTHER]) {
    for (const sessionId of sessions) this.commitNow({ type: 'createSession', sessionId, timeoutMs: 1000, passwd: new Uint8Array(16) });
  }

  prepare(req: WriteRequest, sessionId = S, ids: readonly Id[] = LOCAL_IDS): PrepResult {
    return this.prep.prepare(req, sessionId, NOW, ids);
  }

  /** prepare + recordProposed; returns the txn (not applied yet). */
  propose(req: WriteRequest, sessionId = S): Txn {
    const r = this.prepare(req, sessionId);
    assert.ok(r.ok, `expected ${JSON.stringify(req)} to prepare, got ${JSON.stringify(r)}`);
    return this.proposeBody(r.body, sessionId);
  }

  proposeBody(body: TxnBody, sessionId = 0): Txn {
    const txn: Txn = { zxid: ++this.zxid, time: NOW, sessionId, xid: 1, body };
    this.prep.recordProposed(txn);
    this.proposed.push(txn);
    return txn;
  }

  /** Applies every proposed txn in order, telling prep after each. */
  applyAll(): void {
    for (const txn of this.proposed.splice(0)) {
      this.tree.apply(txn);
      this.prep.applied(txn.zxid);
    }
  }

  commitNow(body: TxnBody): void {
    this.proposeBody(body);
    this.applyAll();
  }

  /** Proposes and applies a client request. */
  run(req: WriteRequest, sessionId = S): Txn {
    const txn = this.propose(req, sessionId);
    this.applyAll();
    return txn;
  }
}

function expectErr(r: PrepResult, err: number, path?: string): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  if (!r.ok) {
    assert.equal(r.err, err);
    if (path !== undefined) assert.equal(r.path, path);
  }
}

function createdPath(r: PrepResult): string {
  assert.ok(r.ok && r.body.type === 'create', JSON.stringify(r));
  return r.ok && r.body.type === 'create' ? r.body.path : '';
}

describe('Prep create', () => {
  test('maps create modes to node kinds, owners and TTLs', () => {
    const h = new Harness();
    const body = (mode: CreateMode, ttl?: number) => {
      const r = h.prepare(createReq('/n', mode, ttl === undefined ? {} : { ttl }));
      assert.ok(r.ok && r.body.type === 'create');
      return r.ok && r.body.type === 'create' ? [r.body.kind, r.body.ephemeralOwner, r.body.ttlMs] : [];
    };
    assert.deepEqual(body(CreateMode.PERSISTENT), ['persistent', 0, 0]);
    assert.deepEqual(body(CreateMode.EPHEMERAL), ['ephemeral', S, 0]);
    assert.deepEqual(body(CreateMode.EPHEMERAL_SEQUENTIAL), ['ephemeral', S, 0]);
    assert.deepEqual(body(CreateMode.CONTAINER), ['container', 0, 0]);
    assert.deepEqual(body(CreateMode.PERSISTENT_WITH_TTL, 500), ['ttl', 0, 500]);
    assert.deepEqual(body(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 500), ['ttl', 0, 500]);
  });

  test('reports NODEEXISTS, NONODE, NOCHILDRENFOREPHEMERALS with the path', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    h.run(createReq('/e', CreateMode.EPHEMERAL));
    expectErr(h.prepare(createReq('/a')), ErrorCode.NODEEXISTS, '/a');
    expectErr(h.prepare(createReq('/x/y')), ErrorCode.NONODE, '/x/y');
    expectErr(h.prepare(createReq('/e/kid')), ErrorCode.NOCHILDRENFOREPHEMERALS, '/e/kid');
  });

  test('rejects bad arguments: /zookeeper, ephemeral from session 0, oversized data, TTL problems, empty ACL', () => {
    const h = new Harness();
    expectErr(h.prepare(createReq('/zookeeper/mine')), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(createReq('/zookeeper/', CreateMode.PERSISTENT_SEQUENTIAL)), ErrorCode.BADARGUMENTS);
    assert.ok(h.prepare(createReq('/zookeeper/mine'), 0).ok, 'the server itself may write there');
    expectErr(h.prepare(createReq('/e', CreateMode.EPHEMERAL), 0), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(createReq('/big', CreateMode.PERSISTENT, { data: new Uint8Array(101) })), ErrorCode.BADARGUMENTS);
    assert.ok(h.prepare(createReq('/max', CreateMode.PERSISTENT, { data: new Uint8Array(100) })).ok);
    expectErr(h.prepare(createReq('/t', CreateMode.PERSISTENT_WITH_TTL)), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(createReq('/t', CreateMode.PERSISTENT_WITH_TTL, { ttl: 0 })), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare({ xid: 1, op: OpCode.createTTL, path: '/t', data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT }), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare({ xid: 1, op: OpCode.createContainer, path: '/c', data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT }), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(createReq('/noacl', CreateMode.PERSISTENT, { acl: [] })), ErrorCode.INVALIDACL);
  });

  test('sequential names count creates ever made, in flight included (create /p/a, delete, create /p/s-)', () => {
    const h = new Harness();
    h.run(createReq('/p'));
    h.propose(createReq('/p/a'));
    h.propose(deleteReq('/p/a'));
    const first = h.propose(createReq('/p/s-', CreateMode.PERSISTENT_SEQUENTIAL));
    assert.equal(first.body.type === 'create' && first.body.path, '/p/s-0000000001');
    const second = h.propose(createReq('/p/', CreateMode.EPHEMERAL_SEQUENTIAL));
    assert.equal(second.body.type === 'create' && second.body.path, '/p/0000000002');
    h.applyAll();
    assert.deepEqual(h.tree.getChildren('/p')?.sort(), ['0000000002', 's-0000000001']);
    assert.equal(h.tree.statOf('/p')?.cversion, 4); // 2 × 3 creates − 2 children
    assert.equal(createdPath(h.prepare(createReq('/p/s-', CreateMode.PERSISTENT_SEQUENTIAL))), '/p/s-0000000003');
  });

  test('prepare alone does not consume a sequence number', () => {
    const h = new Harness();
    h.run(createReq('/q'));
    assert.equal(createdPath(h.prepare(createReq('/q/n', CreateMode.PERSISTENT_SEQUENTIAL))), '/q/n0000000000');
    assert.equal(createdPath(h.prepare(createReq('/q/n', CreateMode.PERSISTENT_SEQUENTIAL))), '/q/n0000000000');
  });
});

describe('Prep sees txns in flight', () => {
  test('two setData with version 0 back to back: the second fails BADVERSION before the first is applied', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    h.propose(setDataReq('/a', 0));
    expectErr(h.prepare(setDataReq('/a', 0)), ErrorCode.BADVERSION, '/a');
    assert.ok(h.prepare(setDataReq('/a', 1)).ok);
    h.applyAll();
    assert.equal(h.tree.statOf('/a')?.version, 1);
    expectErr(h.prepare(setDataReq('/a', 0)), ErrorCode.BADVERSION);
  });

  test('NODEEXISTS, NONODE and NOTEMPTY see creates and deletes in flight', () => {
    const h = new Harness();
    h.run(createReq('/p'));
    h.propose(createReq('/p/kid'));
    expectErr(h.prepare(createReq('/p/kid')), ErrorCode.NODEEXISTS);
    expectErr(h.prepare(deleteReq('/p')), ErrorCode.NOTEMPTY, '/p');
    assert.ok(h.prepare(createReq('/p/kid/grandkid')).ok, 'the parent in flight counts as existing');
    h.propose(deleteReq('/p/kid'));
    expectErr(h.prepare(setDataReq('/p/kid')), ErrorCode.NONODE);
    assert.ok(h.prepare(deleteReq('/p')).ok);
  });

  test('delete, setData, setACL and check version rules', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    h.run(setDataReq('/a'));
    expectErr(h.prepare(deleteReq('/a', 0)), ErrorCode.BADVERSION);
    expectErr(h.prepare(deleteReq('/nope')), ErrorCode.NONODE);
    expectErr(h.prepare(deleteReq('/')), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(deleteReq('/zookeeper/quota')), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(setDataReq('/zookeeper', -1)), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(setDataReq('/a', -1, new Uint8Array(101))), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare(setDataReq('/nope')), ErrorCode.NONODE);
    assert.ok(h.prepare(deleteReq('/a', 1)).ok);
    const setAcl = (version: number, path = '/a'): WriteRequest => ({ xid: 1, op: OpCode.setACL, path, acl: [...OPEN_ACL_UNSAFE], version });
    h.propose(setAcl(0));
    expectErr(h.prepare(setAcl(0)), ErrorCode.BADVERSION, '/a'); // aversion in flight is 1
    assert.ok(h.prepare(setAcl(1)).ok);
    expectErr(h.prepare(setAcl(-1, '/nope')), ErrorCode.NONODE);
    expectErr(h.prepare(setAcl(-1, '/zookeeper')), ErrorCode.BADARGUMENTS);
    expectErr(h.prepare({ xid: 1, op: OpCode.setACL, path: '/a', acl: [], version: -1 }), ErrorCode.INVALIDACL);
    expectErr(h.prepare({ xid: 1, op: OpCode.check, path: '/a', version: 0 }), ErrorCode.BADVERSION);
    assert.ok(h.prepare({ xid: 1, op: OpCode.check, path: '/a', version: 1 }).ok);
    assert.ok(h.prepare({ xid: 1, op: OpCode.check, path: '/zookeeper', version: -1 }).ok, 'reads of /zookeeper are fine');
    expectErr(h.prepare({ xid: 1, op: OpCode.check, path: '/nope', version: -1 }), ErrorCode.NONODE);
  });

  test('applied() drops what the tree caught up with; reset() forgets everything in flight', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    h.propose(setDataReq('/a', 0));
    h.propose(createReq('/b'));
    assert.equal(h.prep.inFlightCount, 2);
    h.applyAll();
    assert.equal(h.prep.inFlightCount, 0);
    assert.ok(h.prepare(setDataReq('/a', 1)).ok, 'the overlay now agrees with the tree');
    h.propose(setDataReq('/a', 1));
    h.propose(createReq('/c'));
    expectErr(h.prepare(createReq('/c')), ErrorCode.NODEEXISTS);
    h.prep.reset();
    h.proposed.length = 0;
    assert.equal(h.prep.inFlightCount, 0);
    assert.ok(h.prepare(createReq('/c')).ok, 'the lost create is forgotten');
    assert.ok(h.prepare(setDataReq('/a', 1)).ok, 'the lost setData is forgotten');
  });

  test('a record stays while a later txn in flight still changes the same path', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    const first = h.propose(setDataReq('/a', 0));
    h.propose(setDataReq('/a', 1));
    h.tree.apply(first);
    h.prep.applied(first.zxid);
    expectErr(h.prepare(setDataReq('/a', 1)), ErrorCode.BADVERSION);
    assert.ok(h.prepare(setDataReq('/a', 2)).ok);
  });

  test('ordering bugs throw: zxids must increase, applied() cannot run ahead of the tree', () => {
    const h = new Harness();
    const txn = h.propose(createReq('/a'));
    assert.throws(() => h.prep.recordProposed({ ...txn }), PendingOrderError);
    assert.throws(() => h.prep.applied(txn.zxid), PendingOrderError);
  });
});

describe('Prep multi', () => {
  const op = {
    create: (path: string, mode: CreateMode = CreateMode.PERSISTENT): MultiOp => ({ op: OpCode.create, path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode }),
    delete: (path: string, version = -1): MultiOp => ({ op: OpCode.delete, path, version }),
    setData: (path: string, version = -1): MultiOp => ({ op: OpCode.setData, path, data: bytes('m'), version }),
    check: (path: string, version: number): MultiOp => ({ op: OpCode.check, path, version }),
  };

  test('later ops see earlier ones, and the txn applies in one zxid', () => {
    const h = new Harness();
    h.run(createReq('/x'));
    const txn = h.run(multiReq([op.create('/m'), op.create('/m/', CreateMode.PERSISTENT_SEQUENTIAL), op.setData('/m', 0), op.check('/m', 1), op.delete('/x', 0)]));
    assert.equal(txn.body.type, 'multi');
    assert.deepEqual(h.tree.getChildren('/m'), ['0000000000']);
    assert.equal(h.tree.statOf('/m')?.version, 1);
    assert.equal(h.tree.statOf('/m/0000000000')?.czxid, txn.zxid);
    assert.equal(h.tree.statOf('/x'), undefined);
  });

  test('the first failure fails the multi with ZooKeeper-style results', () => {
    const h = new Harness();
    h.run(createReq('/a'));
    const r = h.prepare(multiReq([op.create('/new'), op.setData('/a', 0), op.check('/a', 0), op.delete('/a'), op.create('/z')]));
    assert.deepEqual(r, {
      ok: false,
      err: ErrorCode.BADVERSION,
      path: '/a',
      results: [
        { op: OpCode.error, err: ErrorCode.OK },
        { op: OpCode.error, err: ErrorCode.OK },
        { op: OpCode.error, err: ErrorCode.BADVERSION },
        { op: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
        { op: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
      ],
    });
    assert.equal(h.prep.inFlightCount, 0);
    assert.ok(h.prepare(createReq('/new')).ok, 'a failed multi leaves nothing behind');
  });

  test('multi sees other txns in flight, and is seen by later requests', () => {
    const h = new Harness();
    h.run(createReq('/p'));
    h.propose(createReq('/p/kid'));
    expectErr(h.prepare(multiReq([op.delete('/p')])), ErrorCode.NOTEMPTY);
    h.propose(multiReq([op.delete('/p/kid'), op.create('/p/s', CreateMode.PERSISTENT_SEQUENTIAL)]));
    assert.equal(createdPath(h.prepare(createReq('/p/s', CreateMode.PERSISTENT_SEQUENTIAL))), '/p/s0000000002');
    expectErr(h.prepare(createReq('/p/s0000000001')), ErrorCode.NODEEXISTS);
    h.applyAll();
    assert.deepEqual(h.tree.getChildren('/p'), ['s0000000001']);
  });

  test('an empty multi is OK', () => {
    const h = new Harness();
    assert.deepEqual(h.prepare(multiReq([])), { ok: true, body: { type: 'multi', txns: [] } });
  });

  test('validates the sequential path inside multi and rejects /zookeeper', () => {
    const h = new Harness();
    const r = h.prepare(multiReq([op.create('/ok'), op.create('/zookeeper/x')]));
    expectErr(r, ErrorCode.BADARGUMENTS);
    assert.ok(!r.ok && r.results?.[1]?.err === ErrorCode.BADARGUMENTS);
  });
});

describe('Prep sessions', () => {
  test('createSession and closeSession become txns; a closing session is refused until it is gone', () => {
    const h = new Harness();
    const created = h.prepare({ op: OpCode.createSession, timeoutMs: 3000, passwd: new Uint8Array(16).fill(3), newSessionId: 0x300 }, 0x300);
    assert.deepEqual(created, { ok: true, body: { type: 'createSession', sessionId: 0x300, timeoutMs: 3000, passwd: new Uint8Array(16).fill(3) } });
    h.proposeBody(created.ok ? created.body : ({} as TxnBody));
    assert.ok(h.prepare(createReq('/new', CreateMode.EPHEMERAL), 0x300).ok, 'a session being created may write');
    h.run(createReq('/e1', CreateMode.EPHEMERAL));
    h.propose(createReq('/e2', CreateMode.EPHEMERAL));
    assert.deepEqual(h.prepare({ op: OpCode.closeSession }, S), { ok: true, body: { type: 'closeSession', sessionId: S } });
    h.propose({ op: OpCode.closeSession }, S);
    expectErr(h.prepare(createReq('/late', CreateMode.EPHEMERAL), S), ErrorCode.SESSIONEXPIRED);
    expectErr(h.prepare(setDataReq('/e1'), S), ErrorCode.SESSIONEXPIRED);
    expectErr(h.prepare({ op: OpCode.closeSession }, S), ErrorCode.SESSIONEXPIRED);
    // Its ephemerals, in the tree and in flight, are already gone for everyone else.
    expectErr(h.prepare(setDataReq('/e1'), OTHER), ErrorCode.NONODE);
    expectErr(h.prepare(setDataReq('/e2'), OTHER), ErrorCode.NONODE);
    assert.ok(h.prepare(createReq('/e2'), OTHER).ok);
    h.applyAll();
    assert.equal(h.tree.statOf('/e1'), undefined);
    assert.equal(h.tree.statOf('/e2'), undefined);
    expectErr(h.prepare(createReq('/late'), S), ErrorCode.SESSIONEXPIRED);
  });

  test('an unknown session is refused; closeSession needs a session', () => {
    const h = new Harness();
    expectErr(h.prepare(createReq('/x'), 0x999), ErrorCode.SESSIONEXPIRED);
    expectErr(h.prepare({ op: OpCode.closeSession }, 0), ErrorCode.BADARGUMENTS);
  });

  test('closing keeps ephemerals another session re-created at the same path', () => {
    const h = new Harness();
    h.run(createReq('/lock', CreateMode.EPHEMERAL), S);
    h.propose(deleteReq('/lock'), S);
    h.propose(createReq('/lock', CreateMode.EPHEMERAL), OTHER);
    h.propose({ op: OpCode.closeSession }, S);
    expectErr(h.prepare(createReq('/lock'), OTHER), ErrorCode.NODEEXISTS);
    h.applyAll();
    assert.equal(h.tree.statOf('/lock')?.ephemeralOwner, OTHER);
  });
});

describe('Prep deleteContainer', () => {
  const cleanup = (path: string, nowMs = NOW): WriteRequest => ({ op: OpCode.deleteContainer, path, nowMs });

  test('deletes an empty container that had children; refuses otherwise', () => {
    const h = new Harness();
    h.run(createReq('/c', CreateMode.CONTAINER));
    expectErr(h.prepare(cleanup('/c'), 0), ErrorCode.BADVERSION);
    h.run(createReq('/c/kid'));
    expectErr(h.prepare(cleanup('/c'), 0), ErrorCode.NOTEMPTY);
    h.propose(deleteReq('/c/kid'));
    assert.deepEqual(h.prepare(cleanup('/c'), 0), { ok: true, body: { type: 'delete', path: '/c' } });
    h.propose(createReq('/c/again'));
    expectErr(h.prepare(cleanup('/c'), 0), ErrorCode.NOTEMPTY);
    expectErr(h.prepare(cleanup('/nope'), 0), ErrorCode.NONODE);
    h.run(createReq('/plain'));
    expectErr(h.prepare(cleanup('/plain'), 0), ErrorCode.BADVERSION);
  });

  test('deletes an empty TTL node only if still expired at nowMs, counting setData in flight', () => {
    const h = new Harness();
    h.run(createReq('/t', CreateMode.PERSISTENT_WITH_TTL, { ttl: 1000 })); // mtime NOW
    expectErr(h.prepare(cleanup('/t', NOW + 1000), 0), ErrorCode.BADVERSION);
    assert.ok(h.prepare(cleanup('/t', NOW + 1001), 0).ok);
    h.proposeBody({ type: 'setData', path: '/t', data: new Uint8Array(0) });
    // The in-flight setData is stamped NOW as well; a later one moves mtime.
    const later: Txn = { zxid: 1000, time: NOW + 5000, sessionId: S, xid: 1, body: { type: 'setData', path: '/t', data: new Uint8Array(0) } };
    h.prep.recordProposed(later);
    expectErr(h.prepare(cleanup('/t', NOW + 1001), 0), ErrorCode.BADVERSION);
    assert.ok(h.prepare(cleanup('/t', NOW + 6001), 0).ok);
  });
});
