// The client against an in-process fake server speaking the wire protocol (protocol/codec.ts) over a
// real ws WebSocketServer on port 0. The fake answers what each test tells it to, nothing more.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import {
  AddWatchMode, CloseCode, CreateMode, DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_FRAME_BYTES, ErrorCode, EventType, KeeperState, OpCode,
  PROTOCOL_VERSION, WatcherType, Xid, decode, decodeConnectRequest, encode,
} from '../../protocol/index.js';
import type { ConnectRequest, Stat, WatchedEvent } from '../../protocol/index.js';
import { Client, KeeperError, Op } from '../../client/index.js';
import type { ClientOptions, ClientState } from '../../client/index.js';

type Frame = Record<string, unknown> & { xid: number; op: number; path?: string };
type ConnectAnswer = 'ok' | 'expired' | 'silent' | { close: number; reason: string };

interface ServerConn {
  ws: WebSocket;
  connect: ConnectRequest;
  /** Every frame after the handshake except pings. */
  frames: Frame[];
  pings: number;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

function stat(fields: Partial<Stat> = {}): Stat {
  return { czxid: 1, mzxid: 1, pzxid: 1, ctime: 1, mtime: 1, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0, ...fields };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

class FakeServer {
  readonly conns: ServerConn[] = [];
  zxid = 2 ** 32 + 5;
  timeoutMs = 10_000;
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  maxDataBytes = DEFAULT_MAX_DATA_BYTES;
  readonly sessionId = 0x12_3456_789a;
  readonly passwd = new Uint8Array(16).fill(7);
  answerPings = true;
  onConnect: (request: ConnectRequest) => ConnectAnswer = () => 'ok';
  onRequest: (frame: Frame, conn: ServerConn) => void = () => {};

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => this.accept(ws));
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const server = new FakeServer(wss);
    servers.push(server);
    return server;
  }

  get address(): string {
    const address = this.wss.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected address');
    return `127.0.0.1:${address.port}`;
  }

  get last(): ServerConn {
    const conn = this.conns[this.conns.length - 1];
    if (conn === undefined) throw new Error('no connection yet');
    return conn;
  }

  /** Every request frame (no pings) on every connection. */
  get requests(): Frame[] {
    return this.conns.flatMap((c) => c.frames);
  }

  send(conn: ServerConn, frame: object): void {
    conn.ws.send(encode(frame));
  }

  respond(conn: ServerConn, xid: number, body: object = {}, err: number = ErrorCode.OK): void {
    this.send(conn, { xid, zxid: this.zxid, err, ...body });
  }

  notify(conn: ServerConn, type: number, path: string): void {
    this.send(conn, { xid: Xid.NOTIFICATION, zxid: this.zxid, err: 0, type, state: KeeperState.SyncConnected, path });
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    let conn: ServerConn | undefined;
    ws.on('message', (data: Buffer) => {
      if (conn === undefined) {
        const decoded = decodeConnectRequest(data);
        assert.ok(decoded.ok, 'the client sends a valid ConnectRequest');
        conn = { ws, connect: decoded.value, frames: [], pings: 0 };
        this.conns.push(conn);
        this.handshake(conn);
        return;
      }
      const frame = decode(data) as Frame;
      if (frame.op === OpCode.ping) {
        conn.pings++;
        if (this.answerPings) this.respond(conn, Xid.PING);
        return;
      }
      conn.frames.push(frame);
      if (frame.op === OpCode.setWatches2) return this.respond(conn, Xid.SET_WATCHES);
      if (frame.op === OpCode.closeSession) {
        this.respond(conn, frame.xid);
        ws.close(CloseCode.NORMAL, 'session closed');
        return;
      }
      this.onRequest(frame, conn);
    });
  }

