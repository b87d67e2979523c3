// Quota checks at prep: hard limits refuse with QUOTAEXCEEDED counting what is still in flight and the
// earlier ops of a multi; soft limits are logged and counted; malformed limits are refused at the write;
// clients may write below /zookeeper/quota and nowhere else in /zookeeper.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMode,
  ErrorCode,
  OPEN_ACL_UNSAFE,
  OpCode,
  quotaLimitPath,
  quotaStatPath,
  type MultiOp,
  type Txn,
  type TxnBody,
} from '../../protocol/index.js';
import { DataTree } from '../../src/tree/index.js';
import { Prep, type PrepResult, type WriteRequest } from '../../src/replica/prep.js';
import { RecordingLog } from '../support/replica-harness.js';
import { AuthRegistry } from '../../src/replica/auth/registry.js';

const LOCAL_IDS = [{ scheme: 'ip', id: '127.0.0.1' }];

const S = 0x100;
const NOW = 1_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const createOp = (path: string, data = '', mode: CreateMode = CreateMode.PERSISTENT): MultiOp =>
  ({ op: OpCode.create, path, data: bytes(data), acl: [...OPEN_ACL_UNSAFE], mode });
const createReq = (path: string, data = '', mode: CreateMode = CreateMode.PERSISTENT): WriteRequest => ({ xid: 1, ...createOp(path, data, mode) }) as WriteRequest;
const setDataReq = (path: string, data: string): WriteRequest => ({ xid: 1, op: OpCode.setData, path, data: bytes(data), version: -1 });
const deleteReq = (path: string): WriteRequest => ({ xid: 1, op: OpCode.delete, path, version: -1 });

/** A leader's prep over a tree: propose (prepare + record, not applied) and apply like the write path. */
class Leader {
  readonly tree = new DataTree();
  readonly log = new RecordingLog();
  readonly prep: Prep;
  private zxid = 0;
  private readonly inFlight: Txn[] = [];

  constructor(enforceQuota = true) {
    this.prep = new Prep(this.tree, { maxDataBytes: 1000, enforceQuota }, new AuthRegistry(), this.log);
    this.commit({ type: 'createSession', sessionId: S, timeoutMs: 1000, passwd: new Uint8Array(16) });
  }

  prepare(req: WriteRequest, sessionId = S): PrepResult {
    return this.prep.prepare(req, sessionId, NOW, LOCAL_IDS);
  }

  /** Prepares and proposes; the txn stays in flight until applyAll(). */
  propose(req: WriteRequest, sessionId = S): PrepResult {
    const r = this.prepare(req, sessionId);
    if (r.ok) this.record(r.body, sessionId);
    return r;
  }

  private record(body: TxnBody, sessionId: number): void {
    const txn: Txn = { zxid: ++this.zxid, time: NOW, sessionId, xid: 1, body };
    this.prep.recordProposed(txn);
    this.inFlight.push(txn);
  }

  applyAll(): void {
    for (const txn of this.inFlight.splice(0)) {
      assert.equal(this.tree.apply(txn).err, ErrorCode.OK);
      this.prep.applied(txn.zxid);
    }
  }

  commit(body: TxnBody): void {
    this.record(body, 0);
    this.applyAll();
  }

  /** A client request that must succeed, applied at once. */
  run(req: WriteRequest): void {
    const r = this.propose(req);
    assert.ok(r.ok, `${JSON.stringify(req)}: ${JSON.stringify(r)}`);
    this.applyAll();
  }

  /** Sets limits on path the way zkCli does, as a client. */
  setQuota(path: string, limits: string): void {
    let dir = '/zookeeper/quota';
    for (const seg of path.split('/').slice(1)) {
      dir += `/${seg}`;
      if (this.tree.statOf(dir) === undefined) this.run(createReq(dir));
    }
    this.run(createReq(quotaLimitPath(path), limits));
    this.run(createReq(quotaStatPath(path), 'count=0,bytes=0'));
  }

  stats(path: string): string {
    return new TextDecoder().decode(this.tree.getNode(quotaStatPath(path))!.data);
  }
}

function refused(r: PrepResult, path?: string): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  if (!r.ok) {
    assert.equal(r.err, ErrorCode.QUOTAEXCEEDED);
    if (path !== undefined) assert.equal(r.path, path);
  }
}

