// The peer port against hostile input: values built to break a check (a map with its own toString where
// a number belongs, prototype keys, bigints, extension types), refusals that must not reveal the
// ensemble id, log lines that must stay short, pre-hello data that must not be buffered, hellos that
// must not displace a healthy member's link, and batches of malformed messages that must not flood the
// log. Each case failed on the transport before the hello moved into the upgrade request.
//
// The memory case runs the acceptor in a child process (this file, started with CHILD_ENV set), so the
// attackers' own buffers do not count.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { PeerTransport, ensembleIdOf, freePorts, silentTransportLogger } from '../../src/transport/index.js';
import type { LinkStatus, PeerEndpoint, PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { PEER_PROTOCOL_VERSION, encodeBatch, encodeMessage, encodeWelcome } from '../../src/transport/codec.js';
import { HELLO_HEADER, checkHello, checkWelcome, encodeHelloHeader } from '../../src/transport/handshake.js';
import { until } from '../support/until.js';

const CHILD_ENV = 'CANOPY_HOSTILE_ACCEPTOR';

interface LogEntry { level: 'info' | 'warn' | 'debug'; msg: string; meta: Record<string, unknown> }

interface Member {
  id: number;
  transport: PeerTransport<unknown>;
  got: Map<number, unknown[]>;
  logs: LogEntry[];
  downs: number[];
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
  const downs: number[] = [];
  const transport = await PeerTransport.start<unknown>({
    myId: id,
    ensembleId: ensembleIdOf(peers),
    peers,
    onMessage: (from, message) => {
      const list = got.get(from) ?? [];
      list.push(message);
      got.set(from, list);
    },
    onInboundDown: (from) => downs.push(from),
    logger: recordingLogger(logs),
    random: () => 0.5,
    reconnectMaxMs: 100,
    livenessProbeMs: 300,
    ...extra,
  });
  running.add(transport);
  return { id, transport, got, logs, downs };
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

async function assertLinksWork(a: Member, b: Member, tag: string): Promise<void> {
  const before = [received(b, a.id).length, received(a, b.id).length] as const;
  a.transport.send(b.id, { tag });
  b.transport.send(a.id, { tag });
  await until(() => received(b, a.id).length > before[0] && received(a, b.id).length > before[1], { message: `links work (${tag})` });
}

/** Encodes what a hostile peer could put on the wire: extension types (Set, Date, bigint, Error, RegExp) included. */
const hostilePackr = new Packr({ useRecords: false, moreTypes: true, useBigIntExtension: true, structuredClone: false });
const headerOf = (frame: unknown): string => Buffer.from(hostilePackr.pack(frame)).toString('base64url');
const helloOf = (serverId: number, ensembleId: string): string => encodeHelloHeader({ version: PEER_PROTOCOL_VERSION, serverId, ensembleId });

/** Values that have broken checks: each must be refused wherever a number, a string or a map belongs. */
function hostileValues(): unknown[] {
  return [
    { toString: 1 }, { toString: 1, valueOf: 1 }, { [Symbol.toPrimitive]: 1 }, JSON.parse('{"__proto__": {"hello": 1}}'), { constructor: 1 },
    Object.create(null), [], [1, 2], null, undefined, true, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -1, 10n ** 20n, 'x'.repeat(100_000),
    new Date(0), new Set([1]), new Map([[1, 2]]), new Uint8Array(3), new Error('boom'), /re/, Symbol('s'),
  ];
}

interface Refused { status: number; code: string | undefined; told: string | undefined }

/**
 * A stranger on the peer port: the hello header (or none), and, should the upgrade be accepted, the same
 * hello as a first frame (the old protocol) and `frames` after it. Resolves with the refusal, or
 * undefined when the upgrade was accepted.
 */
function stranger(port: number, hello: string | undefined, frames: Uint8Array[] = []): Promise<Refused | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, hello === undefined ? {} : { headers: { [HELLO_HEADER]: hello } });
    socket.on('error', () => {});
    socket.on('unexpected-response', (_req, res) => {
      const header = (name: string): string | undefined => (typeof res.headers[name] === 'string' ? res.headers[name] : undefined);
      resolve({ status: res.statusCode ?? 0, code: header('canopy-refusal-code'), told: header('canopy-refusal-reason') });
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      if (hello !== undefined) socket.send(Buffer.from(hello, 'base64url'));
      for (const f of frames) socket.send(f);
      socket.close();
    });
    socket.on('close', () => resolve(undefined));
  });
}

