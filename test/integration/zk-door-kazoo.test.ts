// Kazoo, ZooKeeper's Python client, through the ZooKeeper door unchanged: create/get/set/delete, data and
// child watches, a transaction that commits and one that fails whole, and the lock recipe with two
// sessions, against a standalone server and against a 3-server ensemble (Kazoo picks any member).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { kazooAvailable, runKazoo, zkHostsOf, zkPortOf } from '../support/zk-door.js';

const availability = await kazooAvailable();
const skip = availability.ok ? false : `Kazoo is not available: ${availability.reason}`;

/** What every run of the scenario must have seen, on any server layout. */
function assertScenario(out: Record<string, unknown>, root: string): void {
  assert.equal(out.created, `${root}/a`);
  assert.deepEqual(out.get1, { data: 'v1', stat: { version: 0, cversion: 0, numChildren: 0, ephemeralOwner: 0, dataLength: 2, czxid_positive: true, mzxid_ge_czxid: true } });
  assert.equal((out.set as { version: number }).version, 1);
  assert.deepEqual(out.get2, { data: 'v2', version: 1 });
  assert.match(String(out.sequential), /^s-\d{10}$/);
  assert.equal(out.ephemeralOwnerIsSession, true);
  assert.equal(out.dataWatchFired, true);
  assert.equal(out.childWatchFired, true);
  const types = out.expectedTypes as { data: string; child: string };
  assert.deepEqual(out.dataEvent, { type: types.data, path: `${root}/a` });
  assert.deepEqual(out.childEvent, { type: types.child, path: root });
  assert.deepEqual(out.txnOk, [`${root}/t1`, 'stat', true, true]);
  assert.deepEqual(out.txnFailedKinds, [true, true], `failed transaction results: ${JSON.stringify(out.txnFailed)}`);
  assert.equal(out.t2Exists, false);
  assert.equal(out.firstAcquired, true);
  assert.equal(out.secondWhileHeld, false);
  assert.deepEqual(out.contenders, ['first']);
  assert.equal(out.secondAfterRelease, true);
  assert.equal(out.deletedExists, false);
  const children = out.children as string[];
  assert.deepEqual(children.filter((c) => !c.startsWith('s-')), ['e', 'lock', 't1']);
}

describe('Kazoo through the ZooKeeper door: a standalone server', { skip }, () => {
  let server: ServerProcess;
  let zkPort: number;
  before(async () => {
    server = await ServerProcess.start({ args: ['--zkClientPort', '0'] });
    zkPort = await zkPortOf(server);
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('create/get/set/delete, watches, a transaction and the lock recipe behave as on ZooKeeper', async () => {
    const out = await runKazoo('zk_door_kazoo.py', { hosts: `127.0.0.1:${zkPort}`, root: '/kazoo' });
    assertScenario(out, '/kazoo');
  });
});

describe('Kazoo through the ZooKeeper door: a 3-server ensemble', { skip }, () => {
  let ensemble: Ensemble;
  let hosts: string;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, args: ['--zkClientPort', '0'] });
    hosts = await zkHostsOf(ensemble);
  });
  after(async () => {
    await ensemble?.stopAll();
    await ensemble?.removeAll();
  });

  test('the same scenario with sessions on any member: writes forwarded, watches and the lock across members', async () => {
    const out = await runKazoo('zk_door_kazoo.py', { hosts, root: '/kazoo-ensemble' });
    assertScenario(out, '/kazoo-ensemble');
  });
});
