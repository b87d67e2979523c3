// The ZooKeeper door over TLS (zkSecureClientPort) on a 3-server ensemble, with client certificates
// required (ssl.clientAuth=need, the ssl.* settings the wss port uses too): Kazoo connects with use_ssl and
// its certificate's x509 id guards a node; the same certificate on the wss door is the same identity, and
// another certificate, or the plain door, is not. A client that is not TLS, an untrusted certificate and a
// handshake that never ends cost only their own socket. Peer links are authenticated (a shared secret): a
// leader takes the ids a follower forwards with a write only from an authenticated member.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Client, ErrorCode, KeeperError } from '../../client/index.js';
import { haveOpenssl, makeCertAuthority, pemText, removeCertAuthority } from '../support/certs.js';
import type { CertAuthority, PemFiles } from '../support/certs.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { PARTIAL_CLIENT_HELLO, fingerprintOf, keyStoreText, presentedCertificate, replaceFile, writeKeyStore } from '../support/tls-probe.js';
import { until } from '../support/until.js';
import { NzkClient, nzk, nzkCode } from '../support/zk-node-client.js';
import { RawZkSocket, juteConnectRequest, kazooAvailable, runKazoo, zkPortOf, zkSecurePortOf } from '../support/zk-door.js';

const availability = await kazooAvailable();
const skip = !haveOpenssl() ? 'openssl is not installed' : availability.ok ? false : `Kazoo is not available: ${availability.reason}`;
const ALICE_SUBJECT = '/O=Canopy/CN=alice';
/** The subject as ZooKeeper's x509 provider names it (RFC 2253, most specific first). */
const ALICE_ID = 'CN=alice,O=Canopy';
const WAIT_MS = 30_000;
/** Short, so that the stalled handshake below is cut while the test waits. */
const HANDSHAKE_TIMEOUT_MS = 3_000;
/** A ConnectResponse with the read-only byte: length prefix, protocolVersion, timeout, sessionId, password (4 + 16), readOnly. */
const CONNECT_RESPONSE_BYTES = 4 + 4 + 4 + 8 + 4 + 16 + 1;

/** A TLS connection to the door with `leaf`'s certificate (trusting `ca`); resolves once the handshake is done. */
function tlsSocket(port: number, ca: CertAuthority, leaf: PemFiles | undefined): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1', port, ca: readFileSync(ca.caFile), checkServerIdentity: () => undefined,
      ...(leaf !== undefined ? { cert: readFileSync(leaf.certFile), key: readFileSync(leaf.keyFile) } : {}),
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the socket (or `bytes` have come). */
function readUntilClosed(socket: TLSSocket, bytes = Infinity): Promise<{ received: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (received.byteLength >= bytes) resolve({ received, closed: false });
    });
    socket.on('error', () => {});
    socket.once('close', () => resolve({ received, closed: true }));
  });
}

