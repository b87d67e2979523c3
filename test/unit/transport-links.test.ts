// PeerTransport over real loopback sockets: delivery, order, batching, queueing while a peer is down,
// reconnect after a restart, and the queue bound. Waits for conditions, never for fixed delays.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PeerTransport, TransportError, UnknownPeerError, ensembleIdOf, freePorts } from '../../src/transport/index.js';
import type { LinkStatus, PeerEndpoint, PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { until } from '../support/until.js';

interface LogEntry { level: 'info' | 'warn' | 'debug'; msg: string; meta: object | undefined }

interface Member {
  id: number;
  transport: PeerTransport<unknown>;
  /** Messages received, per sender. */
  got: Map<number, unknown[]>;
  logs: LogEntry[];
}

function recordingLogger(logs: LogEntry[]): TransportLogger {
  return {
    info: (msg, meta) => logs.push({ level: 'info', msg, meta }),
    warn: (msg, meta) => logs.push({ level: 'warn', msg, meta }),
    debug: (msg, meta) => logs.push({ level: 'debug', msg, meta }),
  };
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
    onMessage: (from, message) => {
      const list = got.get(from) ?? [];
      list.push(message);
      got.set(from, list);
    },
    logger: recordingLogger(logs),
    random: () => 0.5,
    reconnectMaxMs: 200,
    ...extra,
  });
  running.add(transport);
  return { id, transport, got, logs };
}

async function stop(member: Member): Promise<void> {
  await member.transport.close();
  running.delete(member.transport);
}

function link(member: Member, peer: number): LinkStatus {
  const status = member.transport.linkStatus().find((s) => s.peer === peer);
  assert.ok(status, `no link from ${member.id} to ${peer}`);
  return status;
}

function received(member: Member, from: number): unknown[] {
  return member.got.get(from) ?? [];
}

