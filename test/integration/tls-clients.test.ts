// The secure client port next to the plain one, with client certificates required (ssl.clientAuth=need):
// who gets in, with which x509 id, and that the secure port's sockets count against the same limits as
// the plain port's from the TCP accept, before any TLS, so sockets that never finish a handshake cannot
// crowd out anyone. Certificates are made by the test (test/support/certs.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, ErrorCode, KeeperError } from '../../client/index.js';
import type { ClientOptions } from '../../client/index.js';
import { haveOpenssl, makeCertAuthority, pemText, removeCertAuthority } from '../support/certs.js';
import type { CertAuthority, PemFiles } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { RawClient, TcpFlood } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';
import { PARTIAL_CLIENT_HELLO, writeKeyStore } from '../support/tls-probe.js';
import { until } from '../support/until.js';

const MAX_CLIENT_CNXNS = 20;
/** Per kind of stalled socket: many times the per-address cap. */
const FLOOD_SOCKETS = 150;
const SETTLE_TIMEOUT_MS = 20_000;
/** Commas, a plus (a multi-valued RDN), quotes, a backslash and non-ASCII: what RFC 2253 must escape or keep. */
const TRICKY_SUBJECT = '/C=FR/O=Acme, Inc./OU=Eng+OU=Ops/CN=Zoë "Z" \\\\ Ünïcødé';
/** The same subject as Java's X500Principal.getName() prints it (checked against a JDK). */
const TRICKY_ID = 'CN=Zoë \\"Z\\" \\\\ Ünïcødé,OU=Eng+OU=Ops,O=Acme\\, Inc.,C=FR';
const SUPER_SUBJECT = '/O=Canopy/CN=root';
const SUPER_ID = 'CN=root,O=Canopy';
const IP = { scheme: 'ip', id: '127.0.0.1' };

