// Every operation through the SDK against the real server process over a real socket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode, ErrorCode, EventType, KeeperError, Op, AddWatchMode, WatcherType, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE } from '../../client/index.js';
import type { WatchedEvent } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

async function rejectsWith(p: Promise<unknown>, code: number): Promise<KeeperError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KeeperError, `expected KeeperError, got ${String(e)}`);
    assert.equal(e.code, code, `expected code ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  assert.fail(`expected rejection with code ${code}`);
}

describe('operations against a real server', () => {
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    server = await ServerProcess.start();
    client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('create, getData, setData, exists, delete with Stat semantics', async () => {
    assert.equal(await client.create('/app', 'v1'), '/app');
    const { data, stat } = await client.getData('/app');
    assert.equal(text(data), 'v1');
    assert.equal(stat.version, 0);
    assert.equal(stat.dataLength, 2);
    assert.equal(stat.czxid, stat.mzxid);
    assert.equal(stat.ephemeralOwner, 0);
    const stat2 = await client.setData('/app', 'v2', stat.version);
    assert.equal(stat2.version, 1);
    assert.ok(stat2.mzxid > stat.mzxid);
    assert.equal(stat2.czxid, stat.czxid);
    await rejectsWith(client.setData('/app', 'v3', 0), ErrorCode.BADVERSION);
    await rejectsWith(client.create('/app', 'again'), ErrorCode.NODEEXISTS);
    await rejectsWith(client.create('/missing/child', ''), ErrorCode.NONODE);
    assert.equal(await client.exists('/app/x'), null);
    assert.equal((await client.exists('/app'))?.version, 1);
    await client.create('/app/child', new Uint8Array([1, 2, 3]));
    await rejectsWith(client.delete('/app', -1), ErrorCode.NOTEMPTY);
    await rejectsWith(client.delete('/app/child', 5), ErrorCode.BADVERSION);
    await client.delete('/app/child', 0);
    await rejectsWith(client.getData('/app/child'), ErrorCode.NONODE);
    const e = await rejectsWith(client.delete('/app/child'), ErrorCode.NONODE);
    assert.equal(e.path, '/app/child');
  });

  test('sequential, ephemeral, container and TTL creates', async () => {
    await client.create('/seq', '');
    await client.create('/seq/a', '');
    await client.delete('/seq/a');
    assert.equal(await client.create('/seq/s-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL }), '/seq/s-0000000001');
    assert.equal((await client.exists('/seq'))?.cversion, 3);
    const eph = await client.create('/seq/e-', 'x', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    assert.equal(eph, '/seq/e-0000000002');
    assert.equal((await client.exists(eph))?.ephemeralOwner, client.sessionId);
    await rejectsWith(client.create(`${eph}/child`, ''), ErrorCode.NOCHILDRENFOREPHEMERALS);
    assert.deepEqual(await client.getEphemerals('/seq'), [eph]);
    assert.equal(await client.create('/seq/', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL }), '/seq/0000000003');
    await client.create('/container', '', { mode: CreateMode.CONTAINER });
    assert.equal((await client.exists('/container'))?.ephemeralOwner, 0);
    await client.create('/ttl', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 60_000 });
    assert.equal((await client.exists('/ttl'))?.ephemeralOwner, 0);
    assert.equal(await client.getAllChildrenNumber('/seq'), 3);
  });

  test('getChildren with stat, ACLs stored and versioned', async () => {
    await client.create('/kids', '');
    for (const name of ['a', 'b', 'c']) await client.create(`/kids/${name}`, '');
    const { children, stat } = await client.getChildren('/kids');
    assert.deepEqual([...children].sort(), ['a', 'b', 'c']);
    assert.equal(stat.numChildren, 3);
    const acl = await client.getACL('/kids');
    assert.deepEqual(acl.acl, [...OPEN_ACL_UNSAFE]);
    assert.equal(acl.stat.aversion, 0);
    const readAdmin = [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } }];
    const s = await client.setACL('/kids', readAdmin, 0);
    assert.equal(s.aversion, 1);
    await rejectsWith(client.setACL('/kids', [...OPEN_ACL_UNSAFE], 0), ErrorCode.BADVERSION);
    assert.deepEqual((await client.getACL('/kids')).acl, readAdmin);
    await client.setACL('/kids', [...READ_ACL_UNSAFE], 1);
    await rejectsWith(client.setACL('/kids', [...OPEN_ACL_UNSAFE], 2), ErrorCode.NOAUTH); // ADMIN is checked before the version
    assert.deepEqual((await client.getACL('/kids')).acl, [...READ_ACL_UNSAFE]);
  });

  test('multi is all-or-nothing with per-op results; multiRead; transaction builder', async () => {
    await client.create('/m', 'v0');
    const results = await client.multi([Op.check('/m', 0), Op.create('/m/b', ''), Op.setData('/m', 'v1', 0)]);
    assert.equal(results.length, 3);
    assert.ok(results.every((r) => r.err === ErrorCode.OK));
    const failure = await rejectsWith(client.multi([Op.create('/m/c', ''), Op.check('/m', 0), Op.delete('/m/b')]), ErrorCode.BADVERSION);
    assert.deepEqual(failure.results?.map((r) => r.err), [ErrorCode.OK, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY]);
    assert.equal(await client.exists('/m/c'), null, 'a failed multi changes nothing');
    const tx = await client.transaction().create('/m/t', 'x').setData('/m', 'v2', 1).delete('/m/b').commit();
    assert.equal(tx.length, 3);
    const reads = await client.multiRead([{ op: 4, path: '/m' }, { op: 12, path: '/m' }, { op: 4, path: '/nope' }] as never);
    assert.equal(text(reads[0]!.data!), 'v2');
    assert.deepEqual(reads[1]!.children, ['t']);
    assert.equal(reads[2]!.err, ErrorCode.NONODE);
  });

  test('one-shot watches fire once, before the response reflecting the change', async () => {
    await client.create('/w', 'a');
    const other = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    try {
      const events: WatchedEvent[] = [];
      await client.getData('/w', { watch: (e) => events.push(e) });
      await client.getChildren('/w', { watch: (e) => events.push(e) });
      await client.exists('/w/new', { watch: (e) => events.push(e) });
      await other.setData('/w', 'b');
      await other.create('/w/new', '');
      await other.setData('/w', 'c');
      // The sync on our session is answered after every event for earlier changes.
      await client.sync('/w');
      assert.deepEqual(events.map((e) => [e.type, e.path]), [
        [EventType.NodeDataChanged, '/w'],
        [EventType.NodeCreated, '/w/new'],
        [EventType.NodeChildrenChanged, '/w'],
      ]);
    } finally {
      await other.close();
    }
  });

  test('persistent and recursive watches, removeWatches', async () => {
    await client.create('/p', '');
    const persistent: WatchedEvent[] = [];
    const recursive: WatchedEvent[] = [];
    const onPersistent = (e: WatchedEvent): void => void persistent.push(e);
    await client.addWatch('/p', onPersistent, AddWatchMode.PERSISTENT);
    await client.addWatch('/p', (e) => recursive.push(e), AddWatchMode.PERSISTENT_RECURSIVE);
    await client.create('/p/a', '');
    await client.create('/p/a/b', '');
    await client.setData('/p', 'x');
    await client.setData('/p', 'y');
    await until(() => persistent.length >= 3 && recursive.length >= 4, { message: 'persistent events' });
    assert.deepEqual(persistent.map((e) => [e.type, e.path]), [
      [EventType.NodeChildrenChanged, '/p'],
      [EventType.NodeDataChanged, '/p'],
      [EventType.NodeDataChanged, '/p'],
    ]);
    assert.deepEqual(recursive.map((e) => [e.type, e.path]), [
      [EventType.NodeCreated, '/p/a'],
      [EventType.NodeCreated, '/p/a/b'],
      [EventType.NodeDataChanged, '/p'],
      [EventType.NodeDataChanged, '/p'],
    ]);
    await client.removeWatches('/p', onPersistent, WatcherType.Persistent);
    await client.setData('/p', 'z');
    await until(() => recursive.length >= 5, { message: 'recursive event after removal' });
    // The removed watcher hears its removal (as in ZooKeeper), and nothing after it.
    assert.deepEqual(persistent.slice(3).map((e) => [e.type, e.path]), [[EventType.PersistentWatchRemoved, '/p']]);
    await rejectsWith(client.removeWatches('/p', null, WatcherType.Data), ErrorCode.NOWATCHER);
  });

  test('/zookeeper is reserved; sync on a missing path succeeds', async () => {
    assert.notEqual(await client.exists('/zookeeper'), null);
    await rejectsWith(client.create('/zookeeper/x', ''), ErrorCode.BADARGUMENTS);
    await rejectsWith(client.delete('/zookeeper'), ErrorCode.BADARGUMENTS);
    await client.sync('/does/not/exist');
  });
});
