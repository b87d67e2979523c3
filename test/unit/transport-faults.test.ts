// PeerTransport against misbehaving and misconfigured peers: handshake refusals, garbage, raw clients,
// a spoofed member id, and a peer that stops answering pings. None of it may throw out of the transport,
// and the good links keep working. (transport-hostile.test.ts goes further: hostile values, memory,
// liveness probes, log volume.)
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { PeerTransport, PeerCloseCode, ensembleIdOf, freePorts } from '../../src/transport/index.js';
import type { LinkStatus, PeerEndpoint, PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { PEER_PROTOCOL_VERSION, encodeMessage, encodeWelcome } from '../../src/transport/codec.js';
import { HELLO_HEADER, encodeHelloHeader } from '../../src/transport/handshake.js';
import { until } from '../support/until.js';

interface LogEntry { level: 'info' | 'warn' | 'debug'; msg: string; meta: Record<string, unknown> }

interface Member {
  id: number;
  transport: PeerTransport<unknown>;
  got: Map<number, unknown[]>;
  logs: LogEntry[];
}

function recordingLogger(logs: LogEntry[]): TransportLogger {
  const add = (level: LogEntry['level']) => (msg: string, meta?: object): void => {
    logs.push({ level, msg, meta: (meta ?? {}) as Record<string, unknown> });
  };
  return { info: add('info'), warn: add('warn'), debug: add('debug') };
}

const running = new Set<PeerTransport<unknown>>();
after(async () => {
  await Promise.all([...running].map((t) => t.close()));
});

async function endpoints(n: number): Promise<PeerEndpoint[]> {
  return (await freePorts(n)).map((port, i) => ({ id: i + 1, host: '127.0.0.1', port }));
}

async function startMember(id: number, peers: readonly PeerEndpoint[], extra: Partial<PeerTransportOptions<unknown>> = {}): Promise<Member> {
  const got = new Map<number, unknown[]>();
  const logs: LogEntry[] = [];
  const transport = await PeerTransport.start<unknown>({
    myId: id,
    ensembleId: ensembleIdOf(peers),
    peers,
    onMessage: (from, message) => got.set(from, [...(got.get(from) ?? []), message]),
    logger: recordingLogger(logs),
    random: () => 0.5,
    reconnectMaxMs: 100,
    ...extra,
  });
  running.add(transport);
  return { id, transport, got, logs };
}

async function stopAll(...members: Member[]): Promise<void> {
  await Promise.all(members.map(async (m) => {
    await m.transport.close();
    running.delete(m.transport);
  }));
}

function link(member: Member, peer: number): LinkStatus {
  const status = member.transport.linkStatus().find((s) => s.peer === peer);
  assert.ok(status);
  return status;
}

function received(member: Member, from: number): unknown[] {
  return member.got.get(from) ?? [];
}

function warnings(member: Member, pattern: RegExp): LogEntry[] {
  return member.logs.filter((e) => e.level === 'warn' && pattern.test(String(e.meta['reason'] ?? '')));
}

/** Sends a message both ways between a and b and waits for both to arrive. */
async function assertLinksWork(a: Member, b: Member, tag: string): Promise<void> {
  const before = [received(b, a.id).length, received(a, b.id).length] as const;
  a.transport.send(b.id, { tag });
  b.transport.send(a.id, { tag });
  await until(() => received(b, a.id).length > before[0] && received(a, b.id).length > before[1], { message: `links work (${tag})` });
  assert.deepEqual(received(b, a.id).at(-1), { tag });
  assert.deepEqual(received(a, b.id).at(-1), { tag });
}

interface Closed { code: number; reason: string }
/** How the acceptor answered an upgrade request it refused. */
interface Refused { status: number; code: string | undefined; told: string | undefined }

interface RawClient {
  socket: WebSocket;
  closed: Promise<Closed>;
  /** Resolves with the refusal, or undefined once the upgrade succeeded. */
  refused: Promise<Refused | undefined>;
  frames: Buffer[];
}

/** A raw ws client on a member's peer port, with the given hello header (or none). */
function rawClient(port: number, hello: string | undefined, onOpen: (socket: WebSocket) => void = () => {}): RawClient {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, hello === undefined ? {} : { headers: { [HELLO_HEADER]: hello } });
  const frames: Buffer[] = [];
  let settle: (r: Refused | undefined) => void = () => {};
  const refused = new Promise<Refused | undefined>((resolve) => { settle = resolve; });
  socket.on('message', (data) => frames.push(data as Buffer));
  socket.on('error', () => {});
  socket.on('unexpected-response', (_req, res) => {
    const header = (name: string): string | undefined => (typeof res.headers[name] === 'string' ? res.headers[name] : undefined);
    settle({ status: res.statusCode ?? 0, code: header('canopy-refusal-code'), told: header('canopy-refusal-reason') });
    res.resume();
    socket.terminate();
  });
  socket.on('open', () => {
    settle(undefined);
    onOpen(socket);
  });
  const closed = new Promise<Closed>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, closed, refused, frames };
}