  private handshake(conn: ServerConn): void {
    const answer = this.onConnect(conn.connect);
    if (answer === 'silent') return;
    if (typeof answer === 'object') return conn.ws.close(answer.close, answer.reason);
    const ok = answer === 'ok';
    this.send(conn, {
      protocolVersion: PROTOCOL_VERSION,
      err: ok ? ErrorCode.OK : ErrorCode.SESSIONEXPIRED,
      timeoutMs: ok ? this.timeoutMs : 0,
      sessionId: ok ? this.sessionId : 0,
      passwd: ok ? this.passwd : new Uint8Array(0),
      readOnly: false,
      zxid: this.zxid,
      maxFrameBytes: this.maxFrameBytes,
      maxDataBytes: this.maxDataBytes,
      serverId: 1,
    });
  }
}

const servers: FakeServer[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function connect(connectString: string, options: ClientOptions = {}): Promise<{ client: Client; states: ClientState[] }> {
  const client = await Client.connect(connectString, { webSocket: WebSocket, retry: { initialDelayMs: 10, maxDelayMs: 50 }, ...options });
  clients.push(client);
  const states: ClientState[] = [];
  client.on('state', (s) => states.push(s));
  return { client, states };
}

function rejectsWith(code: ErrorCode, path?: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(KeeperError.is(e, code), `expected ${code}, got ${String(e)}`);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  };
}

describe('handshake, requests and responses', () => {
  test('handshake presents a new session and adopts the negotiated one', async () => {
    const server = await FakeServer.start();
    server.timeoutMs = 6_000;
    const { client } = await connect(server.address, { sessionTimeoutMs: 12_000 });
    const request = server.last.connect;
    assert.deepEqual(
      { ...request, passwd: [...request.passwd] },
      { protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeoutMs: 12_000, sessionId: 0, passwd: [], readOnly: false },
    );
    assert.equal(client.state, 'connected');
    assert.equal(client.sessionId, server.sessionId);
    assert.deepEqual(client.sessionPasswd, server.passwd);
    assert.equal(client.sessionTimeoutMs, 6_000);
  });

  test('a response resolves its call; an error response rejects with the code and path', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      if (frame.path === '/a') server.respond(conn, frame.xid, { data: utf8.encode('v1'), stat: stat({ version: 3 }) });
      else server.respond(conn, frame.xid, {}, ErrorCode.NONODE);
    };
    const { client } = await connect(server.address);
    server.zxid += 10;
    const { data, stat: st } = await client.getData('/a');
    assert.equal(text.decode(data), 'v1');
    assert.equal(st.version, 3);
    assert.equal(client.lastZxidSeen, server.zxid);
    assert.deepEqual(server.requests.map((f) => [f.op, f.path, f.watch]), [[OpCode.getData, '/a', false]]);
    await assert.rejects(client.getData('/missing'), rejectsWith(ErrorCode.NONODE, '/missing'));
    assert.equal(await client.exists('/missing'), null);
  });

  test('requests carry increasing xids and the ops of the SDK shape', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      switch (frame.op) {
        case OpCode.create2:
        case OpCode.createTTL:
          return server.respond(conn, frame.xid, { path: `${frame.path}0000000007`, stat: stat() });
        case OpCode.getChildren2:
          return server.respond(conn, frame.xid, { children: ['x', 'y'], stat: stat({ numChildren: 2 }) });
        case OpCode.setData:
          return server.respond(conn, frame.xid, { stat: stat({ version: 1 }) });
        case OpCode.getEphemerals:
          return server.respond(conn, frame.xid, { ephemerals: ['/e1'] });
        case OpCode.getAllChildrenNumber:
          return server.respond(conn, frame.xid, { totalNumber: 9 });
        default:
          return server.respond(conn, frame.xid, frame.op === OpCode.sync ? { path: frame.path } : {});
      }
    };
    const { client } = await connect(server.address);
    assert.equal(await client.create('/app/job-', 'x', { mode: CreateMode.EPHEMERAL_SEQUENTIAL }), '/app/job-0000000007');
    assert.equal(await client.create('/t-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 1000 }), '/t-0000000007');
    assert.deepEqual((await client.getChildren('/app')).children, ['x', 'y']);
    assert.equal((await client.setData('/app', 'v2', 0)).version, 1);
    await client.delete('/app/job-0000000007');
    await client.sync('/app');
    assert.deepEqual(await client.getEphemerals(), ['/e1']);
    assert.equal(await client.getAllChildrenNumber('/'), 9);
    const frames = server.requests;
    assert.deepEqual(frames.map((f) => f.op), [
      OpCode.create2, OpCode.createTTL, OpCode.getChildren2, OpCode.setData, OpCode.delete, OpCode.sync, OpCode.getEphemerals, OpCode.getAllChildrenNumber,
    ]);
    const xids = frames.map((f) => f.xid);
    assert.deepEqual(xids, [...xids].sort((a, b) => a - b));
    assert.equal(new Set(xids).size, xids.length);
    assert.deepEqual({ ...frames[0], data: [...(frames[0]!.data as Uint8Array)] }, { xid: frames[0]!.xid, op: OpCode.create2, path: '/app/job-', data: [...utf8.encode('x')], acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    assert.equal(frames[1]!.ttl, 1000);
    assert.deepEqual([frames[4]!.path, frames[4]!.version], ['/app/job-0000000007', -1]);
  });

  test('pings go out when idle, and answered pings keep the link', async () => {
    const server = await FakeServer.start();
    server.timeoutMs = 300;
    const { client, states } = await connect(server.address);
    await until(() => server.last.pings >= 4, 'four pings');
    assert.equal(server.conns.length, 1);
    assert.equal(client.state, 'connected');
    assert.deepEqual(states, []);
  });
});

