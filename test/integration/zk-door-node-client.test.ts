// node-zookeeper-client (ZooKeeper's wire protocol over TCP) through the ZooKeeper door, beside the SDK on
// the WebSocket door: the basics, a watch and a multi on a standalone server, watches crossing doors
// between sessions, and one session moving between doors on a 3-server ensemble (sessionId + password),
// keeping its ephemerals and taking its new watches to whichever door holds the connection now.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode } from '../../client/index.js';
import type { WatchedEvent } from '../../client/index.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';
import { NzkClient, nzk, nzkCode } from '../support/zk-node-client.js';
import type { NzkEvent } from '../support/zk-node-client.js';
import { zkPortOf } from '../support/zk-door.js';

const WAIT_MS = 30_000;
/** ZooKeeper's event type numbers, as node-zookeeper-client reports them. */
const NODE_DATA_CHANGED = 3;
const NODE_CHILDREN_CHANGED = 4;

function sessionNumber(id: Buffer): number {
  return Number(id.readBigInt64BE(0));
}

function sessionBuffer(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(id));
  return b;
}

describe('node-zookeeper-client through the ZooKeeper door: a standalone server', () => {
  let server: ServerProcess;
  let zk: NzkClient;
  let sdk: Client;
  before(async () => {
    server = await ServerProcess.start({ args: ['--zkClientPort', '0'] });
    zk = await NzkClient.connect(`127.0.0.1:${await zkPortOf(server)}`);
    sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 15_000 });
  });
  after(async () => {
    zk?.close();
    await sdk?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  test('create, getData, setData, exists, getChildren and remove answer as ZooKeeper does', async () => {
    assert.equal(await zk.create('/nzk', 'a'), '/nzk');
    const read = await zk.getData('/nzk');
    assert.equal(read.data, 'a');
    assert.equal(read.stat.version, 0);
    assert.equal((await zk.setData('/nzk', 'b', 0)).version, 1);
    await assert.rejects(zk.setData('/nzk', 'c', 0), (e: unknown) => nzkCode(e) === nzk.Exception.BAD_VERSION);
    const seq = await zk.create('/nzk/s-', '', nzk.CreateMode.PERSISTENT_SEQUENTIAL);
    assert.match(seq, /^\/nzk\/s-\d{10}$/);
    assert.deepEqual(await zk.getChildren('/nzk'), [seq.slice('/nzk/'.length)]);
    assert.equal((await zk.exists('/nzk'))?.numChildren, 1);
    await zk.remove(seq);
    await zk.remove('/nzk', 1);
    assert.equal(await zk.exists('/nzk'), null);
    await assert.rejects(zk.getData('/nzk'), (e: unknown) => nzkCode(e) === nzk.Exception.NO_NODE);
    // What it wrote through one door is the tree the other door reads.
    await zk.create('/shared-tree', 'from-tcp');
    assert.equal(new TextDecoder().decode((await sdk.getData('/shared-tree')).data), 'from-tcp');
  });

  test('watches fire across doors: a TCP watcher sees a WebSocket write, and the other way round', async () => {
    await sdk.create('/w', 'v0');
    const tcpEvents: NzkEvent[] = [];
    await zk.getData('/w', (e) => tcpEvents.push(e));
    await zk.getChildren('/w', (e) => tcpEvents.push(e));
    await sdk.setData('/w', 'v1');
    await sdk.create('/w/child', '');
    await until(() => tcpEvents.length >= 2, { timeoutMs: WAIT_MS, message: 'node-zookeeper-client got both events' });
    assert.deepEqual(tcpEvents.map((e) => [e.getType(), e.getPath()]).sort(), [[NODE_DATA_CHANGED, '/w'], [NODE_CHILDREN_CHANGED, '/w']]);
    const wsEvents: WatchedEvent[] = [];
    await sdk.getData('/w', { watch: (e) => wsEvents.push(e) });
    await zk.setData('/w', 'v2');
    await until(() => wsEvents.length === 1, { timeoutMs: WAIT_MS, message: 'the SDK got the event of a TCP write' });
    assert.equal(wsEvents[0]!.path, '/w');
  });

  test('a multi commits whole, and a failing one changes nothing and names the failing op', async () => {
    await zk.create('/m', '');
    const ok = await zk.commit((t) => t.create('/m/a', Buffer.from('x'), nzk.ACL.OPEN_ACL_UNSAFE, nzk.CreateMode.PERSISTENT).setData('/m', Buffer.from('y'), 0).check('/m', 1));
    assert.equal(ok.error, null);
    assert.deepEqual(ok.results.map((r) => r.type), [1, 5, 13]);
    assert.equal((await zk.getData('/m')).data, 'y');
    const failed = await zk.commit((t) => t.create('/m/b', Buffer.from(''), nzk.ACL.OPEN_ACL_UNSAFE, nzk.CreateMode.PERSISTENT).check('/m', 7));
    assert.equal(nzkCode(failed.error), nzk.Exception.BAD_VERSION);
    assert.equal(await zk.exists('/m/b'), null);
    assert.deepEqual(await zk.getChildren('/m'), ['a']);
  });
});