/** Every string in a log entry's meta, however nested. */
function metaStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) metaStrings(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) metaStrings(x, out);
  return out;
}

// ---- the memory case's two halves ----

/** Child mode: one acceptor (member 1 of 2) on a free port; answers "rss" with its peak RSS growth. */
async function runAcceptorChild(): Promise<void> {
  const peers = [{ id: 1, host: '127.0.0.1', port: 0 }, { id: 2, host: '127.0.0.1', port: 9 }];
  const transport = await PeerTransport.start<unknown>({
    myId: 1, ensembleId: ensembleIdOf(peers), peers, listenPort: 0, onMessage: () => {}, logger: silentTransportLogger, reconnectMinMs: 60_000, reconnectMaxMs: 60_000,
  });
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
  console.log(JSON.stringify({ port: transport.port }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'rss') console.log(JSON.stringify({ peakGrowth: Math.max(peak, process.memoryUsage().rss) - baseline }));
    if (line === 'exit') break;
  }
  clearInterval(sampler);
  await transport.close();
  // A stdin still open would keep the child alive.
  process.stdin.destroy();
}

class AcceptorChild {
  private readonly lines: AsyncIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(): Promise<{ child: AcceptorChild; port: number }> {
    // Not as a test file of the runner that started us: its context variable would make the child report to it.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...env, [CHILD_ENV]: '1' }, stdio: 'pipe' });
    const child = new AcceptorChild(proc);
    const { port } = (await child.next()) as { port: number };
    return { child, port };
  }

  /** The next JSON line the child prints (node:test's own output is skipped). */
  private async next(): Promise<unknown> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done === true) throw new Error('the acceptor child exited');
      if (value.startsWith('{')) return JSON.parse(value);
    }
  }

  async peakGrowth(): Promise<number> {
    this.child.stdin.write('rss\n');
    return ((await this.next()) as { peakGrowth: number }).peakGrowth;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write('exit\n');
    await exited;
  }
}

const MIB = 1024 * 1024;

/**
 * A raw TCP attacker: an upgrade request (with the given hello header, or none) pipelined with one masked
 * binary frame of payloadBytes, sent without waiting for an answer. Resolves with the answer's first line.
 */
function pipelinedFrame(port: number, hello: string | undefined, payloadBytes: number): Promise<string> {
  return new Promise((resolve) => {
    const head = [
      'GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, ...(hello === undefined ? [] : [`${HELLO_HEADER}: ${hello}`]), '', '',
    ].join('\r\n');
    // FIN + binary, masked, 64-bit length; a zero mask leaves the payload as it is.
    const frameHead = Buffer.alloc(14);
    frameHead[0] = 0x82;
    frameHead[1] = 0x80 | 127;
    frameHead.writeBigUInt64BE(BigInt(payloadBytes), 2);
    const answer: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(frameHead);
      socket.write(Buffer.alloc(payloadBytes, 0x41));
    });
    socket.on('data', (d: Buffer) => answer.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(answer).toString('latin1').split('\r\n')[0] ?? ''));
  });
}

/** A request whose head alone is headerBytes long. */
function hugeHeader(port: number, headerBytes: number): Promise<string> {
  return new Promise((resolve) => {
    const answer: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Pad: ${'a'.repeat(headerBytes)}\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => answer.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(answer).toString('latin1').split('\r\n')[0] ?? ''));
  });
}

