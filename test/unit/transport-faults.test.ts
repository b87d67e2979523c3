// PeerTransport against misbehaving and misconfigured peers: handshake refusals, garbage frames, raw
// clients, a spoofed member id, and a peer that stops answering pings. None of it may throw out of the
// transport, and the good links keep working.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { PeerTransport, CloseCode, ensembleIdOf, freePorts } from '../../src/transport/index.js';
import type { LinkStatus, PeerEndpoint, PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { encodeBatch, encodeHello, encodeMessage, encodeWelcome } from '../../src/transport/codec.js';
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

/** A raw ws client on a member's peer port; resolves with how the member closed it. */
function rawClient(port: number, onOpen: (socket: WebSocket) => void): { socket: WebSocket; closed: Promise<Closed>; frames: Buffer[] } {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
  const frames: Buffer[] = [];
  socket.on('message', (data) => frames.push(data as Buffer));
  socket.on('error', () => {});
  socket.on('open', () => onOpen(socket));
  const closed = new Promise<Closed>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, closed, frames };
}

describe('PeerTransport against bad peers', () => {
  test('a member of another ensemble is refused, keeps retrying, and never delivers', async () => {
    const peers = await endpoints(3);
    const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
    const intruder = await startMember(3, peers, { ensembleId: 'another-ensemble' });
    intruder.transport.send(1, 'from the wrong ensemble');
    await until(() => warnings(a, /^ensemble mismatch/).length >= 3, { message: 'repeated refusals logged by the acceptor' });
    assert.ok(warnings(intruder, /ensemble mismatch/).length >= 1, 'the dialler logs the reason it got');
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
    await until(() => warnings(stranger, /unknown server id 7/).length >= 1, { message: 'the dialler logs the reason' });
    assert.notEqual(link(stranger, 1).outbound, 'up');
    assert.deepEqual([...a.got.keys()].filter((k) => k !== 2), []);
    await assertLinksWork(a, b, 'after unknown id');
    await stopAll(a, b, stranger);
  });

  test('garbage on the peer port closes that connection only', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all([startMember(1, peers, { dialTimeoutMs: 300 }), startMember(2, peers)]);
    await assertLinksWork(a!, b!, 'before garbage');
    const port = peers[0]!.port;

    const text = rawClient(port, (s) => s.send('nonsense'));
    const junk = rawClient(port, (s) => s.send(new Uint8Array([0xc1, 0xff, 0x00, 0x92])));
    const truncated = rawClient(port, (s) => s.send(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])));
    const silent = rawClient(port, () => {});
    const notArray = rawClient(port, (s) => s.send(encodeMessage({ hello: 'later' })));
    assert.equal((await text.closed).code, CloseCode.PROTOCOL_ERROR);
    assert.match((await junk.closed).reason, /undecodable frame/);
    assert.equal((await truncated.closed).code, CloseCode.PROTOCOL_ERROR);
    assert.deepEqual(await silent.closed, { code: CloseCode.TIMEOUT, reason: 'no hello within 300 ms' });
    assert.deepEqual(await notArray.closed, { code: CloseCode.HANDSHAKE_REFUSED, reason: 'expected a hello frame' });

    // Raw TCP junk never becomes a WebSocket: the HTTP layer drops it.
    const tcp = connect(port, '127.0.0.1', () => tcp.write('GARBAGE\r\n\r\n\x00\x01\x02'));
    tcp.on('error', () => {});
    const answer: Buffer[] = [];
    tcp.on('data', (d: Buffer) => answer.push(d));
    await new Promise((resolve) => tcp.on('close', resolve));
    assert.match(Buffer.concat(answer).toString(), /^HTTP\/1.1 400/);

    await assertLinksWork(a!, b!, 'after garbage');
    assert.ok(warnings(a!, /undecodable frame/).length >= 1);
    assert.equal(link(a!, 2).inbound, true);
    await stopAll(a!, b!);
  });

  test('a newer connection with the same id replaces the older one, and bad frames after hello are refused', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
    await assertLinksWork(a!, b!, 'before spoof');
    const hello = encodeHello({ version: 1, serverId: 2, ensembleId: ensembleIdOf(peers) });
    const spoof = rawClient(peers[0]!.port, (s) => s.send(hello));
    await until(() => spoof.frames.length === 1, { message: 'welcome to the spoofer' });
    assert.deepEqual(new Uint8Array(spoof.frames[0]!), new Uint8Array(encodeWelcome(1)));
    spoof.socket.send(encodeBatch([encodeMessage('spoofed')]));
    await until(() => received(a!, 2).includes('spoofed'), { message: 'a newer link delivers' });
    // Member 2 notices its link was replaced, redials, and replaces the spoofer in turn.
    assert.equal((await spoof.closed).code, CloseCode.REPLACED);
    await until(() => link(b!, 1).outbound === 'up' && link(a!, 2).inbound, { message: 'member 2 back' });
    await assertLinksWork(a!, b!, 'after spoof');

    const late = rawClient(peers[0]!.port, (s) => {
      s.send(hello);
      s.send(encodeMessage({ not: 'a batch' }));
    });
    assert.deepEqual(await late.closed, { code: CloseCode.PROTOCOL_ERROR, reason: 'expected a batch (array) frame' });
    await until(() => link(b!, 1).outbound === 'up' && link(a!, 2).inbound, { message: 'member 2 back again' });
    await assertLinksWork(a!, b!, 'after bad batch');
    await stopAll(a!, b!);
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
      socket.once('message', () => {
        socket.send(encodeWelcome(2));
        socket.on('message', (data) => fakeGot.push(data));
      });
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