describe('watches over the wire', () => {
  test('a notification arriving before a response fires the watcher first', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      if (frame.op === OpCode.getData) return server.respond(conn, frame.xid, { data: new Uint8Array(0), stat: stat() });
      server.zxid++;
      server.notify(conn, EventType.NodeDataChanged, '/a');
      server.respond(conn, frame.xid, { stat: stat({ version: 1 }) });
    };
    const { client } = await connect(server.address);
    const order: string[] = [];
    await client.getData('/a', { watch: (e) => order.push(`watch ${e.type} ${e.path} ${e.state}`) });
    await client.setData('/a', 'v2');
    order.push('setData');
    assert.deepEqual(order, [`watch ${EventType.NodeDataChanged} /a ${KeeperState.SyncConnected}`, 'setData']);
    assert.equal(client.lastZxidSeen, server.zxid);
    // One-shot: a second change does not reach it.
    await client.setData('/a', 'v3');
    assert.equal(order.length, 2);
  });

  test('a watch is armed as its response is read, even when the event follows in the same burst', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      server.respond(conn, frame.xid, { children: [], stat: stat() });
      server.notify(conn, EventType.NodeChildrenChanged, '/p');
    };
    const { client } = await connect(server.address);
    const events: WatchedEvent[] = [];
    await client.getChildren('/p', { watch: (e) => events.push(e) });
    await until(() => events.length === 1, 'the child event');
    assert.equal(events[0]!.type, EventType.NodeChildrenChanged);
  });

  test('exists on a missing node arms a watch that fires on creation; getData on NONODE arms none', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => server.respond(conn, frame.xid, {}, ErrorCode.NONODE);
    const { client } = await connect(server.address);
    const seen: string[] = [];
    assert.equal(await client.exists('/n', { watch: (e) => seen.push(`exists ${e.type}`) }), null);
    await assert.rejects(client.getData('/n', { watch: (e) => seen.push(`getData ${e.type}`) }), rejectsWith(ErrorCode.NONODE));
    assert.equal(server.requests[0]!.watch, true);
    server.notify(server.last, EventType.NodeCreated, '/n');
    await until(() => seen.length > 0, 'the created event');
    assert.deepEqual(seen, [`exists ${EventType.NodeCreated}`]);
  });

  test('a throwing watcher is reported and does not break the client', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => server.respond(conn, frame.xid, { data: new Uint8Array(0), stat: stat() });
    const { client } = await connect(server.address);
    const errors: unknown[] = [];
    client.on('listenerError', (e) => errors.push(e));
    const fired: string[] = [];
    await client.getData('/x', { watch: () => { throw new Error('boom'); } });
    await client.getData('/x', { watch: () => fired.push('second') });
    server.notify(server.last, EventType.NodeDataChanged, '/x');
    await until(() => fired.length === 1, 'the second watcher');
    assert.equal((errors[0] as Error).message, 'boom');
    assert.equal((await client.getData('/x')).data.byteLength, 0);
  });

  test('persistent recursive watches stay; removeWatches tells the server only when the last watcher goes', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => server.respond(conn, frame.xid, frame.op === OpCode.getData ? { data: new Uint8Array(0), stat: stat() } : {});
    const { client } = await connect(server.address);
    const seen: string[] = [];
    const recursive = (e: WatchedEvent): void => void seen.push(`r ${e.type} ${e.path}`);
    await client.addWatch('/app', recursive, AddWatchMode.PERSISTENT_RECURSIVE);
    assert.deepEqual(server.requests.map((f) => [f.op, f.path, f.mode]), [[OpCode.addWatch, '/app', AddWatchMode.PERSISTENT_RECURSIVE]]);
    server.notify(server.last, EventType.NodeCreated, '/app/a/b');
    server.notify(server.last, EventType.NodeDataChanged, '/app');
    await until(() => seen.length === 2, 'two recursive events');

    const w1 = (e: WatchedEvent): void => void seen.push(`w1 ${e.type}`);
    const w2 = (e: WatchedEvent): void => void seen.push(`w2 ${e.type}`);
    await client.getData('/d', { watch: w1 });
    await client.getData('/d', { watch: w2 });
    const before = server.requests.length;
    await client.removeWatches('/d', w1, WatcherType.Data);
    assert.equal(server.requests.length, before, 'w2 still needs the server watch');
    await client.removeWatches('/d', null, WatcherType.Data);
    assert.deepEqual(server.requests.slice(before).map((f) => [f.op, f.path, f.watcherType]), [[OpCode.removeWatches, '/d', WatcherType.Data]]);
    await assert.rejects(client.removeWatches('/d', null, WatcherType.Data), rejectsWith(ErrorCode.NOWATCHER, '/d'));
    await client.removeWatches('/app', recursive, WatcherType.PersistentRecursive, true);
    assert.deepEqual(seen, [
      `r ${EventType.NodeCreated} /app/a/b`,
      `r ${EventType.NodeDataChanged} /app`,
      `w1 ${EventType.DataWatchRemoved}`,
      `w2 ${EventType.DataWatchRemoved}`,
      `r ${EventType.PersistentWatchRemoved} /app`,
    ]);
  });
});

