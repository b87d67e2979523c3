// The whole-replica simulator in CI, 3 servers (test/sim/replica-5.test.ts runs the 5-server seeds in
// parallel): N production Replicas with simulated disks, network, clock and clients keep every safety
// invariant and client-visible guarantee through every fault kind, and converge with every client served
// after the faults heal. A seed replays exactly; the disk model's faults behave as real storage's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Txn } from '../../protocol/index.js';
import { SimDisk } from './disk.js';
import { seedsTest } from './replica/ci.js';
import type { FaultKind } from './replica/config.js';
import { runReplicaSeed } from './replica/simulate.js';

describe('whole-replica simulator: 3 servers', () => {
  seedsTest(3, 1, 1250);

  test('a seed replays exactly', () => {
    const a = runReplicaSeed(42, 3, { traceEvents: 5000 }, true);
    const b = runReplicaSeed(42, 3, { traceEvents: 5000 }, true);
    assert.deepEqual(a, b);
    assert.ok(a.ok && a.stats.commits > 0 && a.stats.registerOps > 0);
  });
});

describe('whole-replica simulator: the disk model', () => {
  const txn = (zxid: number): Txn => ({ zxid, time: 1, sessionId: 0, xid: zxid, body: { type: 'delete', path: '/x' } });

  test('a crash tears the first record it loses, and recovery drops it', () => {
    const d = new SimDisk();
    d.write({ type: 'append', seq: 1, txns: [txn(1)] });
    d.startSync(0, 1);
    assert.equal(d.completeDue(1), 1);
    d.write({ type: 'append', seq: 2, txns: [txn(2), txn(3)] });
    d.crash(0, true);
    assert.ok(d.durable.torn !== undefined);
    assert.deepEqual(d.recover().recovered.txns.map((t) => t.zxid), [1]);
    assert.equal(d.tornDropped, 1);
    assert.equal(d.durable.torn, undefined);
  });

  test('a failed disk makes nothing more durable until the crash', () => {
    const d = new SimDisk();
    d.write({ type: 'append', seq: 1, txns: [txn(1)] });
    d.startSync(0, 1);
    d.fail();
    assert.equal(d.syncDue(5), false);
    assert.equal(d.completeDue(5), undefined);
    d.crash(1);
    assert.equal(d.failed, false);
    assert.deepEqual(d.recover().recovered.txns.map((t) => t.zxid), [1]);
  });

  test('a background snapshot is lost in a crash, and a leader snapshot installed meanwhile supersedes it', () => {
    const d = new SimDisk();
    assert.ok(d.beginLocalSnapshot({ zxid: 4, nodes: [], sessions: [] }, 10));
    d.crash();
    assert.equal(d.completeLocalSnapshotDue(20), false);
    assert.equal(d.durable.snapshot, undefined);
    assert.ok(d.beginLocalSnapshot({ zxid: 4, nodes: [], sessions: [] }, 10));
    d.write({ type: 'installSnapshot', seq: 1, zxid: 9, snapshot: { zxid: 9, nodes: [], sessions: [] } });
    d.startSync(0, 1);
    d.completeDue(1);
    assert.equal(d.completeLocalSnapshotDue(10), false);
    assert.equal(d.lastDurableZxid(), 9);
  });
});

describe('whole-replica simulator: seeds that found bugs', () => {
  // Each seed failed with its fix reverted: FIFO broken by answers ordered after a zxid running only after
  // the whole commit batch (691/5, 1214/5); a live session told it expired by a server that had not applied
  // its creation (88/5); a session id handed out again after a quick restart (926/3); FIFO broken by a read
  // held on a congested link (108/3, 200/3 with client faults at intensity 3); an event lost when a link
  // broke between the frames of one txn's events, the SDK re-arming from the event's zxid (45/3, the same);
  // a simulator bug, a connection opened while its server was down outliving the server's next crash (203128/3);
  // a client told its session expired by a server where its closeSession was still in flight (222229/3).
  const cases: ReadonlyArray<{ seed: number; servers: number; kinds?: FaultKind[]; intensity?: number }> = [
    { seed: 691, servers: 5 }, { seed: 1214, servers: 5 }, { seed: 88, servers: 5 }, { seed: 926, servers: 3 },
    { seed: 108, servers: 3, kinds: ['clients'], intensity: 3 }, { seed: 200, servers: 3, kinds: ['clients'], intensity: 3 },
    { seed: 45, servers: 3, kinds: ['clients'], intensity: 3 }, { seed: 203128, servers: 3 }, { seed: 222229, servers: 3 },
  ];
  for (const c of cases) {
    test(`seed ${c.seed} with ${c.servers} servers${c.kinds === undefined ? '' : ` (faults ${c.kinds.join(',')} at intensity ${c.intensity})`}`, () => {
      const r = runReplicaSeed(c.seed, c.servers, c.kinds === undefined ? {} : { kinds: c.kinds, intensity: c.intensity });
      assert.ok(r.ok, r.failure === undefined ? '' : `[${r.failure.kind}] ${r.failure.message}`);
    });
  }
});
