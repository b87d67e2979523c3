// Quotas through whole replicas (three, wired by an in-memory queue): a follower's client pipelines creates
// past a hard limit and gets QUOTAEXCEEDED from the leader's prep for exactly the ones with no room; every
// replica keeps the same stats; the leader's diagnostics carry the counters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, ErrorCode, OpCode, quotaLimitPath, quotaStatPath } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { TestEnsemble } from '../support/replica-harness.js';
import type { TestClient, TestReplica } from '../support/replica-harness.js';

const bytes = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(new TextEncoder().encode(s));

function connect(e: TestEnsemble, r: TestReplica): TestClient {
  const c = r.client();
  c.connect();
  e.settle();
  assert.equal(c.connectResponse?.err, ErrorCode.OK);
  return c;
}

function quotaOf(r: TestReplica): { softLimitExceeded: number; hardLimitRefused: number; hardLimitNotEnforced: number } {
  return (r.replica.diagnostics() as { quota: { softLimitExceeded: number; hardLimitRefused: number; hardLimitNotEnforced: number } }).quota;
}

describe('replica: quotas', () => {
  test('pipelined creates from a follower: the ones past the hard limit are refused, the stats agree everywhere', () => {
    const e = new TestEnsemble([1, 2, 3]);
    const leader = e.elect();
    const follower = e.all.find((r) => r !== leader)!;
    const c = connect(e, follower);
    const setup = [c.create('/q', CreateMode.PERSISTENT, bytes('')), c.create('/zookeeper/quota/q'), c.create(quotaLimitPath('/q'), CreateMode.PERSISTENT, bytes('count=2;countHardLimit=4'))];
    setup.push(c.create(quotaStatPath('/q'), CreateMode.PERSISTENT, bytes('count=0,bytes=0')));
    e.settle();
    for (const xid of setup) assert.equal(c.answer(xid)?.err, ErrorCode.OK);
    // All five reach the leader before any is applied: in-flight creates count.
    const xids = ['a', 'b', 'c', 'd', 'e'].map((n) => c.create(`/q/${n}`, CreateMode.PERSISTENT, new Uint8Array(0)));
    e.settle();
    assert.deepEqual(xids.map((x) => c.answer(x)?.err), [ErrorCode.OK, ErrorCode.OK, ErrorCode.OK, ErrorCode.QUOTAEXCEEDED, ErrorCode.QUOTAEXCEEDED]);
    for (const r of e.all) {
      assert.equal(new TextDecoder().decode(r.replica.tree.getNode(quotaStatPath('/q'))!.data), 'count=4,bytes=0', `server ${r.id}`);
      assert.equal(r.replica.tree.digest(), leader.replica.tree.digest());
    }
    assert.deepEqual(quotaOf(leader), { softLimitExceeded: 2, hardLimitRefused: 2, hardLimitNotEnforced: 0 });
    assert.ok(leader.log.has('quota exceeded: soft limit'));
    const del = c.request({ op: OpCode.delete, path: '/q/a', version: -1 } as Omit<Request, 'xid'>);
    const again = c.create('/q/d', CreateMode.PERSISTENT, new Uint8Array(0));
    e.settle();
    assert.equal(c.answer(del)?.err, ErrorCode.OK);
    assert.equal(c.answer(again)?.err, ErrorCode.OK, 'the delete ahead of it in flight made room');
  });
});