describe('connection loss and reconnect', () => {
  test('a dropped link fails in-flight calls, resumes the session and re-sends watches first', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      if (frame.path === '/hang') return;
      server.zxid++;
      if (frame.op === OpCode.exists) return server.respond(conn, frame.xid, {}, ErrorCode.NONODE);
      server.respond(conn, frame.xid, { data: new Uint8Array(0), children: [], stat: stat() });
    };
    const { client, states } = await connect(server.address);
    const watch = (): void => {};
    await client.getData('/w', { watch });
    await client.getChildren('/c', { watch });
    await client.exists('/e', { watch });
    await client.addWatch('/p', watch, AddWatchMode.PERSISTENT);
    const zxidBefore = client.lastZxidSeen;
    assert.equal(zxidBefore, server.zxid);
    const hanging = client.getData('/hang');
    await until(() => server.requests.some((f) => f.path === '/hang'), 'the hanging request');

    server.last.ws.terminate();
    await assert.rejects(hanging, rejectsWith(ErrorCode.CONNECTIONLOSS, '/hang'));
    assert.equal(client.state, 'disconnected');
    const queued = client.getData('/w');
    await queued;
    assert.equal(server.conns.length, 2);
    assert.deepEqual(states, ['disconnected', 'connected']);

    const second = server.conns[1]!;
    assert.equal(second.connect.sessionId, server.sessionId);
    assert.deepEqual([...second.connect.passwd], [...server.passwd]);
    assert.equal(second.connect.lastZxidSeen, zxidBefore);
    assert.deepEqual(second.frames[0], {
      xid: Xid.SET_WATCHES,
      op: OpCode.setWatches2,
      relativeZxid: zxidBefore,
      dataWatches: ['/w'],
      existWatches: ['/e'],
      childWatches: ['/c'],
      persistentWatches: ['/p'],
      persistentRecursiveWatches: [],
    });
    assert.deepEqual([second.frames[1]!.op, second.frames[1]!.path], [OpCode.getData, '/w']);
  });

  test('silence for two thirds of the timeout drops the link and reconnects', async () => {
    const server = await FakeServer.start();
    server.timeoutMs = 300;
    server.answerPings = false;
    const { client, states } = await connect(server.address);
    await until(() => states.length >= 2, 'a reconnect');
    assert.deepEqual(states.slice(0, 2), ['disconnected', 'connected']);
    assert.ok(server.conns[0]!.pings >= 1, 'it pinged before giving up');
    assert.equal(server.conns[1]!.connect.sessionId, client.sessionId);
  });

  test('an outage with several failed attempts is one disconnected, then connected', async () => {
    const server = await FakeServer.start();
    const { client, states } = await connect(server.address);
    let refusals = 0;
    server.onConnect = () => (++refusals <= 3 ? { close: CloseCode.NOT_SERVING, reason: 'not yet' } : 'ok');
    server.last.ws.terminate();
    await until(() => client.state === 'connected' && refusals === 4, 'the reconnect');
    assert.deepEqual(states, ['disconnected', 'connected']);
    assert.equal(server.conns.length, 5);
  });

  test('a server that is behind or not serving is skipped for the next one', async () => {
    const behind = await FakeServer.start();
    const notServing = await FakeServer.start();
    const good = await FakeServer.start();
    behind.onConnect = () => ({ close: CloseCode.SERVER_BEHIND, reason: 'server behind' });
    notServing.onConnect = () => ({ close: CloseCode.NOT_SERVING, reason: 'not serving' });
    // random near 1 keeps the connect string's order.
    const { client } = await connect(`${behind.address},${notServing.address},${good.address}`, { random: () => 0.999 });
    assert.equal(client.state, 'connected');
    assert.deepEqual([behind.conns.length, notServing.conns.length, good.conns.length], [1, 1, 1]);
  });

  test('expiry on reconnect fails everything with SESSIONEXPIRED and tells the watchers', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => server.respond(conn, frame.xid, { data: new Uint8Array(0), stat: stat() });
    const { client, states } = await connect(server.address);
    const events: WatchedEvent[] = [];
    await client.getData('/w', { watch: (e) => events.push(e) });
    server.onConnect = () => 'expired';
    // A call made while disconnected waits for the reconnect, which then finds the session gone.
    let queued: Promise<unknown> | undefined;
    client.on('state', (s) => {
      if (s === 'disconnected') queued = client.getData('/q').catch((e: unknown) => e);
    });
    server.last.ws.terminate();
    await until(() => client.state === 'expired', 'the expiry');
    assert.ok(queued !== undefined);
    assert.ok(rejectsWith(ErrorCode.SESSIONEXPIRED, '/q')(await queued));
    assert.deepEqual(states, ['disconnected', 'expired']);
    assert.deepEqual(events, [{ type: EventType.None, state: KeeperState.Expired, path: '', zxid: -1 }]);
    await assert.rejects(client.exists('/x'), rejectsWith(ErrorCode.SESSIONEXPIRED));
    const connectsBefore = server.conns.length;
    await client.close();
    assert.equal(server.conns.length, connectsBefore, 'no reconnect after expiry');
  });

  test('an explicit session to resume is presented, and an expired one rejects connect', async () => {
    const server = await FakeServer.start();
    server.onConnect = () => 'expired';
    const passwd = new Uint8Array(16).fill(3);
    await assert.rejects(Client.connect(server.address, { webSocket: WebSocket, sessionId: 77, sessionPasswd: passwd }), rejectsWith(ErrorCode.SESSIONEXPIRED));
    assert.equal(server.last.connect.sessionId, 77);
    assert.deepEqual([...server.last.connect.passwd], [...passwd]);
  });

  test('connect rejects with CONNECTIONLOSS when no session comes in time', async () => {
    const server = await FakeServer.start();
    server.onConnect = () => 'silent';
    const started = Date.now();
    await assert.rejects(Client.connect(server.address, { webSocket: WebSocket, connectTimeoutMs: 200 }), rejectsWith(ErrorCode.CONNECTIONLOSS));
    assert.ok(Date.now() - started < 5_000);
    await until(() => server.conns.length === 1 && server.last.ws.readyState === WebSocket.CLOSED, 'the client to hang up');
  });

  test('connect finds ws by itself when no WebSocket is injected', async () => {
    const server = await FakeServer.start();
    const client = await Client.connect(server.address);
    clients.push(client);
    assert.equal(client.state, 'connected');
  });
});