describe('hard limits', () => {
  test('a create past countHardLimit is refused; the quota path itself counts', () => {
    const l = new Leader();
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=3');
    l.run(createReq('/a/1'));
    l.run(createReq('/a/2'));
    refused(l.prepare(createReq('/a/3')), '/a/3');
    refused(l.prepare(createReq('/a/1/deep')));
    assert.ok(l.prepare(createReq('/b')).ok, 'outside the quota');
    assert.equal(l.prep.quotaCounters.hardLimitRefused, 2);
    assert.ok(l.log.has('quota exceeded: write refused'));
    l.run(deleteReq('/a/2'));
    assert.ok(l.prepare(createReq('/a/3')).ok, 'room again after a delete');
  });

  test('byteHardLimit refuses creates and setData that add bytes past it, never ones that shrink', () => {
    const l = new Leader();
    l.run(createReq('/a', '12345'));
    l.setQuota('/a', 'byteHardLimit=10');
    refused(l.prepare(createReq('/a/x', '123456')));
    l.run(createReq('/a/x', '12345'));
    refused(l.prepare(setDataReq('/a/x', '123456')));
    l.run(setDataReq('/a/x', '1234'));
    // Lower the limit below what is there: shrinking writes still go through, growing ones do not.
    l.run(setDataReq(quotaLimitPath('/a'), 'byteHardLimit=2'));
    l.run(setDataReq('/a/x', '1'));
    refused(l.prepare(setDataReq('/a/x', '12')));
    assert.ok(l.prepare(createReq('/a/empty')).ok, 'adds no bytes, and no count limit');
  });

  test('creates in flight count: the second of two pipelined creates is refused', () => {
    const l = new Leader();
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=2');
    assert.ok(l.propose(createReq('/a/1')).ok);
    refused(l.propose(createReq('/a/2')));
    l.applyAll();
    assert.equal(l.stats('/a'), 'count=2,bytes=0');
    refused(l.prepare(createReq('/a/2')));
  });

  test('bytes in flight count too, and deletes in flight make room', () => {
    const l = new Leader();
    l.run(createReq('/a'));
    l.run(createReq('/a/big', '12345678'));
    l.setQuota('/a', 'byteHardLimit=10');
    assert.ok(l.propose(setDataReq('/a/big', '123456789')).ok);
    refused(l.propose(createReq('/a/two', '12')));
    assert.ok(l.propose(deleteReq('/a/big')).ok);
    assert.ok(l.propose(createReq('/a/ten', '1234567890')).ok);
    l.applyAll();
    assert.equal(l.stats('/a'), 'count=2,bytes=10');
  });

  test('a multi counts its own earlier ops: two creates cannot both take the last place', () => {
    const l = new Leader();
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=2');
    const r = l.prepare({ xid: 1, op: OpCode.multi, ops: [createOp('/a/1'), createOp('/a/2')] });
    refused(r, '/a/2');
    assert.ok(!r.ok && r.results !== undefined);
    assert.deepEqual(!r.ok && r.results?.map((x) => x.err), [ErrorCode.OK, ErrorCode.QUOTAEXCEEDED]);
    const swap: MultiOp[] = [createOp('/a/1'), { op: OpCode.delete, path: '/a/1', version: -1 }, createOp('/a/2')];
    assert.ok(l.prepare({ xid: 1, op: OpCode.multi, ops: swap }).ok, 'a delete earlier in the multi makes room');
  });

  test('a closeSession in flight frees what its ephemerals held', () => {
    const l = new Leader();
    const other = 0x200;
    l.commit({ type: 'createSession', sessionId: other, timeoutMs: 1000, passwd: new Uint8Array(16) });
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=2');
    assert.ok(l.propose(createReq('/a/e', '', CreateMode.EPHEMERAL), other).ok);
    refused(l.propose(createReq('/a/x')));
    assert.ok(l.propose({ op: OpCode.closeSession }, other).ok);
    assert.ok(l.propose(createReq('/a/x')).ok);
    l.applyAll();
    assert.equal(l.stats('/a'), 'count=2,bytes=0');
  });

  test('every quota on the path is checked, nested ones included', () => {
    const l = new Leader();
    l.run(createReq('/h'));
    l.run(createReq('/h/i'));
    l.setQuota('/h', 'countHardLimit=3');
    l.run(createReq('/zookeeper/quota/h/i'));
    l.run(createReq(quotaLimitPath('/h/i'), 'countHardLimit=10'));
    l.run(createReq('/h/i/j'));
    refused(l.prepare(createReq('/h/i/k')), '/h/i/k');
  });

  test('with enforceQuota off a hard limit only warns and counts', () => {
    const l = new Leader(false);
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=1');
    l.run(createReq('/a/1'));
    assert.equal(l.prep.quotaCounters.hardLimitNotEnforced, 1);
    assert.equal(l.prep.quotaCounters.hardLimitRefused, 0);
    assert.ok(l.log.has('quota exceeded: hard limit not enforced (enforceQuota=false)'));
  });

  test('a failed request and a reset leader forget what they held', () => {
    const l = new Leader();
    l.run(createReq('/a'));
    l.setQuota('/a', 'countHardLimit=2');
    refused(l.prepare({ xid: 1, op: OpCode.multi, ops: [createOp('/a/1'), createOp('/a/2')] }));
    assert.ok(l.prepare(createReq('/a/1')).ok, 'the failed multi left nothing behind');
    assert.ok(l.propose(createReq('/a/1')).ok);
    l.prep.reset();
    assert.ok(l.prepare(createReq('/a/other')).ok, 'nothing in flight after a reset');
  });
});