if (process.env[CHILD_ENV] !== undefined) {
  await runAcceptorChild();
} else {
  describe('handshake checks against hostile values', () => {
    const me = { myId: 1, ensembleId: 'ens-0123456789ab', members: new Set([1, 2, 3]) };
    const valid = { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: me.ensembleId };

    test('a hostile value in any field of a hello is refused without throwing', () => {
      for (const bad of hostileValues()) {
        const frames: unknown[] = [
          bad, { hello: bad },
          { hello: { ...valid, version: bad } }, { hello: { ...valid, serverId: bad } }, { hello: { ...valid, ensembleId: bad } },
        ];
        for (const frame of frames) {
          const checked = checkHello(frame, me);
          assert.equal(checked.ok, false);
          if (!checked.ok) assert.doesNotMatch(checked.told, /ens-0123456789ab/);
        }
      }
    });

    test('a hello held by a prototype or a hostile key is refused', () => {
      assert.equal(checkHello(Object.create({ hello: valid }), me).ok, false, 'an inherited hello');
      assert.equal(checkHello({ hello: Object.create(valid) }, me).ok, false, 'inherited fields');
      assert.equal(checkHello({ hello: { ...valid, __proto_: {} } }, me).ok, false, 'a renamed __proto__ key');
      assert.equal(checkHello({ hello: { ...valid, constructor: 1 } }, me).ok, false, 'a constructor key');
      assert.equal(checkHello(new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } }), me).ok, false, 'a throwing proxy');
      assert.equal(checkHello({ hello: valid }, me).ok, true, 'the plain hello still passes');
    });

    test('a hostile welcome is refused without throwing', () => {
      for (const bad of hostileValues()) {
        for (const frame of [bad, { welcome: bad }, { welcome: { serverId: bad } }]) assert.equal(checkWelcome(frame, 2).ok, false);
      }
      assert.equal(checkWelcome(Object.create({ welcome: { serverId: 2 } }), 2).ok, false);
      assert.equal(checkWelcome({ welcome: { serverId: 2 } }, 2).ok, true);
    });
  });

  describe('the peer port against strangers', () => {
    test('hostile, malformed and impostor hellos are refused; the acceptor lives and no link or role is disturbed', async () => {
      const peers = await endpoints(3);
      const [a, b, c] = await Promise.all([startMember(1, peers), startMember(2, peers), startMember(3, peers)]);
      await assertLinksWork(a!, b!, 'before');
      await assertLinksWork(a!, c!, 'before');
      const port = peers[0]!.port;
      const ensembleId = ensembleIdOf(peers);
      const batch = encodeBatch([encodeMessage({ type: 'vote', vote: { leader: 2, zxid: 2 ** 40, peerEpoch: 9 }, electionEpoch: 99, state: 'leading' })]);
      const attempts: Array<[string, string | undefined]> = [
        ['no hello', undefined],
        ['garbage header', 'garbage!'],
        ['huge ensemble id', headerOf({ hello: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: 'E'.repeat(700) } })],
        ['wrong ensemble', helloOf(2, 'f00dfeedf00dfeed')],
        ['unknown id', helloOf(7, ensembleId)],
        ['my own id', helloOf(1, ensembleId)],
        ['claims member 2', helloOf(2, ensembleId)],
        ['claims member 3', helloOf(3, ensembleId)],
        ...hostileValues().filter((v) => typeof v !== 'symbol').flatMap((bad, i): Array<[string, string]> => [
          [`hostile version ${i}`, headerOf({ hello: { version: bad, serverId: 2, ensembleId } })],
          [`hostile serverId ${i}`, headerOf({ hello: { version: PEER_PROTOCOL_VERSION, serverId: bad, ensembleId } })],
          [`hostile ensembleId ${i}`, headerOf({ hello: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: bad } })],
          [`hostile hello ${i}`, headerOf({ hello: bad })],
        ]).filter(([, header]) => header.length < 3000),
      ];
      for (const [what, hello] of attempts) {
        const refused = await stranger(port, hello, [batch]);
        assert.ok(refused !== undefined, `${what}: the upgrade must be refused`);
        assert.ok([400, 403, 503].includes(refused.status), `${what}: status ${refused.status}`);
        assert.ok(refused.told !== undefined && !refused.told.includes(ensembleId), `${what}: the refusal must not reveal the ensemble id`);
      }
      assert.equal(a!.downs.length, 0, 'no member was reported down');
      assert.deepEqual([link(a!, 2).inbound, link(a!, 3).inbound], [true, true]);
      assert.ok(!a!.logs.some((e) => /replaced/.test(e.msg)), 'no link was replaced');
      assert.deepEqual(received(a!, 2).filter((m) => (m as { type?: string }).type === 'vote'), [], 'no stranger delivered a message');
      await assertLinksWork(a!, b!, 'after');
      await assertLinksWork(a!, c!, 'after');
      // Log lines quote a stranger's text clipped: the 700-character ensemble id never appears whole.
      const longest = Math.max(...a!.logs.flatMap((e) => metaStrings(e.meta)).map((s) => s.length));
      assert.ok(longest <= 128, `a log value of ${longest} characters`);
      assert.ok(!a!.logs.some((e) => metaStrings(e.meta).some((s) => s.includes('E'.repeat(40)))));
      await stopAll(a!, b!, c!);
    });

    test('a 1 MiB frame pipelined before the hello is accepted is never buffered: refused, closed, no memory growth', async (t) => {
      const { child, port } = await AcceptorChild.start();
      try {
        // The request head alone is bounded by the HTTP parser.
        const header = await hugeHeader(port, MIB);
        assert.ok(header === '' || /^HTTP\/1.1 431/.test(header), `a 1 MiB request head: ${header}`);
        const attackers = 48;
        const before = await child.peakGrowth();
        const wrongEnsemble = helloOf(2, 'f00dfeedf00dfeed');
        const answers = await Promise.all(Array.from({ length: attackers }, (_, i) => pipelinedFrame(port, i % 2 === 0 ? undefined : wrongEnsemble, MIB)));
        for (const answer of answers) assert.doesNotMatch(answer, /^HTTP\/1.1 101/, 'no attacker got a WebSocket');
        const growth = (await child.peakGrowth()) - before;
        t.diagnostic(`peak RSS growth under ${attackers} pre-hello 1 MiB frames: ${(growth / MIB).toFixed(1)} MiB`);
        // 48 buffered frames would be 48 MiB at least (twice that while concatenated); a refusal holds none.
        assert.ok(growth < 16 * MIB, `the acceptor's RSS grew by ${(growth / MIB).toFixed(1)} MiB under ${attackers} pre-hello MiB frames`);
      } finally {
        await child.stop();
      }
    });
  });

  describe('liveness probe before a member link is replaced', () => {
    test('claims on a healthy link are refused, also when the link is idle and must answer a ping', async () => {
      const peers = await endpoints(2);
      const [a, b] = await Promise.all([startMember(1, peers), startMember(2, peers)]);
      await assertLinksWork(a!, b!, 'before');
      const hello = helloOf(2, ensembleIdOf(peers));
      const refusals: Array<Refused | undefined> = [];
      // Claims keep coming until one found the link idle, pinged it and got the pong back.
      await until(async () => {
        refusals.push(await stranger(peers[0]!.port, hello));
        return a!.logs.some((e) => e.msg === 'pinging the established link of a claimed member')
          && a!.logs.some((e) => e.msg === 'liveness probe of a claimed member link' && e.meta['alive'] === true);
      }, { intervalMs: 50, message: 'a claim answered by a pinged, live link' });
      for (const r of refusals) assert.deepEqual(r && [r.status, r.code], [503, '1013']);
      assert.deepEqual(a!.downs, []);
      assert.equal(link(a!, 2).inbound, true);
      await assertLinksWork(a!, b!, 'after');
      await stopAll(a!, b!);
    });

    test('a dead link (no pong, no bytes) is replaced promptly by the redialling member, and its close reports nothing', async (t) => {
      const peers = await endpoints(2);
      const a = await startMember(1, peers);
      // Something holds member 2's slot and then says nothing and answers no ping: a half-open link.
      const holder = new WebSocket(`ws://127.0.0.1:${peers[0]!.port}/`, { headers: { [HELLO_HEADER]: helloOf(2, ensembleIdOf(peers)) }, autoPong: false });
      holder.on('error', () => {});
      const holderClosed = new Promise((resolve) => holder.on('close', resolve));
      const welcomed = new Promise((resolve) => holder.once('message', resolve));
      assert.deepEqual(new Uint8Array(await welcomed as Buffer), new Uint8Array(encodeWelcome(1)));
      assert.equal(link(a, 2).inbound, true);
      const startedMs = performance.now();
      const b = await startMember(2, peers);
      await until(() => link(b, 1).outbound === 'up', { timeoutMs: 4_000, message: 'the real member replaces the dead link within the probe bound' });
      const tookMs = performance.now() - startedMs;
      t.diagnostic(`the restarted member's link was up ${tookMs.toFixed(0)} ms after it started (probe bound 300 ms)`);
      assert.ok(a.logs.some((e) => e.msg === 'inbound peer link replaced: the old one failed a liveness probe'));
      await holderClosed;
      await assertLinksWork(a, b, `after replacement (${tookMs.toFixed(0)} ms)`);
      assert.deepEqual(a.downs, [], 'the retired link closing reports nothing');
      await stopAll(a, b);
    });
  });

  describe('malformed messages', () => {
    test('a batch of 200k malformed messages is one warning with a count; the good ones are delivered', async () => {
      const peers = await endpoints(2);
      const isGood = (raw: unknown): unknown => (typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'good') ? raw : undefined);
      const a = await startMember(1, peers, { validate: isGood });
      const bad = encodeMessage({ bad: { toString: 1 } });
      const frame = encodeBatch([encodeMessage({ good: 1 }), ...Array.from({ length: 200_000 }, () => bad), encodeMessage({ good: 2 })]);
      // Member 2 is not running: a link claiming it is accepted, and delivers.
      const claimant = new WebSocket(`ws://127.0.0.1:${peers[0]!.port}/`, { headers: { [HELLO_HEADER]: helloOf(2, ensembleIdOf(peers)) } });
      claimant.on('error', () => {});
      await new Promise((resolve) => claimant.once('message', resolve));
      claimant.send(frame);
      await until(() => received(a, 2).length === 2, { message: 'the good messages' });
      assert.deepEqual(received(a, 2), [{ good: 1 }, { good: 2 }]);
      const warned = (): LogEntry[] => a.logs.filter((e) => e.msg === 'dropped malformed peer messages' && e.level === 'warn');
      assert.equal(warned().length, 1);
      assert.equal(warned()[0]!.meta['dropped'], 200_000);
      claimant.send(encodeBatch([bad, bad, encodeMessage({ good: 3 })]));
      await until(() => received(a, 2).length === 3, { message: 'the next batch' });
      assert.equal(warned().length, 1, 'a second batch soon after goes to debug');
      assert.ok(a.logs.some((e) => e.msg === 'dropped malformed peer messages' && e.level === 'debug' && e.meta['droppedTotal'] === 200_002));
      assert.ok(a.logs.length < 20, `${a.logs.length} log lines`);
      claimant.close();
      await stopAll(a);
    });
  });
}

describe('peer frames with lying headers', () => {
  test('an array header claiming millions of elements is refused before decoding', async () => {
    const { decodeFrame } = await import('../../src/transport/codec.js');
    // Found by the fuzzer as a peer hello: 9 bytes that cost msgpackr most of a second.
    assert.throws(() => decodeFrame(Uint8Array.from(Buffer.from('dd01ffffffa1610102', 'hex'))), /claims/);
    assert.throws(() => decodeFrame(new Uint8Array(100_000).fill(0x91)), /deeper/);
    assert.deepEqual(decodeFrame(Uint8Array.from([0x92, 0x01, 0x02])), [1, 2]);
  });
});