describe('close', () => {
  test('close sends closeSession, waits for it, and later calls fail with SESSIONEXPIRED', async () => {
    const server = await FakeServer.start();
    const { client, states } = await connect(server.address);
    await client.close();
    assert.deepEqual(server.requests.map((f) => f.op), [OpCode.closeSession]);
    assert.deepEqual(states, ['closed']);
    assert.equal(client.state, 'closed');
    await assert.rejects(client.getData('/a'), rejectsWith(ErrorCode.SESSIONEXPIRED));
    await client.close();
    assert.deepEqual(states, ['closed'], 'closing twice is harmless');
  });

  test('close while disconnected just stops', async () => {
    const server = await FakeServer.start();
    const { client, states } = await connect(server.address);
    server.onConnect = () => 'silent';
    server.last.ws.terminate();
    await until(() => client.state === 'disconnected', 'the drop');
    const queued = client.getData('/a');
    await client.close();
    await assert.rejects(queued, rejectsWith(ErrorCode.SESSIONEXPIRED));
    assert.deepEqual(states, ['disconnected', 'closed']);
  });
});

describe('client-side checks', () => {
  test('invalid paths and oversized data or frames are refused without sending', async () => {
    const server = await FakeServer.start();
    server.maxDataBytes = 8;
    server.maxFrameBytes = 300;
    const { client } = await connect(server.address);
    await assert.rejects(client.create('/a/', 'x'), rejectsWith(ErrorCode.BADARGUMENTS, '/a/'));
    await assert.rejects(client.getData('relative'), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.create('/a', 'x'.repeat(9)), rejectsWith(ErrorCode.BADARGUMENTS, '/a'));
    await assert.rejects(client.setData(`/${'p'.repeat(400)}`, 'x'), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.delete('/a', -5), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.multi([Op.create('/ok', ''), Op.delete('/bad/')]), rejectsWith(ErrorCode.BADARGUMENTS, '/bad/'));
    await assert.rejects(client.create('/a', 'x', { acl: [] }), rejectsWith(ErrorCode.INVALIDACL));
    assert.deepEqual(server.requests, []);
  });
});