describe('soft limits', () => {
  test('a write past a soft limit goes through, is counted and logged; a failed one is not counted', () => {
    const l = new Leader();
    l.run(createReq('/s'));
    l.setQuota('/s', 'count=2,bytes=4');
    l.run(createReq('/s/1', '1234'));
    assert.equal(l.prep.quotaCounters.softLimitExceeded, 0);
    l.run(createReq('/s/2'));
    assert.equal(l.prep.quotaCounters.softLimitExceeded, 1);
    l.run(setDataReq('/s/1', '12345'));
    assert.equal(l.prep.quotaCounters.softLimitExceeded, 2);
    const line = l.log.lines.find((x) => x.msg === 'quota exceeded: soft limit');
    assert.deepEqual(line?.meta, { quota: '/s', path: '/s/2', what: 'count', value: 3, limit: 2 });
    assert.equal(l.prepare({ xid: 1, op: OpCode.multi, ops: [createOp('/s/3'), createOp('/nope/x')] }).ok, false);
    assert.equal(l.prep.quotaCounters.softLimitExceeded, 2);
  });

  test('a multi of many creates counts each and logs a bounded number of lines', () => {
    const l = new Leader();
    l.run(createReq('/s'));
    l.setQuota('/s', 'count=1');
    const ops = Array.from({ length: 100 }, (_, i) => createOp(`/s/${i}`));
    assert.ok(l.prepare({ xid: 1, op: OpCode.multi, ops }).ok);
    assert.equal(l.prep.quotaCounters.softLimitExceeded, 100);
    assert.equal(l.log.lines.filter((x) => x.msg === 'quota exceeded: soft limit').length, 10, 'ten lines per 10 s window');
    // The next window reports what was left out, on prep's clock (the txn time).
    assert.ok(l.prep.prepare(createReq('/s/later'), S, NOW + 10_000, LOCAL_IDS).ok);
    const note = l.log.lines.find((x) => x.msg === 'quota exceeded: lines suppressed');
    assert.deepEqual(note?.meta, { suppressed: 90, windowMs: 10_000 });
  });
});

describe('writes to /zookeeper/quota', () => {
  test('clients may create, change and delete below /zookeeper/quota, nowhere else in /zookeeper', () => {
    const l = new Leader();
    l.run(createReq('/zookeeper/quota/a'));
    l.run(setDataReq('/zookeeper/quota/a', 'x'));
    l.run(deleteReq('/zookeeper/quota/a'));
    // /zookeeper/config is world:anyone:r: its ACL answers first, NOAUTH, as in ZooKeeper.
    for (const req of [setDataReq('/zookeeper/config', 'x'), createReq('/zookeeper/config/x')]) {
      const r = l.prepare(req);
      assert.equal(!r.ok && r.err, ErrorCode.NOAUTH, JSON.stringify(req));
    }
    for (const req of [createReq('/zookeeper/x'), deleteReq('/zookeeper/quota'), setDataReq('/zookeeper/quota', 'x')]) {
      const r = l.prepare(req);
      assert.equal(!r.ok && r.err, ErrorCode.BADARGUMENTS, JSON.stringify(req));
    }
  });

  test('malformed limits are refused with BADARGUMENTS, alone and inside a multi; nothing is wedged', () => {
    const l = new Leader();
    l.run(createReq('/g'));
    l.run(createReq('/zookeeper/quota/g'));
    for (const bad of ['garbage', 'count=', 'count=abc', 'countHardLimit=1;bytes=', '\u00ff\u0000']) {
      const r = l.prepare(createReq(quotaLimitPath('/g'), bad));
      assert.equal(!r.ok && r.err, ErrorCode.BADARGUMENTS, bad);
    }
    const m = l.prepare({ xid: 1, op: OpCode.multi, ops: [createOp('/g/ok'), createOp(quotaLimitPath('/g'), 'nope')] });
    assert.deepEqual(!m.ok && m.results?.map((x) => x.err), [ErrorCode.OK, ErrorCode.BADARGUMENTS]);
    l.run(createReq(quotaLimitPath('/g'), 'countHardLimit=5'));
    const s = l.prepare(setDataReq(quotaLimitPath('/g'), 'count=1.5'));
    assert.equal(!s.ok && s.err, ErrorCode.BADARGUMENTS);
    l.run(createReq('/g/x'));
    assert.deepEqual(l.tree.quotas.get('/g')?.limits.countHardLimit, 5);
  });
});
