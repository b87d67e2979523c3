// Sessions and watches across connections: ephemerals seen by others, expiry, resumption, and
// watch re-registration after a forced disconnect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode, ErrorCode, EventType, KeeperError } from '../../client/index.js';
import type { WatchedEvent } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

describe('sessions and watches across clients', () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const proxies: TcpProxy[] = [];

  const connect = async (cs: string, sessionTimeoutMs = 10_000, extra: object = {}): Promise<Client> => {
    const c = await Client.connect(cs, { sessionTimeoutMs, ...extra });
    clients.push(c);
    return c;
  };
  const proxy = async (): Promise<TcpProxy> => {
    const p = await TcpProxy.start(server.port);
    proxies.push(p);
    return p;
  };

  before(async () => {
    server = await ServerProcess.start({ tickTime: 200 });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const p of proxies) await p.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test("two sessions see each other's ephemerals and watches", async () => {
    const a = await connect(server.connectString);
    const b = await connect(server.connectString);
    await a.create('/shared', '');
    const childEvents: WatchedEvent[] = [];
    await b.getChildren('/shared', { watch: (e) => childEvents.push(e) });
    const path = await a.create('/shared/member-', 'a', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    await until(() => childEvents.length === 1, { message: 'child watch on b' });
    assert.equal(childEvents[0]!.type, EventType.NodeChildrenChanged);
    const stat = await b.exists(path);
    assert.equal(stat?.ephemeralOwner, a.sessionId);
    const deleted: WatchedEvent[] = [];
    await b.exists(path, { watch: (e) => deleted.push(e) });
    await a.close();
    // close() resolves only once the ephemeral is gone and watchers were told.
    assert.equal(await b.exists(path), null);
    await until(() => deleted.length === 1, { message: 'NodeDeleted on b' });
    assert.equal(deleted[0]!.type, EventType.NodeDeleted);
  });

  test('an expired session loses its ephemerals and its watchers hear it', async () => {
    const p = await proxy();
    const doomed = await connect(p.connectString, 1_000);
    const states: string[] = [];
    doomed.on('state', (s) => states.push(s));
    const watcher = await connect(server.connectString);
    const eph = await doomed.create('/doomed', '', { mode: CreateMode.EPHEMERAL });
    const events: WatchedEvent[] = [];
    await watcher.exists(eph, { watch: (e) => events.push(e) });
    p.refuse(true);
    p.dropAll();
    await until(() => events.length === 1, { timeoutMs: 30_000, message: 'NodeDeleted after expiry' });
    assert.equal(events[0]!.type, EventType.NodeDeleted);
    assert.equal(await watcher.exists(eph), null);
    p.refuse(false);
    await until(() => states.includes('expired'), { timeoutMs: 30_000, message: 'client told its session expired' });
    await assert.rejects(doomed.exists('/'), (e: unknown) => e instanceof KeeperError && e.code === ErrorCode.SESSIONEXPIRED);
  });

  test('a session resumes on a new connection with its ephemerals', async () => {
    const p = await proxy();
    const first = await connect(p.connectString, 10_000);
    const eph = await first.create('/resume-me', 'x', { mode: CreateMode.EPHEMERAL });
    // Automatic reconnect after the link drops keeps the session.
    const id = first.sessionId;
    p.dropAll();
    await until(async () => (await first.exists(eph).catch(() => undefined)) ?? undefined, { message: 'reconnected client sees its ephemeral' });
    assert.equal(first.sessionId, id);
    // A different client presenting id + password takes the session over.
    p.refuse(true);
    p.dropAll();
    const second = await connect(server.connectString, 10_000, { sessionId: first.sessionId, sessionPasswd: first.sessionPasswd });
    assert.equal(second.sessionId, id);
    assert.deepEqual(await second.getEphemerals('/'), [eph]);
    assert.equal((await second.exists(eph))?.ephemeralOwner, id);
    // A wrong password is refused as an expired session.
    await assert.rejects(
      Client.connect(server.connectString, { sessionTimeoutMs: 10_000, sessionId: id, sessionPasswd: new Uint8Array(16), connectTimeoutMs: 5_000 }),
      (e: unknown) => e instanceof KeeperError && e.code === ErrorCode.SESSIONEXPIRED,
    );
    await second.close();
    const observer = await connect(server.connectString);
    assert.equal(await observer.exists(eph), null);
  });

  test('watches are re-registered after a forced disconnect and changes made meanwhile fire', async () => {
    const p = await proxy();
    const watched = await connect(p.connectString, 10_000);
    const writer = await connect(server.connectString);
    await writer.create('/rw', 'v0');
    await writer.create('/rw/gone', '');
    const events: WatchedEvent[] = [];
    await watched.getData('/rw', { watch: (e) => events.push(e) });
    await watched.getChildren('/rw', { watch: (e) => events.push(e) });
    await watched.exists('/rw/later', { watch: (e) => events.push(e) });
    await watched.getData('/rw/gone', { watch: (e) => events.push(e) });
    const disconnected = new Promise<void>((resolve) => watched.on('state', (s) => s === 'disconnected' && resolve()));
    p.refuse(true);
    p.dropAll();
    await disconnected;
    await writer.setData('/rw', 'v1');
    await writer.create('/rw/later', '');
    await writer.delete('/rw/gone');
    assert.equal(events.length, 0, 'nothing delivered while disconnected');
    p.refuse(false);
    await until(() => events.length >= 4, { timeoutMs: 30_000, message: 'missed events after reconnect' });
    const seen = events.map((e) => `${e.type} ${e.path}`).sort();
    assert.deepEqual(seen, [
      `${EventType.NodeCreated} /rw/later`,
      `${EventType.NodeDataChanged} /rw`,
      `${EventType.NodeDeleted} /rw/gone`,
      `${EventType.NodeChildrenChanged} /rw`,
    ].sort());
  });
});