describe('multi and chroot', () => {
  test('a failed multi rejects with the failing op, its path and every result', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      const results = [
        { op: OpCode.check, err: ErrorCode.OK },
        { op: OpCode.create2, err: ErrorCode.NODEEXISTS },
        { op: OpCode.setData, err: ErrorCode.RUNTIMEINCONSISTENCY },
      ];
      server.respond(conn, frame.xid, { results }, ErrorCode.NODEEXISTS);
    };
    const { client } = await connect(server.address);
    const multi = client.transaction().check('/app', 1).create('/b', '').setData('/app', 'v3', 1).commit();
    await assert.rejects(multi, (e: unknown) => {
      assert.ok(KeeperError.is(e, ErrorCode.NODEEXISTS));
      assert.equal(e.path, '/b');
      assert.deepEqual(e.results?.map((r) => r.err), [ErrorCode.OK, ErrorCode.NODEEXISTS, ErrorCode.RUNTIMEINCONSISTENCY]);
      return true;
    });
    const frame = server.requests[0]!;
    assert.equal(frame.op, OpCode.multi);
    assert.deepEqual((frame.ops as Frame[]).map((o) => [o.op, o.path]), [[OpCode.check, '/app'], [OpCode.create2, '/b'], [OpCode.setData, '/app']]);
  });

  test('a chroot prefixes outgoing paths and strips incoming ones', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => {
      if (frame.op === OpCode.create2) return server.respond(conn, frame.xid, { path: `${frame.path}0000000001`, stat: stat() });
      if (frame.op === OpCode.multi) return server.respond(conn, frame.xid, { results: [{ op: OpCode.create2, err: 0, path: '/app/m', stat: stat() }] });
      server.respond(conn, frame.xid, { data: new Uint8Array(0), stat: stat() });
    };
    const { client } = await connect(`${server.address}/app`);
    assert.equal(await client.create('/job-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL }), '/job-0000000001');
    const events: WatchedEvent[] = [];
    await client.getData('/', { watch: (e) => events.push(e) });
    const results = await client.multi([Op.create('/m', '')]);
    assert.equal(results[0]!.path, '/m');
    assert.deepEqual(server.requests.map((f) => f.path ?? (f.ops as Frame[])[0]!.path), ['/app/job-', '/app', '/app/m']);
    server.notify(server.last, EventType.NodeDataChanged, '/app');
    await until(() => events.length === 1, 'the chrooted event');
    assert.equal(events[0]!.path, '/');
  });
});