describe('one session, either door: a 3-server ensemble', () => {
  let ensemble: Ensemble;
  const zkPorts: number[] = [];
  const proxies: TcpProxy[] = [];
  let writer: Client;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, args: ['--zkClientPort', '0'] });
    for (const s of ensemble.servers) zkPorts.push(await zkPortOf(s.process!));
    writer = await Client.connect(ensemble.connectString, { sessionTimeoutMs: 15_000 });
  });
  after(async () => {
    await writer?.close().catch(() => {});
    for (const p of proxies) await p.close();
    await ensemble?.stopAll();
    await ensemble?.removeAll();
  });

  test('a session made through the WebSocket door resumes through the ZooKeeper door of another member', async () => {
    const proxy = await TcpProxy.start(ensemble.server(1).clientPort);
    proxies.push(proxy);
    const first = await Client.connect(proxy.connectString, { sessionTimeoutMs: 15_000 });
    const eph = await first.create('/ws-made', '', { mode: CreateMode.EPHEMERAL });
    await writer.create('/ws-watched', 'v0');
    proxy.refuse(true);
    proxy.dropAll();
    const moved = await NzkClient.connect(`127.0.0.1:${zkPorts[1]}`, { id: sessionBuffer(first.sessionId), password: Buffer.from(first.sessionPasswd) });
    try {
      assert.equal(sessionNumber(moved.sessionId), first.sessionId);
      assert.equal(sessionNumber((await moved.exists(eph))!.ephemeralOwner), first.sessionId);
      const events: NzkEvent[] = [];
      await moved.getData('/ws-watched', (e) => events.push(e));
      await writer.setData('/ws-watched', 'v1');
      await until(() => events.length === 1, { timeoutMs: WAIT_MS, message: 'the watch set through the ZooKeeper door fired' });
      assert.deepEqual([events[0]!.getType(), events[0]!.getPath()], [NODE_DATA_CHANGED, '/ws-watched']);
    } finally {
      moved.close();
      await first.close().catch(() => {});
    }
    // Closing the session through the ZooKeeper door ends it: its ephemeral goes.
    await until(async () => (await writer.exists(eph)) === null, { timeoutMs: WAIT_MS, message: 'the ephemeral went with its session' });
  });

  test('a session made through the ZooKeeper door resumes through the WebSocket door of another member', async () => {
    const proxy = await TcpProxy.start(zkPorts[0]!);
    proxies.push(proxy);
    const first = await NzkClient.connect(proxy.connectString);
    const eph = await first.create('/tcp-made', '', nzk.CreateMode.EPHEMERAL);
    await writer.create('/tcp-watched', 'v0');
    const id = sessionNumber(first.sessionId);
    proxy.refuse(true);
    proxy.dropAll();
    first.close();
    const moved = await Client.connect(`127.0.0.1:${ensemble.server(3).clientPort}`, { sessionTimeoutMs: 15_000, sessionId: id, sessionPasswd: new Uint8Array(first.sessionPassword) });
    try {
      assert.equal(moved.sessionId, id);
      assert.equal((await moved.exists(eph))?.ephemeralOwner, id);
      const events: WatchedEvent[] = [];
      await moved.getData('/tcp-watched', { watch: (e) => events.push(e) });
      const tcpWriter = await NzkClient.connect(`127.0.0.1:${zkPorts[1]}`);
      try {
        await tcpWriter.setData('/tcp-watched', 'v1');
      } finally {
        tcpWriter.close();
      }
      await until(() => events.length === 1, { timeoutMs: WAIT_MS, message: 'the watch set through the WebSocket door fired' });
      assert.equal(events[0]!.path, '/tcp-watched');
    } finally {
      await moved.close();
    }
    await until(async () => (await writer.exists(eph)) === null, { timeoutMs: WAIT_MS, message: 'the ephemeral went with its session' });
  });
});