describe('the secure client port with client certificates required', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  let ca: CertAuthority;
  let otherCa: CertAuthority;
  let tricky: PemFiles;
  let root: PemFiles;
  let stranger: PemFiles;
  let server: ServerProcess;
  const clients: Client[] = [];

  /** TLS options with the client certificate `leaf` (if any) trusting `trust` (null: Node's built-in CAs only). */
  const tlsOf = (leaf: PemFiles | undefined, trust: CertAuthority | null): ClientOptions['tls'] => ({
    ...(trust !== null ? { ca: pemText(trust.caFile) } : {}),
    ...(leaf !== undefined ? { cert: pemText(leaf.certFile), key: pemText(leaf.keyFile) } : {}),
  });
  const connectSecure = async (leaf: PemFiles | undefined): Promise<Client> => {
    const client = await Client.connect(`127.0.0.1:${server.securePort}`, { sessionTimeoutMs: 10_000, tls: tlsOf(leaf, ca) });
    clients.push(client);
    return client;
  };
  /** Connect attempts that must fail: short, since the client retries until connectTimeoutMs. */
  const refused = (leaf: PemFiles | undefined, trust: CertAuthority | null, message: RegExp): Promise<void> =>
    assert.rejects(Client.connect(`127.0.0.1:${server.securePort}`, { connectTimeoutMs: 2_000, tls: tlsOf(leaf, trust) }), (e: unknown) => {
      assert.ok(e instanceof KeeperError, String(e));
      assert.match(e.message, message);
      return true;
    });

  before(async () => {
    ca = makeCertAuthority('Canopy Test CA');
    otherCa = makeCertAuthority('Some Other CA');
    const serverLeaf = ca.leaf('server');
    tricky = ca.leaf('tricky', { subject: TRICKY_SUBJECT });
    root = ca.leaf('root', { subject: SUPER_SUBJECT });
    stranger = otherCa.leaf('stranger', { subject: '/CN=stranger' });
    server = await ServerProcess.start({
      args: [
        '--secureClientPort', '0', '--ssl.keyStore.location', writeKeyStore(join(ca.dir, 'server-keystore.pem'), serverLeaf),
        '--ssl.trustStore.location', ca.caFile, '--ssl.clientAuth', 'need', '--X509AuthenticationProvider.superUser', SUPER_ID,
        '--maxClientCnxns', String(MAX_CLIENT_CNXNS), '--clientHandshakeTimeoutMs', '60000',
      ],
    });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
    if (ca !== undefined) removeCertAuthority(ca);
    if (otherCa !== undefined) removeCertAuthority(otherCa);
  });

  test('the server logs both ports; the plain one still serves without TLS or x509 ids', async () => {
    assert.match(server.log, /listening for clients .*"protocol":"ws"/);
    assert.match(server.log, /listening for clients .*"protocol":"wss".*"clientAuth":"need"/);
    assert.ok(server.port > 0 && server.securePort > 0 && server.port !== server.securePort);
    const plain = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(plain);
    assert.deepEqual(await plain.whoAmI(), [IP]);
    await assert.rejects(plain.addAuthInfo('x509', ''), (e: unknown) => KeeperError.is(e, ErrorCode.AUTHFAILED));
  });

  test('a certificate signed by the CA connects as its subject, in RFC 2253 as ZooKeeper reports it', async () => {
    const client = await connectSecure(tricky);
    assert.deepEqual(await client.whoAmI(), [IP, { scheme: 'x509', id: TRICKY_ID }]);
    // An addAuth of x509 re-reads the same certificate: nothing new, and no failure.
    await client.addAuthInfo('x509', '');
    assert.deepEqual(await client.whoAmI(), [IP, { scheme: 'x509', id: TRICKY_ID }]);
    await client.create('/over-tls', 'yes');
    assert.equal(new TextDecoder().decode((await client.getData('/over-tls')).data), 'yes');
  });

  test('the superUser certificate is also super', async () => {
    const client = await connectSecure(root);
    assert.deepEqual(await client.whoAmI(), [IP, { scheme: 'super', id: SUPER_ID }, { scheme: 'x509', id: SUPER_ID }]);
  });

  test('a client that does not trust the server\'s CA is refused with the reason, and the server serves the others', async () => {
    const established = await connectSecure(tricky);
    await refused(tricky, null, /certificate/);
    await refused(tricky, otherCa, /certificate/);
    assert.equal(await established.create('/still-served', ''), '/still-served');
  });

  test('without a client certificate, or with one from another CA, the handshake is refused', async () => {
    await refused(undefined, ca, /certificate required/);
    // TLS 1.3 completes the client's side of the handshake before the server has checked its certificate:
    // the client sees the connection cut, the server's log says why.
    await refused(stranger, ca, /CONNECTIONLOSS/);
    await server.waitForLine(/refusing a client certificate .*client certificate not trusted/);
    const fine = await connectSecure(tricky);
    assert.equal((await fine.whoAmI()).length, 2);
  });

  test('the shell takes --ca, --cert and --key', async () => {
    const run = await runCli(['-server', `127.0.0.1:${server.securePort}`, '--ca', ca.caFile, '--cert', root.certFile, '--key', root.keyFile, 'whoami']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), ['Auth scheme: User', 'ip: 127.0.0.1', `super: ${SUPER_ID}`, `x509: ${SUPER_ID}`]);
    const noCert = await runCli(['-server', `127.0.0.1:${server.securePort}`, '--ca', ca.caFile, '--connect-timeout', '2000', 'whoami']);
    assert.notEqual(noCert.code, 0);
    const missing = await runCli(['-server', `127.0.0.1:${server.securePort}`, '--ca', join(ca.dir, 'no-such.pem'), 'whoami']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--ca .*no-such\.pem: cannot read the file \(ENOENT\)/);
  });

  test(`sockets that never finish a TLS handshake are bounded by maxClientCnxns (${MAX_CLIENT_CNXNS}), counted with the plain port's`, async (t) => {
    const established = await connectSecure(tricky);
    // Silent sockets and sockets that start a ClientHello and stall, all from 127.0.0.2.
    const silent = TcpFlood.start({ port: server.securePort, localAddresses: ['127.0.0.2'], perAddress: FLOOD_SOCKETS });
    const stalled = TcpFlood.start({ port: server.securePort, localAddresses: ['127.0.0.2'], perAddress: FLOOD_SOCKETS, firstBytes: PARTIAL_CLIENT_HELLO });
    try {
      // A well-behaved client from another address gets in during the flood.
      const during = await connectSecure(tricky);
      await during.create('/during-flood', '');
      const settled = await until(() => silent.settled && stalled.settled && silent.openCount + stalled.openCount <= MAX_CLIENT_CNXNS, {
        timeoutMs: SETTLE_TIMEOUT_MS,
      }).then(() => true, () => false);
      t.diagnostic(`silent: ${silent.describe()}; stalled: ${stalled.describe()}`);
      assert.ok(settled, `over ${MAX_CLIENT_CNXNS} sockets from 127.0.0.2 stayed open: silent ${silent.describe()}; stalled ${stalled.describe()}`);
      assert.ok(silent.openCount + stalled.openCount >= MAX_CLIENT_CNXNS / 2, 'the cap let in too few');
      // The two ports share the count: 127.0.0.2 is refused on the plain port too, with the plain port's 503.
      await assert.rejects(RawClient.open(server.port, { localAddress: '127.0.0.2' }), /HTTP 503|ECONNRESET|socket hang up/);
      assert.ok(server.alive);
      assert.deepEqual((await established.whoAmI())[1], { scheme: 'x509', id: TRICKY_ID });
    } finally {
      silent.stop();
      stalled.stop();
    }
    // Once the flood's sockets close, 127.0.0.2 gets its slots back.
    await until(() => RawClient.open(server.port, { localAddress: '127.0.0.2' }).then((c) => {
      c.close();
      return true;
    }, () => false), { timeoutMs: 15_000, intervalMs: 200, message: '127.0.0.2 to be let in again after the flood' });
  });
});