describe('the ZooKeeper door over TLS on a 3-server ensemble', { skip }, () => {
  let ca: CertAuthority;
  let otherCa: CertAuthority;
  let alice: PemFiles;
  let bob: PemFiles;
  let stranger: PemFiles;
  let ensemble: Ensemble;
  let keyStore: string;
  const securePorts: number[] = [];
  const plainPorts: number[] = [];
  const clients: Client[] = [];

  before(async () => {
    ca = makeCertAuthority('Canopy Test CA');
    otherCa = makeCertAuthority('Some Other CA');
    alice = ca.leaf('alice', { subject: ALICE_SUBJECT });
    bob = ca.leaf('bob');
    stranger = otherCa.leaf('stranger');
    keyStore = writeKeyStore(join(ca.dir, 'server-keystore.pem'), ca.leaf('server'));
    // Authenticated peer links: only then does a leader take the ids a follower forwards with a write.
    const secretFile = join(ca.dir, 'peer-secret');
    writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    ensemble = await Ensemble.start({
      size: 3,
      args: [
        '--zkClientPort', '0', '--zkSecureClientPort', '0', '--secureClientPort', '0', '--ssl.keyStore.location', keyStore,
        '--ssl.trustStore.location', ca.caFile, '--ssl.clientAuth', 'need', '--clientHandshakeTimeoutMs', String(HANDSHAKE_TIMEOUT_MS),
        '--quorum.auth.secretFile', secretFile,
      ],
    });
    for (const s of ensemble.servers) {
      securePorts.push(await zkSecurePortOf(s.process!));
      plainPorts.push(await zkPortOf(s.process!));
    }
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble?.stopAll();
    await ensemble?.removeAll();
    if (ca !== undefined) removeCertAuthority(ca);
    if (otherCa !== undefined) removeCertAuthority(otherCa);
  });

  test('Kazoo with use_ssl: its certificate is its x509 id, another certificate is another id, and none gets no session', async () => {
    const spec = (leaf: PemFiles): object => ({ cert: leaf.certFile, key: leaf.keyFile });
    const out = await runKazoo('zk_door_kazoo_tls.py', {
      hosts: securePorts.map((p) => `127.0.0.1:${p}`).join(','), ca: ca.caFile, alice: spec(alice), bob: spec(bob), aliceId: ALICE_ID, root: '/tls',
    });
    assert.equal(out.aliceReads, 'for-alice');
    assert.deepEqual(out.acl, [{ perms: 31, scheme: 'x509', id: ALICE_ID }]);
    assert.equal(out.watchFired, true);
    assert.equal(out.bobReads, 'NoAuthError');
    assert.equal(out.bobListsIt, true);
    assert.notEqual(out.withoutCertificate, 'connected');
  });

  test('the same certificate is the same identity through the wss door; the plain ZooKeeper door has none', async () => {
    await until(async () => {
      // Kazoo's node exists once the test above ran (its ACL lets only alice see it, so list its parent).
      const probe = await Client.connect(`127.0.0.1:${ensemble.server(2).clientPort}`, { sessionTimeoutMs: 10_000 });
      try {
        await probe.sync('/tls');
        return (await probe.getChildren('/tls').then((r) => r.children, (): string[] => [])).includes('secret');
      } finally {
        await probe.close();
      }
    }, { timeoutMs: WAIT_MS, message: 'the node Kazoo made over TLS is replicated' });
    const wssOf = async (leaf: PemFiles, member: number): Promise<Client> => {
      const client = await Client.connect(`127.0.0.1:${ensemble.server(member).process!.securePort}`, {
        sessionTimeoutMs: 10_000, tls: { ca: pemText(ca.caFile), cert: pemText(leaf.certFile), key: pemText(leaf.keyFile) },
      });
      clients.push(client);
      return client;
    };
    const asAlice = await wssOf(alice, 3);
    await asAlice.sync('/tls/secret');
    assert.equal(new TextDecoder().decode((await asAlice.getData('/tls/secret')).data), 'again');
    const asBob = await wssOf(bob, 1);
    await assert.rejects(asBob.getData('/tls/secret'), (e: unknown) => e instanceof KeeperError && e.code === ErrorCode.NOAUTH);
    const plain = await NzkClient.connect(`127.0.0.1:${plainPorts[0]}`);
    try {
      await assert.rejects(plain.getData('/tls/secret'), (e: unknown) => nzkCode(e) === nzk.Exception.NO_AUTH);
    } finally {
      plain.close();
    }
  });

  test('a raw TLS client with a trusted certificate gets a session: the jute ConnectResponse comes back over TLS', async () => {
    const socket = await tlsSocket(securePorts[1]!, ca, alice);
    const answer = readUntilClosed(socket, CONNECT_RESPONSE_BYTES);
    socket.write(juteConnectRequest());
    const { received, closed } = await answer;
    socket.destroy();
    assert.equal(closed, false);
    assert.equal(received.readInt32BE(0), CONNECT_RESPONSE_BYTES - 4);
    assert.notEqual(received.readBigInt64BE(12), 0n, 'a session id was granted');
  });

  test('a client that is not TLS, an untrusted certificate and a stalled handshake cost only their own socket', async () => {
    const port = securePorts[0]!;
    const notTls = await RawZkSocket.open(port);
    notTls.write(juteConnectRequest());
    await until(() => notTls.closed, { timeoutMs: WAIT_MS, message: 'a plain jute client on the TLS port is closed' });
    assert.equal(notTls.received.byteLength === 0 || notTls.received[0] === 0x15, true, 'nothing but a TLS alert is sent back');
    await assert.rejects(async () => {
      const socket = await tlsSocket(port, ca, stranger);
      // TLS 1.3 finishes the client's side before the server has checked the certificate: the refusal is the close.
      const { closed, received } = await readUntilClosed(socket);
      assert.equal(received.byteLength, 0);
      if (closed) throw new Error('closed by the server');
    });
    const stalled = await RawZkSocket.open(port);
    stalled.write(PARTIAL_CLIENT_HELLO);
    await until(() => stalled.closed, { timeoutMs: WAIT_MS, message: 'a handshake that never ends is cut at clientHandshakeTimeoutMs' });
    // The door still serves.
    const socket = await tlsSocket(port, ca, bob);
    const answer = readUntilClosed(socket, CONNECT_RESPONSE_BYTES);
    socket.write(juteConnectRequest());
    assert.equal((await answer).closed, false);
    socket.destroy();
  });

  test('a replaced key store is served to new connections without a restart', async () => {
    const renewed = ca.leaf('server-renewed');
    replaceFile(keyStore, keyStoreText(renewed));
    const wanted = fingerprintOf(renewed.certFile);
    for (const port of securePorts) {
      await until(async () => (await presentedCertificate(port, alice)).fingerprint256 === wanted, { timeoutMs: WAIT_MS, message: `the TLS port ${port} presents the new certificate` });
    }
  });
});