describe('PeerTransport links', () => {
  test('three members exchange 10k messages each way, in order and batched', async () => {
    const peers = await endpoints(3);
    const members = await Promise.all(peers.map((p) => startMember(p.id, peers)));
    const count = 10_000;
    const turns = 100;
    for (let turn = 0; turn < turns; turn++) {
      for (let i = turn * (count / turns); i < (turn + 1) * (count / turns); i++) {
        for (const m of members) for (const p of peers) if (p.id !== m.id) m.transport.send(p.id, { from: m.id, n: i });
      }
      await nextTurn();
    }
    await until(() => members.every((m) => peers.every((p) => p.id === m.id || received(m, p.id).length >= count)), {
      message: 'all messages delivered',
    });
    const expected = (from: number): unknown[] => Array.from({ length: count }, (_, n) => ({ from, n }));
    for (const m of members) {
      for (const p of peers) {
        if (p.id === m.id) continue;
        assert.deepEqual(received(m, p.id), expected(p.id), `${p.id} → ${m.id}`);
        const out = link(m, p.id);
        assert.equal(out.outbound, 'up');
        assert.equal(out.inbound, true);
        assert.equal(out.sentMessages, count);
        assert.equal(out.receivedMessages, count);
        assert.equal(out.dropped, 0);
        assert.equal(out.queued, 0);
        assert.ok(out.sentFrames < out.sentMessages, `batched: ${out.sentFrames} frames for ${out.sentMessages} messages`);
        assert.ok(out.sentFrames <= turns, `at most one frame per turn: ${out.sentFrames}`);
      }
    }
    await Promise.all(members.map(stop));
  });

  test('binaries and large integers arrive intact', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all(peers.map((p) => startMember(p.id, peers)));
    const message = { zxid: 2 ** 52 + 3, neg: -(2 ** 52 + 3), data: new Uint8Array([0, 7, 255]), txns: [{ data: new Uint8Array(70_000).fill(3) }] };
    a!.transport.send(2, message);
    await until(() => received(b!, 1).length === 1, { message: 'delivery' });
    const [got] = received(b!, 1) as Array<typeof message>;
    assert.deepStrictEqual(got, message);
    assert.equal(got!.zxid, 4503599627370499);
    assert.ok(got!.data instanceof Uint8Array);
    await Promise.all([a!, b!].map(stop));
  });

  test('a member that starts later gets what was queued for it; after a restart it gets messages again', async () => {
    const peers = await endpoints(3);
    const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
    for (let n = 0; n < 50; n++) a!.transport.send(3, { n });
    assert.notEqual(link(a!, 3).outbound, 'up');
    assert.equal(link(a!, 3).queued, 50);

    let c = await startMember(3, peers);
    await until(() => received(c, 1).length >= 50, { message: 'queued messages delivered' });
    assert.deepEqual(received(c, 1), Array.from({ length: 50 }, (_, n) => ({ n })));
    await until(() => link(a!, 3).outbound === 'up' && link(a!, 3).queued === 0);

    await stop(c);
    await until(() => link(a!, 3).outbound !== 'up', { message: 'link to 3 noticed down' });
    for (let n = 50; n < 70; n++) a!.transport.send(3, { n });
    b!.transport.send(3, { from: 2 });
    c = await startMember(3, peers);
    await until(() => received(c, 1).length >= 20 && received(c, 2).length >= 1, { message: 'delivery after restart' });
    assert.deepEqual(received(c, 1), Array.from({ length: 20 }, (_, n) => ({ n: 50 + n })));
    assert.deepEqual(received(c, 2), [{ from: 2 }]);
    c.transport.send(1, 'back');
    await until(() => received(a!, 3).length === 1, { message: 'the restarted member can send too' });
    assert.ok(a!.logs.some((e) => e.msg === 'peer link down'), 'the drop was logged');
    await Promise.all([a!, b!, c].map(stop));
  });

  test('beyond queueMessagesMax the oldest messages to a down peer are dropped and counted', async () => {
    const peers = await endpoints(2);
    const a = await startMember(1, peers, { queueMessagesMax: 10 });
    for (let n = 0; n < 25; n++) a.transport.send(2, { n });
    await nextTurn();
    assert.equal(link(a, 2).queued, 10);
    assert.equal(link(a, 2).dropped, 15);
    const b = await startMember(2, peers);
    await until(() => received(b, 1).length >= 10, { message: 'the newest 10 delivered' });
    assert.deepEqual(received(b, 1), Array.from({ length: 10 }, (_, n) => ({ n: 15 + n })));
    assert.equal(link(a, 2).dropped, 15);
    assert.equal(a.logs.filter((e) => e.level === 'warn' && /queue full/.test(e.msg)).length, 1);
    await Promise.all([a, b].map(stop));
  });

  test('the byte bound (queueBytesMax) also drops the oldest', async () => {
    const peers = await endpoints(2);
    const a = await startMember(1, peers, { queueBytesMax: 5_000 });
    const pad = 'x'.repeat(1_000);
    for (let n = 0; n < 20; n++) a.transport.send(2, { n, pad });
    await nextTurn();
    const { queued, dropped } = link(a, 2);
    assert.equal(queued + dropped, 20);
    assert.ok(queued >= 4 && queued < 5, `about 5000 bytes of ~1010-byte messages: ${queued}`);
    await stop(a);
  });

  test('one turn of output reaches an up link whole, even beyond queueBytesMax (a SNAP then proposals)', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all(peers.map((p) => startMember(p.id, peers, { queueBytesMax: 10_000 })));
    await until(() => link(a!, 2).outbound === 'up', { message: 'link up' });
    const snapshot = new Uint8Array(200_000).fill(5);
    a!.transport.send(2, { type: 'sync', snapshot });
    for (let n = 0; n < 100; n++) a!.transport.send(2, { type: 'proposal', n, pad: 'p'.repeat(200) });
    await until(() => received(b!, 1).length >= 101, { message: 'all delivered' });
    assert.deepStrictEqual(received(b!, 1)[0], { type: 'sync', snapshot });
    assert.equal(link(a!, 2).dropped, 0);
    await Promise.all([a!, b!].map(stop));
  });

  test('a message larger than maxPayloadBytes is dropped with a warning; the link carries on', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all(peers.map((p) => startMember(p.id, peers, { maxPayloadBytes: 50_000 })));
    a!.transport.send(2, { n: 1 });
    a!.transport.send(2, { n: 2, big: new Uint8Array(60_000) });
    a!.transport.send(2, { n: 3, fits: new Uint8Array(40_000) });
    a!.transport.send(2, { n: 4, fits: new Uint8Array(40_000) });
    await until(() => received(b!, 1).length >= 3, { message: 'the others delivered' });
    assert.deepEqual(received(b!, 1).map((m) => (m as { n: number }).n), [1, 3, 4]);
    assert.equal(link(a!, 2).dropped, 1);
    assert.ok(link(a!, 2).sentFrames >= 2, 'frames split to stay under maxPayloadBytes');
    assert.ok(a!.logs.some((e) => e.level === 'warn' && /larger than maxPayloadBytes/.test(e.msg)));
    await Promise.all([a!, b!].map(stop));
  });

  test('misuse and start-up failures are typed errors; send after close is ignored', async () => {
    const peers = await endpoints(2);
    const a = await startMember(1, peers);
    assert.throws(() => a.transport.send(9, 'x'), UnknownPeerError);
    assert.throws(() => a.transport.send(1, 'x'), UnknownPeerError);
    await assert.rejects(startMember(1, peers), TransportError, 'port already in use');
    await assert.rejects(startMember(5, peers), TransportError, 'my id is not a member');
    await assert.rejects(startMember(1, [...peers, peers[0]!]), TransportError, 'duplicate id');
    await stop(a);
    a.transport.send(2, 'after close');
    assert.equal(link(a, 2).queued, 0);
    assert.equal(link(a, 2).outbound, 'down');
  });
});
