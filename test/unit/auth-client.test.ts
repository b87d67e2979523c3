// The SDK's addAuthInfo and whoAmI against a small in-process fake server (a real ws WebSocketServer on
// port 0): what goes on the wire, the errors, and the replay of accepted auths after a reconnect.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import {
  DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_FRAME_BYTES, ErrorCode, MAX_AUTH_BYTES, OpCode, PROTOCOL_VERSION, Xid, decode, encode,
} from '../../protocol/index.js';
import { Client, KeeperError } from '../../client/index.js';
import { until } from '../support/until.js';

type Frame = Record<string, unknown> & { xid: number; op: number };

const text = new TextDecoder();

/** Accepts every handshake into one session; answers auth (AUTHFAILED for scheme 'bad'), whoAmI and any other op with OK. */
class FakeServer {
  /** Request frames (no pings) of each connection, in arrival order. */
  readonly conns: Array<{ ws: WebSocket; frames: Frame[] }> = [];

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

  /** What each connection was asked, as [op, scheme, auth text] (path instead of scheme for other ops). */
  summary(conn: number): Array<[number, string | undefined, string | undefined]> {
    return (this.conns[conn]?.frames ?? []).map((f) => [
      f.op,
      (f.scheme ?? f.path) as string | undefined,
      f.auth instanceof Uint8Array ? text.decode(f.auth) : undefined,
    ]);
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    let frames: Frame[] | undefined;
    const send = (frame: object): void => ws.send(encode(frame));
    ws.on('message', (data: Buffer) => {
      if (frames === undefined) {
        frames = [];
        this.conns.push({ ws, frames });
        send({
          protocolVersion: PROTOCOL_VERSION, err: ErrorCode.OK, timeoutMs: 10_000, sessionId: 77, passwd: new Uint8Array(16),
          readOnly: false, zxid: 5, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxDataBytes: DEFAULT_MAX_DATA_BYTES, serverId: 1,
        });
        return;
      }
      const frame = decode(data) as Frame;
      if (frame.op === OpCode.ping) return send({ xid: Xid.PING, zxid: 5, err: ErrorCode.OK });
      frames.push(frame);
      if (frame.op === OpCode.auth) return send({ xid: frame.xid, zxid: 5, err: frame.scheme === 'bad' ? ErrorCode.AUTHFAILED : ErrorCode.OK });
      if (frame.op === OpCode.whoAmI) {
        return send({ xid: frame.xid, zxid: 5, err: ErrorCode.OK, clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'alice' }] });
      }
      send({ xid: frame.xid, zxid: 5, err: ErrorCode.OK, stat: { czxid: 1, mzxid: 1, pzxid: 1, ctime: 1, mtime: 1, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0 } });
    });
  }
}

const servers: FakeServer[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function connect(server: FakeServer): Promise<Client> {
  const client = await Client.connect(server.address, { webSocket: WebSocket, retry: { initialDelayMs: 10, maxDelayMs: 50 } });
  clients.push(client);
  return client;
}

function rejectsWith(code: ErrorCode): (e: unknown) => boolean {
  return (e) => {
    assert.ok(KeeperError.is(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  };
}

describe('addAuthInfo and whoAmI', () => {
  test('addAuthInfo sends the scheme and the auth as bytes; an error answer rejects with its code', async () => {
    const server = await FakeServer.start();
    const client = await connect(server);
    await client.addAuthInfo('digest', 'alice:sécret');
    await client.addAuthInfo('digest', new TextEncoder().encode('bob:pw'));
    await assert.rejects(client.addAuthInfo('bad', 'x'), rejectsWith(ErrorCode.AUTHFAILED));
    assert.deepEqual(server.summary(0), [
      [OpCode.auth, 'digest', 'alice:sécret'],
      [OpCode.auth, 'digest', 'bob:pw'],
      [OpCode.auth, 'bad', 'x'],
    ]);
  });

  test('bad arguments are refused before anything is sent', async () => {
    const server = await FakeServer.start();
    const client = await connect(server);
    await assert.rejects(client.addAuthInfo('', 'a:b'), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.addAuthInfo('s'.repeat(65), 'a:b'), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.addAuthInfo('digest', new Uint8Array(MAX_AUTH_BYTES + 1)), rejectsWith(ErrorCode.BADARGUMENTS));
    await assert.rejects(client.addAuthInfo('digest', 42 as unknown as string), rejectsWith(ErrorCode.BADARGUMENTS));
    assert.deepEqual(server.summary(0), []);
  });

  test('whoAmI maps authScheme and user to scheme and id', async () => {
    const server = await FakeServer.start();
    const client = await connect(server);
    assert.deepEqual(await client.whoAmI(), [{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'digest', id: 'alice' }]);
    assert.deepEqual(server.summary(0), [[OpCode.whoAmI, undefined, undefined]]);
  });

  test('after a reconnect, accepted auths are re-sent once each, after the watches and before queued requests', async () => {
    const server = await FakeServer.start();
    const client = await connect(server);
    await client.getData('/w', { watch: () => {} });
    await client.addAuthInfo('digest', 'alice:secret');
    const reused = new TextEncoder().encode('bob:pw');
    await client.addAuthInfo('digest', reused);
    reused.fill(0); // the client kept its own copy
    await client.addAuthInfo('digest', 'alice:secret');
    await assert.rejects(client.addAuthInfo('bad', 'never-replayed'), rejectsWith(ErrorCode.AUTHFAILED));
    let queued: Promise<unknown> | undefined;
    client.on('state', (state) => {
      if (state === 'disconnected') queued = client.exists('/queued');
    });
    server.conns[0]!.ws.terminate();
    await until(() => queued !== undefined, { timeoutMs: 10_000, intervalMs: 5, message: 'the client to see the link drop' });
    await queued;
    assert.equal(client.state, 'connected');
    assert.deepEqual(server.summary(1), [
      [OpCode.setWatches2, undefined, undefined],
      [OpCode.auth, 'digest', 'alice:secret'],
      [OpCode.auth, 'digest', 'bob:pw'],
      [OpCode.exists, '/queued', undefined],
    ]);
  });
});
