// A real 3-server ensemble on loopback under an SDK write load: kill -9 the leader, a new leader takes
// over, and every acknowledged write is on every server afterwards. A client whose server dies keeps
// its session, ephemerals and watches on another.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode, KeeperError } from '../../client/index.js';
import type { WatchedEvent } from '../../protocol/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { Ensemble } from '../support/ensemble.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const WAIT_MS = 60_000;

/** Connects to one server only, syncs with the leader, and lists a parent's children. */
async function childrenOn(clientPort: number, path: string): Promise<Set<string>> {
  const client = await Client.connect(`127.0.0.1:${clientPort}`, { sessionTimeoutMs: 10_000, connectTimeoutMs: 20_000 });
  try {
    await client.sync(path);
    return new Set((await client.getChildren(path)).children);
  } finally {
    await client.close().catch(() => {});
  }
}

describe('ensemble failover', () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble?.stopAll();
    await ensemble?.removeAll();
  });

  test('kill -9 of the leader under load: a new leader serves writes and no acknowledged write is lost', async () => {
    ensemble = await Ensemble.start({ size: 3 });
    const e = ensemble;
    const oldLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    const setup = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(setup);
    await setup.create('/load', '');

    const acked: string[] = [];
    const failedUnknown: string[] = [];
    let killedAt = 0;
    let firstAckAfterKill = 0;
    let stop = false;
    const workers = 4;
    const loads: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      const client = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
      clients.push(client);
      loads.push((async () => {
        for (let i = 0; !stop; i++) {
          const path = `/load/w${w}-${i}`;
          try {
            await client.create(path, `v${i}`);
            acked.push(path);
            if (killedAt > 0 && firstAckAfterKill === 0) firstAckAfterKill = Date.now();
          } catch (err) {
            if (!(err instanceof KeeperError)) throw err;
            failedUnknown.push(path);
          }
        }
      })());
    }
    await until(() => acked.length >= 300, { timeoutMs: WAIT_MS, message: '300 writes before the kill' });
    const ackedBeforeKill = acked.length;
    killedAt = Date.now();
    await e.kill(oldLeader);
    const newLeader = await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [oldLeader] });
    assert.notEqual(newLeader, oldLeader);
    await until(() => acked.length >= ackedBeforeKill + 300, { timeoutMs: WAIT_MS, message: '300 writes after the kill' });
    stop = true;
    await Promise.all(loads);
    process.stderr.write(`# failover: kill -9 → first acknowledged write ${firstAckAfterKill - killedAt} ms\n`);

    await e.restart(oldLeader);
    for (const s of e.servers) {
      const present = await childrenOn(s.clientPort, '/load');
      const missing = acked.filter((p) => !present.has(p.slice('/load/'.length)));
      assert.deepEqual(missing, [], `server ${s.id} lacks acknowledged writes`);
      // Writes whose outcome was unknown may be there or not; nothing else may.
      const known = new Set([...acked, ...failedUnknown].map((p) => p.slice('/load/'.length)));
      for (const child of present) assert.ok(known.has(child), `server ${s.id} holds a write nobody made: ${child}`);
    }
    const sizes = await Promise.all(e.servers.map((s) => childrenOn(s.clientPort, '/load').then((c) => c.size)));
    assert.equal(new Set(sizes).size, 1, `servers disagree on /load: ${sizes.join(', ')}`);
  });

  test('right after a failover, sync and a failing write are answered before any new write commits', async () => {
    const e = ensemble!;
    const client = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(client);
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    await e.kill(leader);
    await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [leader] });
    // The session resumes (no txn), so nothing new commits: answers must not wait for the new epoch's first txn.
    await until(() => client.state === 'connected' && client.serverId !== leader && client.serverId !== 0, { timeoutMs: WAIT_MS, message: 'client reconnected' });
    await client.sync('/');
    await assert.rejects(client.delete('/no-such-node'), (err: unknown) => KeeperError.is(err, ErrorCode.NONODE));
    await e.restart(leader);
  });

  test('a client whose server dies continues on another with the same session, ephemerals and watches', async () => {
    const e = ensemble!;
    const client = await Client.connect(e.connectString, { sessionTimeoutMs: 8_000 });
    clients.push(client);
    const observer = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(observer);
    const sessionId = client.sessionId;
    await client.create('/moving', '');
    await client.create('/moving/eph', 'mine', { mode: CreateMode.EPHEMERAL });
    await observer.create('/moving/watched', 'v1');
    // The observer may be on another server: another session's write is visible here only after a sync.
    await client.sync('/moving/watched');
    const events: WatchedEvent[] = [];
    await client.getData('/moving/watched', { watch: (ev) => events.push(ev) });
    const home = await until(() => client.serverId || undefined, { timeoutMs: WAIT_MS, message: 'client connected' });

    await e.kill(home);
    await until(() => client.state === 'connected' && client.serverId !== home && client.serverId !== 0, { timeoutMs: WAIT_MS, message: 'client moved to another server' });
    assert.equal(client.sessionId, sessionId);
    await observer.setData('/moving/watched', 'v2');
    await until(() => events.length > 0, { timeoutMs: WAIT_MS, message: 'watch fired after the move' });
    assert.equal(events[0]!.path, '/moving/watched');
    const { data } = await client.getData('/moving/eph');
    assert.equal(new TextDecoder().decode(data), 'mine');
    const eph = await client.exists('/moving/eph');
    assert.equal(eph?.ephemeralOwner, sessionId);
    await e.restart(home);

    // Closing the session on its new server deletes its ephemeral on every server.
    await client.close();
    for (const s of e.servers) {
      const c = await childrenOn(s.clientPort, '/moving');
      assert.ok(!c.has('eph'), `server ${s.id} still has the closed session's ephemeral`);
    }
    await assert.rejects(client.getData('/moving/eph'), (err: unknown) => err instanceof KeeperError && err.code !== ErrorCode.OK);
  });

  test('sessions on a follower live on forwarded touches, expire on the leader when their client vanishes, and sync reaches across servers', async () => {
    const e = ensemble!;
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    const follower = e.servers.find((s) => s.id !== leader && e.roleOf(s.id)?.serving)!;
    const proxy = await TcpProxy.start(follower.clientPort);
    try {
      // tickTime 100: timeouts are clamped to [200, 2000] ms; 1 s is a handful of ticks.
      const idle = await Client.connect(`127.0.0.1:${proxy.port}`, { sessionTimeoutMs: 1_000 });
      clients.push(idle);
      const watcher = await Client.connect(`127.0.0.1:${e.server(leader).clientPort}`, { sessionTimeoutMs: 10_000 });
      clients.push(watcher);
      await idle.create('/touch', '');
      await idle.create('/touch/eph', '', { mode: CreateMode.EPHEMERAL });

      // A write through the leader is visible on the follower after sync.
      await watcher.setData('/touch', 'from-the-leader');
      await idle.sync('/touch');
      assert.equal(new TextDecoder().decode((await idle.getData('/touch')).data), 'from-the-leader');

      // A session with the same timeout whose client is cut off expires on the leader meanwhile; the idle one,
      // kept alive only by the follower's forwarded touches, outlives it.
      const controlProxy = await TcpProxy.start(follower.clientPort);
      try {
        const control = await Client.connect(`127.0.0.1:${controlProxy.port}`, { sessionTimeoutMs: 1_000 });
        clients.push(control);
        await control.create('/touch/control', '', { mode: CreateMode.EPHEMERAL });
        controlProxy.refuse(true);
        controlProxy.dropAll();
        await until(async () => (await watcher.exists('/touch/control')) === null, { timeoutMs: WAIT_MS, message: 'the cut-off session expired' });
      } finally {
        await controlProxy.close();
      }
      assert.equal(idle.state, 'connected');
      assert.ok(await watcher.exists('/touch/eph'), 'the idle session outlived a session of the same timeout');

      const deleted = new Promise<WatchedEvent>((resolve) => {
        void watcher.exists('/touch/eph', { watch: resolve });
      });
      proxy.refuse(true);
      proxy.dropAll();
      const event = await deleted;
      assert.equal(event.path, '/touch/eph');
      proxy.refuse(false);
      await until(() => idle.state === 'expired' || undefined, { timeoutMs: WAIT_MS, message: 'client told its session expired' });
    } finally {
      await proxy.close();
    }
  });
});
