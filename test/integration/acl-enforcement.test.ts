// ACL enforcement against real server processes: a protected node refuses a stranger and serves its owner,
// a super user configured by superDigest passes everything, and a server that enforces authentication
// closes a connection whose first request is not an auth (ZooKeeper's enforce.auth.enabled).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Client, ErrorCode, KeeperError, Perms } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

function digest(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  return `${user}:${createHash('sha1').update(userPassword).digest('base64')}`;
}

const isCode = (code: ErrorCode) => (e: unknown): boolean => KeeperError.is(e, code);

describe('ACL enforcement', () => {
  let server: ServerProcess;
  let enforcing: ServerProcess;
  const clients: Client[] = [];
  const connect = async (cs: string): Promise<Client> => {
    const c = await Client.connect(cs, { sessionTimeoutMs: 10_000, retry: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await ServerProcess.start({ tickTime: 200, args: ['--superDigest', digest('super:root-pw')] });
    enforcing = await ServerProcess.start({ tickTime: 200, args: ['--enforceAuthEnabled', '--enforceAuthSchemes', 'digest'] });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of [server, enforcing]) {
      await s?.stop();
      s?.removeDataDir();
    }
  });

  test('a digest-protected node refuses a stranger every op on it and serves its owner (delete is the parent\'s to allow)', async () => {
    const alice = await connect(server.connectString);
    await alice.addAuthInfo('digest', 'alice:secret');
    await alice.create('/alice', 'private', { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] });
    const stranger = await connect(server.connectString);
    await assert.rejects(stranger.getData('/alice'), isCode(ErrorCode.NOAUTH));
    await assert.rejects(stranger.exists('/alice'), isCode(ErrorCode.NOAUTH));
    await assert.rejects(stranger.setData('/alice', 'mine'), isCode(ErrorCode.NOAUTH));
    await assert.rejects(stranger.create('/alice/child', ''), isCode(ErrorCode.NOAUTH));
    await assert.rejects(stranger.setACL('/alice', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]), isCode(ErrorCode.NOAUTH), 'no takeover by setACL');
    await assert.rejects(stranger.getACL('/alice'), isCode(ErrorCode.NOAUTH));
    assert.equal(new TextDecoder().decode((await alice.getData('/alice')).data), 'private');
    assert.deepEqual((await alice.getACL('/alice')).acl, [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('alice:secret') } }]);
  });

  test('malformed ACLs are INVALIDACL', async () => {
    const c = await connect(server.connectString);
    for (const id of [{ scheme: 'world', id: 'bob' }, { scheme: 'digest', id: 'nohash' }, { scheme: 'ip', id: 'not-an-ip/99' }, { scheme: 'nope', id: 'x' }, { scheme: 'auth', id: '' }]) {
      await assert.rejects(c.create('/invalid', '', { acl: [{ perms: Perms.ALL, id }] }), isCode(ErrorCode.INVALIDACL), JSON.stringify(id));
    }
  });

  test('the super user of superDigest passes every check', async () => {
    const owner = await connect(server.connectString);
    await owner.create('/locked', 'x', { acl: [{ perms: 0, id: { scheme: 'world', id: 'anyone' } }] });
    const root = await connect(server.connectString);
    await root.addAuthInfo('digest', 'super:root-pw');
    assert.ok((await root.whoAmI()).some((id) => id.scheme === 'super'));
    await root.setData('/locked', 'y');
    assert.equal(new TextDecoder().decode((await root.getData('/locked')).data), 'y');
    await root.setACL('/locked', [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
    assert.equal(new TextDecoder().decode((await owner.getData('/locked')).data), 'y');
  });

  test('enforce.auth: a request before an auth closes the connection; an authenticated client is served', async () => {
    const lazy = await connect(enforcing.connectString);
    await assert.rejects(lazy.exists('/'), (e: unknown) => KeeperError.is(e, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH) || KeeperError.is(e, ErrorCode.AUTHFAILED));
    await until(() => lazy.state === 'authFailed');
    const good = await connect(enforcing.connectString);
    await good.addAuthInfo('digest', 'bob:pw');
    await good.create('/enforced', 'ok');
    assert.notEqual(await good.exists('/enforced'), null);
  });
});