describe('watches across a reconnect', () => {
  // Found by the whole-replica simulator: one txn's events are several frames, and a link that broke
  // between them left the client claiming the txn's zxid, so the lost event was never fired again.
  test('watches are re-registered from the last answered zxid, not the last event', async () => {
    const server = await FakeServer.start();
    server.onRequest = (frame, conn) => server.respond(conn, frame.xid, { data: new Uint8Array(0), stat: stat() });
    const { client } = await connect(server.address);
    const events: WatchedEvent[] = [];
    await client.getData('/a', { watch: (e) => events.push(e) });
    await client.getData('/b', { watch: (e) => events.push(e) });
    const answered = client.lastZxidSeen;
    server.zxid++;
    server.notify(server.last, EventType.NodeDataChanged, '/a');
    await until(() => events.length === 1, 'the first event of the txn');
    assert.equal(client.lastZxidSeen, server.zxid, 'an event still moves the zxid the client presents');
    server.last.ws.terminate();
    await until(() => server.conns.length === 2 && server.conns[1]!.frames.length > 0, 'the re-registration');
    assert.equal(server.conns[1]!.connect.lastZxidSeen, server.zxid);
    assert.deepEqual([server.conns[1]!.frames[0]!.relativeZxid, server.conns[1]!.frames[0]!.dataWatches], [answered, ['/b']]);
  });
});
