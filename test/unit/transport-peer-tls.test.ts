// Mutual-TLS peer authentication on real transports over loopback sockets, with certificates made by
// openssl (test/support/certs.ts): members with certificates from the CA link over wss (with a shared
// secret too, if configured); strangers without a member certificate never get a hello through and are
// logged with their address and why; a certificate must name the host of the member it speaks for, on
// both ends, unless hostname verification is off; and connections that never finish their TLS handshake
// are bounded in number (maxConnections) and in time (the dial timeout), like unauthenticated plain ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { PeerCloseCode, TRANSPORT_LIMITS, ensembleIdOf, type PeerTlsMaterial } from '../../src/transport/index.js';
import { haveOpenssl, makeCertAuthority, removeCertAuthority, type CertAuthority, type PemFiles } from '../support/certs.js';
import { dialOnce, memberHello } from '../support/peer-impostors.js';
import { assertLinksWork, closeAllMembers, endpoints, failedDials, linksUp, logged, startMember, stopMembers } from '../support/transport-members.js';
import { until } from '../support/until.js';

describe('mutual-TLS peer authentication', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  let ca: CertAuthority;
  let otherCa: CertAuthority;
  let caPem: string;
  const pem = (files: PemFiles): { cert: string; key: string } => ({ cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') });
  const material = (files: PemFiles, over: Partial<PeerTlsMaterial> = {}): PeerTlsMaterial => ({ ...pem(files), ca: caPem, ...over });

  before(() => {
    ca = makeCertAuthority('Members CA');
    otherCa = makeCertAuthority('Other CA');
    caPem = readFileSync(ca.caFile, 'utf8');
  });
  after(async () => {
    await closeAllMembers();
    removeCertAuthority(ca);
    removeCertAuthority(otherCa);
  });

  test('members with certificates from the CA link over wss; with a shared secret as well, both apply', async () => {
    const peers = await endpoints(3);
    const [a, b, c] = await Promise.all(peers.map((p) => startMember(p.id, peers, { authentication: { tls: material(ca.leaf(`member${p.id}`)) } })));
    assert.equal(a!.transport.authentication, 'tls');
    await assertLinksWork(a!, b!, 'ab');
    await assertLinksWork(a!, c!, 'ac');
    await stopMembers(a!, b!, c!);

    const both = await endpoints(2);
    const secret = new Uint8Array(randomBytes(40));
    const [d, e] = await Promise.all(both.map((p) => startMember(p.id, both, { authentication: { tls: material(ca.leaf(`both${p.id}`)), secret } })));
    assert.equal(d!.transport.authentication, 'tls+secret');
    await assertLinksWork(d!, e!, 'de');
    await stopMembers(d!, e!);
  });

  test('strangers without a member certificate never get a hello through, and each refusal says who and why', async () => {
    // Only member 1 runs: claims to 2 meet no live link, so the certificate alone decides.
    const peers = await endpoints(2);
    const one = await startMember(1, peers, { authentication: { tls: material(ca.leaf('one')) } });
    const port = one.transport.port;
    const hello = memberHello(ensembleIdOf(peers), 2);
    const stranger = pem(otherCa.leaf('stranger'));
    const selfSigned = pem({ certFile: otherCa.caFile, keyFile: join(otherCa.dir, 'ca.key') });
    const attempts: Array<[string, () => Promise<string>]> = [
      ['no certificate', () => dialOnce(`wss://127.0.0.1:${port}/`, hello, { ca: caPem })],
      ['another CA\'s certificate', () => dialOnce(`wss://127.0.0.1:${port}/`, hello, { ca: caPem, ...stranger })],
      ['a self-signed certificate', () => dialOnce(`wss://127.0.0.1:${port}/`, hello, { ca: caPem, ...selfSigned })],
      ['plain ws', () => dialOnce(`ws://127.0.0.1:${port}/`, hello)],
    ];
    for (const [what, attempt] of attempts) {
      for (let i = 0; i < 5; i++) assert.equal(await attempt(), 'refused', what);
    }
    assert.equal(linksUp(one), 0, 'no link came up');
    const refusals = logged(one, /refusing inbound peer connection/, /no verified member certificate/);
    assert.ok(refusals.length >= 15, `certificate refusals logged: ${refusals.length}`);
    assert.ok(refusals.every((r) => /^127\.0\.0\.1:\d+$/.test(String(r.meta.remote)) && r.meta.code === PeerCloseCode.AUTH_FAILED), 'with the remote address');
    assert.ok(logged(one, /inbound peer TLS handshake failed/).length >= 5, 'plain ws is a failed TLS handshake');
    // The stranger's one way in would be a member's link: member 2, with a real certificate, still links.
    const two = await startMember(2, peers, { authentication: { tls: material(ca.leaf('two')) } });
    await assertLinksWork(one, two, 'a member after the strangers');
    await stopMembers(one, two);
  });

  test('a certificate must name the host of the member it speaks for, unless hostname verification is off', async () => {
    const peers = await endpoints(3, { 2: '127.0.0.2', 3: '127.0.0.3' });
    const oneFiles = ca.leaf('host-one');
    const twoFiles = ca.leaf('host-two', { altNames: ['IP:127.0.0.2'] });
    const one = await startMember(1, peers, { authentication: { tls: material(oneFiles) } });
    const two = await startMember(2, peers, { authentication: { tls: material(twoFiles) } });
    await assertLinksWork(one, two, 'names match');
    await stopMembers(two);

    // A valid member certificate (member 1's, naming 127.0.0.1) cannot speak for members on other hosts.
    for (const claimed of [2, 3]) {
      const outcome = await dialOnce(`wss://127.0.0.1:${one.transport.port}/`, memberHello(ensembleIdOf(peers), claimed), { ca: caPem, ...pem(oneFiles) });
      assert.equal(outcome, 'refused', `member 1's certificate claiming member ${claimed}`);
    }
    assert.equal(logged(one, /refusing inbound peer connection/, /does not name the host 127\.0\.0\.[23] of server [23]/).length, 2);

    // Member 2 with a certificate that does not name 127.0.0.2: refused by member 1 both ways.
    const linksBefore = linksUp(one, 2);
    const wrongName = await startMember(2, peers, { authentication: { tls: material(ca.leaf('loopback-only')) } });
    await until(() => failedDials(one, 2) >= 2 && failedDials(wrongName, 1) >= 2, { message: 'failures both ways' });
    assert.equal(linksUp(one, 2), linksBefore, 'no new link with member 2');
    assert.equal(linksUp(wrongName), 0);
    assert.ok(logged(one, /peer link failed|peer link still failing/, /altnames/).length >= 1, 'member 1 refused the acceptor\'s certificate');
    assert.ok(logged(one, /refusing inbound peer connection/, /of server 2, which the dialler claims/).length >= 1, 'and the dialler\'s');
    await stopMembers(one, wrongName);

    // The same certificates with hostname verification off: the CA alone decides.
    const off = { hostnameVerification: false };
    const oneOff = await startMember(1, peers, { authentication: { tls: material(oneFiles, off) } });
    const twoOff = await startMember(2, peers, { authentication: { tls: material(ca.leaf('loopback-only-2'), off) } });
    await assertLinksWork(oneOff, twoOff, 'verification off');
    await stopMembers(oneOff, twoOff);
  });

  test('connections that never finish the TLS handshake: at most maxConnections at once, the rest closed at once', async () => {
    const peers = await endpoints(2);
    // A long dial timeout: here only the count bound may close a socket.
    const one = await startMember(1, peers, { authentication: { tls: material(ca.leaf('count-one')) }, dialTimeoutMs: 600_000 });
    const maxConnections = TRANSPORT_LIMITS.pendingHandshakesMax + 2 * peers.length;
    const extra = 30;
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < maxConnections + extra; i++) {
      const s = tcpConnect(one.transport.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => { closed++; });
      // Read whatever comes (nothing): an unread socket never sees the server's close.
      s.resume();
      sockets.push(s);
    }
    await until(() => closed >= extra, { message: `${extra} connections beyond ${maxConnections} closed` });
    assert.equal(closed, extra, `the first ${maxConnections} stay open until the handshake timeout`);
    assert.ok(logged(one, /refusing inbound peer connection/, new RegExp(`more than ${maxConnections} peer connections`)).length >= 1);
    for (const s of sockets) s.destroy();
    const two = await startMember(2, peers, { authentication: { tls: material(ca.leaf('count-two')) } });
    await assertLinksWork(one, two, 'once the strangers are gone');
    await stopMembers(one, two);
  });

  test('connections that stall in the TLS handshake, or after it without a hello, are closed by the dial timeout', async () => {
    const peers = await endpoints(2);
    const one = await startMember(1, peers, { authentication: { tls: material(ca.leaf('slow-one')) }, dialTimeoutMs: 300 });
    const silent = Array.from({ length: 10 }, () => {
      const s = tcpConnect(one.transport.port, '127.0.0.1');
      s.on('error', () => {});
      s.resume();
      return new Promise<void>((resolve) => s.on('close', () => resolve()));
    });
    // A member certificate and a finished handshake, then no upgrade request: pending until the hello timeout.
    const member = pem(ca.leaf('silent-member'));
    const afterHandshake = new Promise<boolean>((resolve) => {
      let secure = false;
      const s = tlsConnect({ port: one.transport.port, host: '127.0.0.1', ca: caPem, ...member }, () => { secure = true; });
      s.on('error', () => {});
      s.resume();
      s.on('close', () => resolve(secure));
    });
    await Promise.all(silent);
    assert.equal(await afterHandshake, true, 'the handshake finished, then the silent connection was closed');
    assert.ok(logged(one, /inbound peer TLS handshake failed/, /timeout/i).length >= 1, 'stalled handshakes are logged');
    await stopMembers(one);
  });
});
