// A server with only a secure client port (no clientPort, as in ZooKeeper), optional client certificates
// (ssl.clientAuth=want) and x509 ids from a subject alternative name: what listens, what a client with or
// without a certificate is, how long a socket may take to get through TLS to its ConnectRequest, and
// certificates rotated on disk while clients stay connected, with no restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client } from '../../client/index.js';
import { haveOpenssl, makeCertAuthority, pemText, removeCertAuthority } from '../support/certs.js';
import type { CertAuthority, PemFiles } from '../support/certs.js';
import { TcpFlood } from '../support/raw-client.js';
import { ServerProcess } from '../support/server-process.js';
import { PARTIAL_CLIENT_HELLO, fingerprintOf, keyStoreText, presentedCertificate, replaceFile, writeKeyStore } from '../support/tls-probe.js';
import { until } from '../support/until.js';

const HANDSHAKE_TIMEOUT_MS = 1_500;
/** A busy 2-core machine fires timers late: room on top of the timeout. */
const HANDSHAKE_LATE_SLACK_MS = 4_000;
/** Sockets closed before half the timeout were closed early. */
const HANDSHAKE_EARLY_MIN_MS = HANDSHAKE_TIMEOUT_MS / 2;
const IP = { scheme: 'ip', id: '127.0.0.1' };
/** The x509 id is the path of a spiffe:// URI SAN under the trust domain canopy.test. */
const SAN_ARGS = [
  '--ssl.clientCertIdType', 'SAN', '--ssl.clientCertIdSanMatchType', '6', '--ssl.clientCertIdSanMatchRegex', '^spiffe://canopy\\.test/',
  '--ssl.clientCertIdSanExtractRegex', '^spiffe://canopy\\.test/(.+)$', '--ssl.clientCertIdSanExtractMatcherGroupIndex', '1',
];

