// The fault network's proxy over real loopback sockets: a held direction delivers nothing (bytes, a close, a
// connection attempt) until released, then everything in order; the other direction is unaffected. And
// peerDial routes a peer transport link through it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HoldingProxy } from '../fault/net/holding-proxy.js';
import { FaultNetwork } from '../fault/net/fault-network.js';
import { PeerTransport, ensembleIdOf, freePorts } from '../../src/transport/index.js';
import { until } from '../support/until.js';

interface Sink {
  server: Server;
  port: number;
  accepted: Socket[];
  received: string;
  ended: number;
}

async function sink(): Promise<Sink> {
  const s: Sink = { server: undefined as unknown as Server, port: 0, accepted: [], received: '', ended: 0 };
  s.server = createServer({ allowHalfOpen: true }, (sock) => {
    s.accepted.push(sock);
    sock.on('data', (d) => { s.received += d.toString(); });
    sock.on('end', () => { s.ended++; sock.end(); });
  });
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', () => resolve()));
  s.port = (s.server.address() as AddressInfo).port;
  return s;
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function dial(port: number): Promise<{ sock: Socket; received: () => string }> {
  const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let got = '';
  sock.on('data', (d) => { got += d.toString(); });
  sock.on('error', () => undefined);
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  cleanups.push(() => { sock.destroy(); });
  return { sock, received: () => got };
}

describe('HoldingProxy', () => {
  test('a held forward direction holds bytes and the close, then delivers them in order', async () => {
    const s = await sink();
    cleanups.push(() => new Promise<void>((r) => s.server.close(() => r())));
    const proxy = await HoldingProxy.start({ host: '127.0.0.1', port: s.port });
    cleanups.push(() => proxy.close());
    const c = await dial(proxy.port);
    c.sock.write('a');
    await until(() => s.received === 'a', { message: 'first byte through' });
    proxy.hold('forward', true);
    c.sock.write('b');
    c.sock.write('c');
    c.sock.end();
    // Nothing may cross while held; give it every chance to (a fixed wait is the only way to see an absence).
    await sleep(200);
    assert.equal(s.received, 'a');
    assert.equal(s.ended, 0);
    proxy.hold('forward', false);
    await until(() => s.received === 'abc' && s.ended === 1, { message: 'held bytes and close delivered' });
  });

  test('a held backward direction holds answers while requests still arrive', async () => {
    const s = await sink();
    cleanups.push(() => new Promise<void>((r) => s.server.close(() => r())));
    const proxy = await HoldingProxy.start({ host: '127.0.0.1', port: s.port });
    cleanups.push(() => proxy.close());
    const c = await dial(proxy.port);
    await until(() => s.accepted.length === 1, { message: 'connection through' });
    proxy.hold('backward', true);
    c.sock.write('request');
    s.accepted[0]!.write('answer');
    await until(() => s.received === 'request', { message: 'request arrives' });
    await sleep(200);
    assert.equal(c.received(), '');
    proxy.hold('backward', false);
    await until(() => c.received() === 'answer', { message: 'answer delivered late' });
  });

  test('a connection attempt made while forward is held reaches the target only when released', async () => {
    const s = await sink();
    cleanups.push(() => new Promise<void>((r) => s.server.close(() => r())));
    const proxy = await HoldingProxy.start({ host: '127.0.0.1', port: s.port });
    cleanups.push(() => proxy.close());
    proxy.hold('forward', true);
    const c = await dial(proxy.port);
    c.sock.write('late');
    await sleep(200);
    assert.equal(s.accepted.length, 0);
    proxy.hold('forward', false);
    await until(() => s.received === 'late', { message: 'held connection goes through' });
  });
});

describe('FaultNetwork and peerDial', () => {
  test('a peer link dialled through the network stops while blocked and resumes when healed', async () => {
    const ports = await freePorts(2);
    const net = await FaultNetwork.start([{ id: 1, clientPort: 1, peerPort: ports[0]! }, { id: 2, clientPort: 1, peerPort: ports[1]! }], 0);
    cleanups.push(() => net.close());
    const peers = ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port }));
    const got: unknown[] = [];
    const dialFor = (id: number) => peers.map((p) => {
      const d = net.peerDialConfig(id)[`peerDial.${p.id}`];
      return d === undefined ? p : { ...p, dial: { host: '127.0.0.1', port: Number(d.split(':')[1]) } };
    });
    const t1 = await PeerTransport.start<unknown>({ myId: 1, ensembleId: ensembleIdOf(peers), peers: dialFor(1), onMessage: () => undefined, reconnectMaxMs: 200 });
    const t2 = await PeerTransport.start<unknown>({ myId: 2, ensembleId: ensembleIdOf(peers), peers: dialFor(2), onMessage: (_from, m) => got.push(m), reconnectMaxMs: 200 });
    cleanups.push(() => t1.close(), () => t2.close());
    t1.send(2, 'one');
    await until(() => got.length === 1, { message: 'message through the proxy' });
    net.block('s1', 's2');
    t1.send(2, 'two');
    await sleep(200);
    assert.deepEqual(got, ['one']);
    net.healAll();
    await until(() => got.includes('two'), { message: 'message delivered after heal' });
  });
});
