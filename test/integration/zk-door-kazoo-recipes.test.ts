// Kazoo's own recipes (election, Queue and LockingQueue, Counter, Party, Barrier and DoubleBarrier), each
// with three sessions, through the ZooKeeper door of a 3-server Canopy ensemble, and the same script
// against Apache ZooKeeper: both must report the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ensemble } from '../support/ensemble.js';
import { ZooKeeperServer, ensureZooKeeper } from '../support/zookeeper-server.js';
import { kazooAvailable, runKazoo, zkHostsOf } from '../support/zk-door.js';

const availability = await kazooAvailable();
const skip = availability.ok ? false : `Kazoo is not available: ${availability.reason}`;

/** What a correct server makes the recipes report. */
const EXPECTED = {
  electionLeaders: 3, electionAllLed: true, electionFirst: 0,
  queueLen: 4, queueOrder: ['urgent', 'a', 'b', 'c'], lockingFirst: 'x', lockingConsumed: true, lockingLeft: 1,
  counter: 30,
  partyMembers: ['member0', 'member1', 'member2'], partyLen: 3, partyAfterLeave: ['member0', 'member2'],
  barrierReleased: true, doubleBarrierEntered: [0, 1, 2],
};

describe('Kazoo\'s recipes through the ZooKeeper door of a 3-server ensemble, and against Apache ZooKeeper', { skip }, () => {
  let ensemble: Ensemble;
  let hosts: string;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, args: ['--zkClientPort', '0'] });
    hosts = await zkHostsOf(ensemble);
  });
  after(async () => {
    await ensemble?.removeAll();
  });

  test('election, queues, counter, party and barriers do what they do on ZooKeeper', async (t) => {
    const canopy = await runKazoo('zk_door_kazoo_recipes.py', { hosts, root: '/recipes' });
    assert.deepEqual(canopy, EXPECTED);
    const installed = await ensureZooKeeper();
    if (!installed.ok) {
      t.diagnostic(`Apache ZooKeeper is not available (${installed.reason}): compared with the expected results only`);
      return;
    }
    const zookeeper = await ZooKeeperServer.start();
    try {
      assert.deepEqual(await runKazoo('zk_door_kazoo_recipes.py', { hosts: zookeeper.connectString, root: '/recipes' }), canopy);
    } finally {
      await zookeeper.stop();
    }
  });
});