describe('a server with only a secure client port', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  let ca: CertAuthority;
  let newCa: CertAuthority;
  let keyStore: string;
  let trustStore: string;
  let server: ServerProcess;
  const clients: Client[] = [];

  const connect = async (trust: CertAuthority, leaf?: PemFiles, connectTimeoutMs = 20_000): Promise<Client> => {
    const tls = { ca: pemText(trust.caFile), ...(leaf !== undefined ? { cert: pemText(leaf.certFile), key: pemText(leaf.keyFile) } : {}) };
    const client = await Client.connect(`127.0.0.1:${server.securePort}`, { sessionTimeoutMs: 10_000, connectTimeoutMs, tls });
    clients.push(client);
    return client;
  };

  before(async () => {
    ca = makeCertAuthority('Canopy Test CA');
    newCa = makeCertAuthority('Canopy Next CA');
    keyStore = writeKeyStore(join(ca.dir, 'keystore.pem'), ca.leaf('server-1'));
    trustStore = join(ca.dir, 'truststore.pem');
    writeFileSync(trustStore, pemText(ca.caFile));
    server = await ServerProcess.start({
      plainPort: false,
      args: [
        '--secureClientPort', '0', '--ssl.keyStore.location', keyStore, '--ssl.trustStore.location', trustStore, '--ssl.clientAuth', 'want',
        '--clientHandshakeTimeoutMs', String(HANDSHAKE_TIMEOUT_MS), ...SAN_ARGS,
      ],
    });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
    if (ca !== undefined) removeCertAuthority(ca);
    if (newCa !== undefined) removeCertAuthority(newCa);
  });

  test('only the secure port listens, and the logs say so', () => {
    assert.ok(server.securePort > 0);
    // Besides the admin endpoint, which is not a client port.
    assert.ok(server.adminPort > 0);
    assert.deepEqual(server.listeningPorts().filter((p) => p !== server.adminPort), [server.securePort]);
    assert.doesNotMatch(server.log, /"protocol":"ws"/);
    assert.match(server.log, /listening for clients .*"protocol":"wss".*"clientAuth":"want"/);
    assert.doesNotMatch(server.log, /serving clients .*"port":/);
  });

  test('with clientAuth=want a client without a certificate gets in with its ip id only', async () => {
    const client = await connect(ca);
    assert.deepEqual(await client.whoAmI(), [IP]);
  });

  test('the SAN mapping: the id is the spiffe path; a certificate without such a SAN is its subject', async () => {
    const workload = ca.leaf('workload', { subject: '/O=Ignored/CN=ignored', altNames: ['URI:spiffe://canopy.test/ns/prod/sa/billing', 'URI:https://elsewhere.example/x'] });
    assert.deepEqual(await (await connect(ca, workload)).whoAmI(), [IP, { scheme: 'x509', id: 'ns/prod/sa/billing' }]);
    const plain = ca.leaf('plain', { subject: '/O=Canopy/CN=plain' });
    assert.deepEqual(await (await connect(ca, plain)).whoAmI(), [IP, { scheme: 'x509', id: 'CN=plain,O=Canopy' }]);
    // Two URIs of the trust domain: no single match, so the subject again (as in ZooKeeper's SAN mapping).
    const twice = ca.leaf('twice', { subject: '/CN=twice', altNames: ['URI:spiffe://canopy.test/a', 'URI:spiffe://canopy.test/b'] });
    assert.deepEqual(await (await connect(ca, twice)).whoAmI(), [IP, { scheme: 'x509', id: 'CN=twice' }]);
  });

  test('with clientAuth=want a certificate that does not verify is still refused', async () => {
    const stranger = newCa.leaf('stranger');
    await assert.rejects(connect(ca, stranger, 2_000), /CONNECTIONLOSS/);
    await server.waitForLine(/refusing a client certificate .*client certificate not trusted/);
  });

  test(`sockets stalled before, in or after the TLS handshake are closed after clientHandshakeTimeoutMs (${HANDSHAKE_TIMEOUT_MS})`, async (t) => {
    const working = await connect(ca);
    const silent = TcpFlood.start({ port: server.securePort, localAddresses: ['127.0.0.2'], perAddress: 30 });
    const stalled = TcpFlood.start({ port: server.securePort, localAddresses: ['127.0.0.3'], perAddress: 30, firstBytes: PARTIAL_CLIENT_HELLO });
    // Through TLS, then nothing: no HTTP upgrade.
    const openedAt = Date.now();
    const tcp = netConnect({ host: '127.0.0.1', port: server.securePort, localAddress: '127.0.0.4' });
    const idle = tlsConnect({ socket: tcp, host: '127.0.0.1', ca: pemText(ca.caFile) });
    let idleClosedAt: number | undefined;
    idle.on('error', () => {});
    idle.on('close', () => (idleClosedAt = Date.now()));
    try {
      const allClosed = await until(() => silent.settled && stalled.settled && silent.openCount + stalled.openCount === 0 && idleClosedAt !== undefined, {
        timeoutMs: HANDSHAKE_TIMEOUT_MS + HANDSHAKE_LATE_SLACK_MS + 20_000,
      }).then(() => true, () => false);
      t.diagnostic(`silent: ${silent.describe()}; stalled: ${stalled.describe()}; idle TLS socket closed after ${idleClosedAt === undefined ? '-' : idleClosedAt - openedAt} ms`);
      assert.ok(allClosed, `sockets still open: silent ${silent.describe()}; stalled ${stalled.describe()}; idle closed: ${idleClosedAt !== undefined}`);
      for (const s of [...silent.sockets, ...stalled.sockets]) {
        const heldMs = s.closedAt! - s.connectedAt!;
        assert.ok(heldMs >= HANDSHAKE_EARLY_MIN_MS && heldMs <= HANDSHAKE_TIMEOUT_MS + HANDSHAKE_LATE_SLACK_MS, `a socket was closed after ${heldMs} ms`);
      }
      const idleMs = idleClosedAt! - openedAt;
      assert.ok(idleMs >= HANDSHAKE_EARLY_MIN_MS && idleMs <= HANDSHAKE_TIMEOUT_MS + HANDSHAKE_LATE_SLACK_MS, `the idle TLS socket was closed after ${idleMs} ms`);
      assert.deepEqual(await working.whoAmI(), [IP]);
    } finally {
      silent.stop();
      stalled.stop();
      idle.destroy();
      tcp.destroy();
    }
  });

  test('a new certificate from the same CA serves new connections with no restart; open ones keep working', async () => {
    const opened = await connect(ca);
    const next = ca.leaf('server-2');
    replaceFile(keyStore, keyStoreText(next));
    const nextFingerprint = fingerprintOf(next.certFile);
    await until(async () => (await presentedCertificate(server.securePort)).fingerprint256 === nextFingerprint, { message: 'the new certificate to be presented' });
    assert.deepEqual(await opened.whoAmI(), [IP]);
    assert.deepEqual(await (await connect(ca)).whoAmI(), [IP]);
    assert.match(server.log, /reloaded the TLS key store/);
  });

  test('a broken replacement is refused and the last good certificate keeps serving', async () => {
    const serving = (await presentedCertificate(server.securePort)).fingerprint256;
    for (const broken of [keyStoreText(ca.leaf('server-cut')).slice(0, 400), '', keyStoreText(ca.leaf('server-key')).split('-----BEGIN CERTIFICATE')[0]!]) {
      const mark = server.lineCount;
      // Written in place, not renamed: a reader may see it half-written, as with a slow copy.
      writeFileSync(keyStore, broken);
      await server.waitForLine(/refusing the new TLS key store|cannot read the TLS key store/, { afterLine: mark });
      assert.equal((await presentedCertificate(server.securePort)).fingerprint256, serving);
      assert.deepEqual(await (await connect(ca)).whoAmI(), [IP]);
    }
    // A key that does not match its certificate (the files of two leaves mixed up) is refused too.
    const a = ca.leaf('server-a');
    const b = ca.leaf('server-b');
    const mark = server.lineCount;
    replaceFile(keyStore, `${pemText(a.keyFile)}${pemText(b.certFile)}`);
    await server.waitForLine(/refusing the new TLS key store.*does not match the private key/, { afterLine: mark });
    assert.equal((await presentedCertificate(server.securePort)).fingerprint256, serving);
    assert.ok(server.alive);
  });

  test('a move to a new CA: new server certificate, new trust store; old sessions keep working', async () => {
    const opened = await connect(ca);
    const next = newCa.leaf('server-3');
    replaceFile(trustStore, pemText(newCa.caFile));
    replaceFile(keyStore, keyStoreText(next));
    const nextFingerprint = fingerprintOf(next.certFile);
    await until(async () => (await presentedCertificate(server.securePort)).fingerprint256 === nextFingerprint, { message: 'the new CA\'s certificate to be presented' });
    // Trust in the old CA no longer gets a client in; trust in the new one does, and so do its client certificates.
    await assert.rejects(connect(ca, undefined, 2_000), /certificate/);
    const member = newCa.leaf('member', { subject: '/CN=member', altNames: ['URI:spiffe://canopy.test/member'] });
    const memberIds = await until(async () => {
      const ids = await (await connect(newCa, member, 5_000)).whoAmI();
      return ids[1]?.id === 'member' ? ids : undefined;
    }, { message: 'a client certificate of the new CA to be trusted' });
    assert.deepEqual(memberIds, [IP, { scheme: 'x509', id: 'member' }]);
    await assert.rejects(connect(newCa, ca.leaf('old-member'), 2_000), /CONNECTIONLOSS/);
    assert.deepEqual(await opened.whoAmI(), [IP]);
  });
});