const helloOf = (serverId: number, ensembleId: string): string => encodeHelloHeader({ version: PEER_PROTOCOL_VERSION, serverId, ensembleId });

describe('PeerTransport against bad peers', () => {
  test('a member of another ensemble is refused, keeps retrying, and never delivers', async () => {
    const peers = await endpoints(3);
    const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
    const intruder = await startMember(3, peers, { ensembleId: 'another-ensemble' });
    intruder.transport.send(1, 'from the wrong ensemble');
    await until(() => warnings(a, /^ensemble mismatch/).length >= 3, { message: 'repeated refusals logged by the acceptor' });
    // The dialler is told that it is not a member, never the acceptor's ensemble id.
    assert.ok(warnings(intruder, /not a member of this ensemble/).length >= 1, 'the dialler logs the reason it got');
    // (Its own acceptor does see the id: the members dial it with their hello, as they dial every configured address.)
    const told = intruder.logs.filter((e) => /^peer link (failed|still failing)$/.test(e.msg));
    assert.ok(told.length >= 1 && told.every((e) => !JSON.stringify(e.meta).includes(ensembleIdOf(peers))), 'the ensemble id is never in a refusal');
    assert.ok(warnings(intruder, /\(4100\)/).length >= 1, 'with the refusal code');
    assert.notEqual(link(intruder, 1).outbound, 'up');
    assert.equal(link(intruder, 1).queued, 1);
    assert.equal(link(a, 3).inbound, false);
    assert.deepEqual(received(a, 3), []);
    await assertLinksWork(a, b, 'after ensemble refusal');
    await stopAll(a, b, intruder);
  });

  test('an unknown server id is refused', async () => {
    const peers = await endpoints(3);
    const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
    const strangerPeers = [peers[0]!, { ...peers[2]!, id: 7 }];
    // Same ensemble id as the real members, so only the id check can refuse it.
    const stranger = await startMember(7, strangerPeers, { ensembleId: ensembleIdOf(peers) });
    stranger.transport.send(1, 'from a stranger');
    await until(() => warnings(a, /^unknown server id 7$/).length >= 2, { message: 'refusals logged' });
    await until(() => warnings(stranger, /not a member of this ensemble/).length >= 1, { message: 'the dialler logs the reason' });
    assert.notEqual(link(stranger, 1).outbound, 'up');
    assert.deepEqual([...a.got.keys()].filter((k) => k !== 2), []);
    await assertLinksWork(a, b, 'after unknown id');
    await stopAll(a, b, stranger);
  });

  test('garbage on the peer port is refused before any WebSocket exists, and closes that connection only', async () => {
    const peers = await endpoints(3);
    const [a, b] = await Promise.all([startMember(1, peers, { dialTimeoutMs: 300 }), startMember(2, peers)]);
    await assertLinksWork(a!, b!, 'before garbage');
    const port = peers[0]!.port;
    const ensembleId = ensembleIdOf(peers);

    const noHello = rawClient(port, undefined, (s) => s.send('nonsense'));
    const notBase64 = rawClient(port, 'not base64 at all!');
    const junk = rawClient(port, Buffer.from([0xc1, 0xff, 0x00, 0x92]).toString('base64url'));
    const notAHello = rawClient(port, Buffer.from(encodeMessage({ hello: 'later' })).toString('base64url'));
    assert.deepEqual(await noHello.refused, { status: 403, code: '4100', told: 'no hello in the upgrade request' });
    assert.deepEqual(await notBase64.refused, { status: 400, code: '4101', told: 'malformed hello header' });
    assert.deepEqual(await junk.refused, { status: 400, code: '4101', told: 'undecodable hello' });
    assert.deepEqual(await notAHello.refused, { status: 403, code: '4100', told: 'expected a hello frame' });

    // A valid hello for member 3 (not running, so its slot is free) opens a link; bad frames then close it.
    const text = rawClient(port, helloOf(3, ensembleId), (s) => s.send('nonsense'));
    assert.equal(await text.refused, undefined);
    assert.deepEqual(await text.closed, { code: PeerCloseCode.PROTOCOL_ERROR, reason: 'text frame on a peer link' });
    const undecodable = rawClient(port, helloOf(3, ensembleId), (s) => s.send(new Uint8Array([0xc1, 0xff, 0x00, 0x92])));
    assert.deepEqual(await undecodable.closed, { code: PeerCloseCode.PROTOCOL_ERROR, reason: 'undecodable frame' });
    const truncated = rawClient(port, helloOf(3, ensembleId), (s) => s.send(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])));
    assert.equal((await truncated.closed).code, PeerCloseCode.PROTOCOL_ERROR);
    const notBatch = rawClient(port, helloOf(3, ensembleId), (s) => s.send(encodeMessage({ not: 'a batch' })));
    assert.deepEqual(await notBatch.closed, { code: PeerCloseCode.PROTOCOL_ERROR, reason: 'expected a batch (array) frame' });

    // Raw TCP: junk is answered 400 by the HTTP layer; silence is answered 408 after the hello timeout.
    const tcpAnswer = async (bytes: string | undefined): Promise<string> => {
      const tcp = connect(port, '127.0.0.1', () => { if (bytes !== undefined) tcp.write(bytes); });
      tcp.on('error', () => {});
      const answer: Buffer[] = [];
      tcp.on('data', (d: Buffer) => answer.push(d));
      await new Promise((resolve) => tcp.on('close', resolve));
      return Buffer.concat(answer).toString();
    };
    assert.match(await tcpAnswer('GARBAGE\r\n\r\n\x00\x01\x02'), /^HTTP\/1.1 400/);
    const silent = await tcpAnswer(undefined);
    assert.match(silent, /^HTTP\/1.1 408/);
    assert.match(silent, /canopy-refusal-code: 4103/);
    assert.match(await tcpAnswer('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1.1 426/);

    await assertLinksWork(a!, b!, 'after garbage');
    assert.ok(warnings(a!, /undecodable frame/).length >= 1);
    assert.equal(link(a!, 2).inbound, true);
    await stopAll(a!, b!);
  });

  test('a claim on a healthy member link is refused; a member that restarts gets through at once', async () => {
    const peers = await endpoints(2);
    const downs: number[] = [];
    const [a, b] = await Promise.all([startMember(1, peers, { onInboundDown: (from) => downs.push(from) }), startMember(2, peers)]);
    await assertLinksWork(a!, b!, 'before spoof');
    const hello = helloOf(2, ensembleIdOf(peers));
    for (let i = 0; i < 5; i++) {
      const spoof = rawClient(peers[0]!.port, hello);
      assert.deepEqual(await spoof.refused, { status: 503, code: '1013', told: 'a live link from that server exists; try again later' });
    }
    await assertLinksWork(a!, b!, 'after spoofs');
    assert.deepEqual(downs, [], 'a refused claim never reports the member down');
    assert.ok(!a!.logs.some((e) => /replaced/.test(e.msg)));

    // Member 2 restarts: its old link closes with the process, so the new one needs no probe.
    await stopAll(b!);
    await until(() => downs.length === 1, { message: 'the real link going down is reported' });
    const b2 = await startMember(2, peers);
    await until(() => link(b2, 1).outbound === 'up' && link(a!, 2).inbound, { message: 'member 2 back' });
    await assertLinksWork(a!, b2, 'after restart');
    assert.deepEqual(downs, [2]);
    await stopAll(a!, b2);
  });

  test('an outbound link whose pongs stop is terminated and redialled', async () => {
    const [port] = await freePorts(1);
    const peers = [{ id: 1, host: '127.0.0.1', port: (await freePorts(1))[0]! }, { id: 2, host: '127.0.0.1', port: port! }];
    // A fake member 2 that welcomes but never answers pings.
    const fake = new WebSocketServer({ host: '127.0.0.1', port, autoPong: false });
    let connections = 0;
    const fakeGot: unknown[] = [];
    fake.on('connection', (socket) => {
      connections++;
      socket.send(encodeWelcome(2));
      socket.on('message', (data) => fakeGot.push(data));
    });
    await new Promise((resolve) => fake.once('listening', resolve));
    const a = await startMember(1, peers, { heartbeatMs: 50 });
    a.transport.send(2, 'hello fake');
    await until(() => fakeGot.length >= 1, { message: 'link up to the fake' });
    await until(() => a.logs.some((e) => e.msg === 'peer link unresponsive, terminating'), { message: 'terminated for missing pongs' });
    await until(() => connections >= 2, { message: 'redialled' });
    await stopAll(a);
    for (const client of fake.clients) client.terminate();
    await new Promise((resolve) => fake.close(resolve));
  });
});
