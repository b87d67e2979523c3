// addAuthInfo and whoAmI against a real server process: the implicit ip id, digest ids, a refused scheme
// that leaves the session working, and auth ids that follow the client across a forced reconnect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ErrorCode, KeeperError } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

const IP_ONLY = [{ scheme: 'ip', id: '127.0.0.1' }];
// ZooKeeper's whoAmI reports the user name of a digest id (the part before its first ':').
const WITH_ALICE = [...IP_ONLY, { scheme: 'digest', id: 'alice' }];

describe('auth and whoAmI', () => {
  let server: ServerProcess;
  const clients: Client[] = [];
  const proxies: TcpProxy[] = [];

  const connect = async (cs: string): Promise<Client> => {
    const c = await Client.connect(cs, { sessionTimeoutMs: 10_000, retry: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(c);
    return c;
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

  test('a new connection has only its ip id; a digest auth adds one, reported once', async () => {
    const client = await connect(server.connectString);
    assert.deepEqual(await client.whoAmI(), IP_ONLY);
    await client.addAuthInfo('digest', 'alice:secret');
    assert.deepEqual(await client.whoAmI(), WITH_ALICE);
    await client.addAuthInfo('digest', 'alice:secret');
    await client.addAuthInfo('ip', '');
    assert.deepEqual(await client.whoAmI(), WITH_ALICE, 'duplicates and ip change nothing');
    await client.addAuthInfo('digest', 'bob:pw');
    assert.deepEqual(await client.whoAmI(), [...WITH_ALICE, { scheme: 'digest', id: 'bob' }]);
  });

  test('auth ids belong to the connection: another client does not have them', async () => {
    const a = await connect(server.connectString);
    const b = await connect(server.connectString);
    await a.addAuthInfo('digest', 'alice:secret');
    assert.deepEqual(await b.whoAmI(), IP_ONLY);
  });

  test('an unknown scheme is AUTHFAILED and, as in ZooKeeper, ends the connection: the client is authFailed for good', async () => {
    for (const scheme of ['world', 'super', 'nope']) {
      const client = await connect(server.connectString);
      const states: string[] = [];
      client.on('state', (s) => states.push(s));
      await assert.rejects(client.addAuthInfo(scheme, 'x:y'), (e: unknown) => KeeperError.is(e, ErrorCode.AUTHFAILED));
      await until(() => client.state === 'authFailed');
      assert.deepEqual(states, ['authFailed'], 'no reconnect follows');
      await assert.rejects(client.exists('/'), (e: unknown) => KeeperError.is(e, ErrorCode.AUTHFAILED));
    }
    const other = await connect(server.connectString);
    assert.notEqual(await other.exists('/'), null, 'the server serves everyone else');
  });

  test('answers keep FIFO order with writes and reads around them', async () => {
    const client = await connect(server.connectString);
    const results = await Promise.all([
      client.create('/fifo-auth', ''),
      client.addAuthInfo('digest', 'alice:secret'),
      client.whoAmI(),
      client.exists('/fifo-auth'),
    ]);
    assert.equal(results[0], '/fifo-auth');
    assert.deepEqual(results[2], WITH_ALICE);
    assert.notEqual(results[3], null);
  });

  test('after a forced reconnect the client re-sends its auth: whoAmI still shows the digest id', async () => {
    const proxy = await TcpProxy.start(server.port);
    proxies.push(proxy);
    const client = await connect(proxy.connectString);
    await client.addAuthInfo('digest', 'alice:secret');
    const sessionId = client.sessionId;
    const disconnected = new Promise<void>((resolve) => client.on('state', (s) => s === 'disconnected' && resolve()));
    proxy.dropAll();
    await disconnected;
    // Issued while the link is down: it waits for the reconnect and goes out after the replayed auth.
    assert.deepEqual(await client.whoAmI(), WITH_ALICE);
    assert.equal(client.sessionId, sessionId);
    // And again once more, to show the replay is not a one-off.
    proxy.dropAll();
    await until(async () => {
      const ids = await client.whoAmI().catch(() => undefined);
      return ids !== undefined && JSON.stringify(ids) === JSON.stringify(WITH_ALICE);
    }, { message: 'whoAmI with the digest id after a second reconnect' });
  });
});
