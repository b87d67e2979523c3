// Bad input at the edge: each gets its error, and the server goes on serving a well-behaved client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { CloseCode, ErrorCode, OpCode, PROTOCOL_VERSION, OPEN_ACL_UNSAFE, decode, encode } from '../../protocol/index.js';
import { Client } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';

interface RawReply {
  frames: Record<string, unknown>[];
  closed?: { code: number; reason: string };
}

/** A raw protocol client: no SDK checks in the way. */
class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.frames.push(decode(new Uint8Array(d)) as Record<string, unknown>);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(port: number, maxPayload = 64 * 1024 * 1024): Promise<RawClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { maxPayload });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  async waitFor(cond: (r: RawReply) => boolean, timeoutMs = 20_000): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    while (!cond({ frames: this.frames, ...(this.closed ? { closed: this.closed } : {}) })) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}, closed: ${JSON.stringify(this.closed)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return { frames: this.frames, ...(this.closed ? { closed: this.closed } : {}) };
  }

  send(message: unknown): void {
    this.ws.send(encode(message));
  }

  async handshake(extra: object = {}): Promise<Record<string, unknown>> {
    this.send({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeoutMs: 10_000, sessionId: 0, passwd: new Uint8Array(0), readOnly: false, ...extra });
    await this.waitFor((r) => r.frames.length >= 1 || r.closed !== undefined);
    return this.frames[0]!;
  }

  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.send(message);
    const r = await this.waitFor((x) => x.frames.some((f) => f.xid === message.xid) || x.closed !== undefined);
    const reply = r.frames.find((f) => f.xid === message.xid);
    if (reply === undefined) throw new Error(`closed instead of answering: ${JSON.stringify(r.closed)}`);
    return reply;
  }

  close(): void {
    this.ws.terminate();
  }
}

describe('bad input', () => {
  let server: ServerProcess;
  let good: Client;

  before(async () => {
    server = await ServerProcess.start({ args: ['--maxDataBytes', '4096', '--maxFrameBytes', '16384'] });
    good = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await good.create('/good', 'v0');
  });
  after(async () => {
    await good?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  /** The well-behaved client still gets served, with its own state intact. */
  async function goodClientStillServed(): Promise<void> {
    const { stat } = await good.getData('/good');
    const next = await good.setData('/good', `v${stat.version + 1}`, stat.version);
    assert.equal(next.version, stat.version + 1);
  }

  test('an oversized frame closes that connection with 1009 and a reason', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    raw.ws.send(new Uint8Array(20_000));
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.FRAME_TOO_LARGE);
    assert.match(r.closed?.reason ?? '', /payload|size|large/i);
    await goodClientStillServed();
  });

  test('garbage bytes close the connection with PROTOCOL_ERROR and a reason', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    raw.ws.send(new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37]));
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.PROTOCOL_ERROR);
    assert.ok((r.closed?.reason ?? '').length > 0);
    const rawHandshake = await RawClient.open(server.port);
    rawHandshake.ws.send(new Uint8Array([1, 2, 3]));
    const r2 = await rawHandshake.waitFor((x) => x.closed !== undefined);
    assert.equal(r2.closed?.code, CloseCode.PROTOCOL_ERROR);
    await goodClientStillServed();
  });

  test('an unknown opcode gets UNIMPLEMENTED and the connection keeps working', async () => {
    const raw = await RawClient.open(server.port);
    const hello = await raw.handshake();
    assert.equal(hello.err, ErrorCode.OK);
    const reply = await raw.request({ xid: 1, op: 9999, path: '/good' });
    assert.equal(reply.err, ErrorCode.UNIMPLEMENTED);
    const ok = await raw.request({ xid: 2, op: OpCode.exists, path: '/good', watch: false });
    assert.equal(ok.err, ErrorCode.OK);
    raw.close();
    await goodClientStillServed();
  });

  test('invalid paths get BADARGUMENTS', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    let xid = 10;
    for (const path of ['/a//b', '/a/', '/a/./b', '/a/../b', '.', '', 'relative', '/a\u0000b']) {
      const reply = await raw.request({ xid: ++xid, op: OpCode.create2, path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 0 });
      assert.equal(reply.err, ErrorCode.BADARGUMENTS, `path ${JSON.stringify(path)}`);
      const read = await raw.request({ xid: ++xid, op: OpCode.getData, path, watch: false });
      assert.equal(read.err, ErrorCode.BADARGUMENTS, `read of path ${JSON.stringify(path)}`);
    }
    const malformed = await raw.request({ xid: ++xid, op: OpCode.setData, path: '/good', data: 'not binary', version: -1 });
    assert.equal(malformed.err, ErrorCode.BADARGUMENTS);
    raw.close();
    await goodClientStillServed();
  });

  test('data over the limit gets BADARGUMENTS and changes nothing', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake();
    const reply = await raw.request({ xid: 1, op: OpCode.setData, path: '/good', data: new Uint8Array(5000), version: -1 });
    assert.equal(reply.err, ErrorCode.BADARGUMENTS);
    const { stat } = await good.getData('/good');
    assert.ok(stat.dataLength < 5000);
    raw.close();
    await goodClientStillServed();
  });

  test('a session id that does not exist is told SESSIONEXPIRED', async () => {
    const raw = await RawClient.open(server.port);
    const hello = await raw.handshake({ sessionId: 12345678, passwd: new Uint8Array(16) });
    assert.equal(hello.err, ErrorCode.SESSIONEXPIRED);
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.SESSION_ENDED);
    await goodClientStillServed();
  });

  test('a client that has seen a newer zxid is refused', async () => {
    const raw = await RawClient.open(server.port);
    await raw.handshake({ lastZxidSeen: 2 ** 50 });
    const r = await raw.waitFor((x) => x.closed !== undefined);
    assert.equal(r.closed?.code, CloseCode.SERVER_BEHIND);
    await goodClientStillServed();
  });
});
