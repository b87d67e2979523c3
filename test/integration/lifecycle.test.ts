// Server-driven lifecycles: container and TTL cleanup, and a graceful SIGTERM restart that keeps sessions.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, CreateMode } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

describe('server lifecycles', () => {
  const servers: ServerProcess[] = [];
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of servers) {
      await s.kill();
      s.removeDataDir();
    }
  });

  test('empty containers and expired TTL nodes are deleted by the server', async () => {
    const server = await ServerProcess.start({ args: ['--containerCheckIntervalMs', '100'] });
    servers.push(server);
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(client);
    await client.create('/never-used', '', { mode: CreateMode.CONTAINER });
    await client.create('/box', '', { mode: CreateMode.CONTAINER });
    await client.create('/box/item', '');
    await client.create('/short-lived', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 300 });
    await client.create('/busy-ttl', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 300 });
    await client.create('/busy-ttl/child', '');
    await client.delete('/box/item');
    await until(async () => (await client.exists('/box')) === null, { message: 'empty container deleted' });
    await until(async () => (await client.exists('/short-lived')) === null, { message: 'expired TTL node deleted' });
    assert.notEqual(await client.exists('/never-used'), null, 'a container that never had a child stays');
    assert.notEqual(await client.exists('/busy-ttl'), null, 'a TTL node with children stays');
  });

  test('SIGTERM closes connections but not sessions: the client resumes after restart', async () => {
    let server = await ServerProcess.start();
    servers.push(server);
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 20_000 });
    clients.push(client);
    const sessionId = client.sessionId;
    const eph = await client.create('/survivor', 'x', { mode: CreateMode.EPHEMERAL });
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    assert.equal(await server.stop(), 0, 'graceful exit code');
    await until(() => states.includes('disconnected'), { message: 'client sees the disconnect' });
    server = await server.restart();
    servers.push(server);
    await until(() => states.includes('connected'), { timeoutMs: 30_000, message: 'client reconnects' });
    assert.equal(client.sessionId, sessionId);
    assert.equal((await client.exists(eph))?.ephemeralOwner, sessionId);
  });
});