describe('the ZooKeeper TLS port counts its sockets from the TCP accept, before any TLS', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  const MAX_CLIENT_CNXNS = 4;
  let ca: CertAuthority;
  let leaf: PemFiles;
  let server: ServerProcess;
  let port: number;
  before(async () => {
    ca = makeCertAuthority('Canopy Test CA');
    leaf = ca.leaf('client');
    const keyStore = writeKeyStore(join(ca.dir, 'server-keystore.pem'), ca.leaf('server'));
    server = await ServerProcess.start({
      args: [
        '--zkSecureClientPort', '0', '--ssl.keyStore.location', keyStore, '--ssl.trustStore.location', ca.caFile,
        // Long enough that the held sockets below are still open whatever the machine's load.
        '--maxClientCnxns', String(MAX_CLIENT_CNXNS), '--clientHandshakeTimeoutMs', '600000',
      ],
    });
    port = await zkSecurePortOf(server);
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
    if (ca !== undefined) removeCertAuthority(ca);
  });

  test('sockets that never start their handshake fill maxClientCnxns; one more is closed at once; freed places serve again', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CLIENT_CNXNS }, () => RawZkSocket.open(port)));
    const extra = await RawZkSocket.open(port);
    await until(() => extra.closed, { timeoutMs: WAIT_MS, message: 'the socket over maxClientCnxns is closed' });
    assert.equal(extra.received.byteLength, 0);
    assert.ok(held.every((s) => !s.closed), 'the held sockets stay open');
    for (const s of held) s.destroy();
    await until(async () => {
      const socket = await tlsSocket(port, ca, leaf).catch(() => undefined);
      if (socket === undefined) return false;
      const answer = readUntilClosed(socket, CONNECT_RESPONSE_BYTES);
      socket.write(juteConnectRequest());
      const { closed } = await answer;
      socket.destroy();
      return !closed;
    }, { timeoutMs: WAIT_MS, message: 'a TLS client gets a session once the held sockets are gone' });
  });
});
