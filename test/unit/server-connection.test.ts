// A client connection (the replica's ClientHandle behind a WsClient) with a fake socket: a handler that throws costs one connection (1011), answers wait
// while the output is congested, a client that does not read is closed as a slow consumer, and reading
// pauses when requests pile up or the global budget of writes runs out.
import { PassThrough } from 'node:stream';
import { AuthRegistry } from '../../src/replica/auth/registry.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode, OpCode, PROTOCOL_VERSION, encode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { ClientHandle } from '../../src/replica/client-handle.js';
import type { ClientHandler } from '../../src/replica/client-handle.js';
import { CorkBatch } from '../../src/server/cork-batch.js';
import { WsClient } from '../../src/server/ws-client.js';
import { ConnectionStats, ServerStats } from '../../src/server/server-stats.js';
import { silentLogger } from '../../src/server/logger.js';
import { RequestBudget } from '../../src/replica/request-budget.js';

/** The parts of a ws WebSocket that WsClient uses; writes complete when flush() says so. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  paused = false;
  closed: { code: number; reason: string } | undefined;
  readonly sent: Uint8Array[] = [];
  private readonly unflushed: Array<() => void> = [];

  send(data: Uint8Array, cb: (err?: Error) => void): void {
    this.sent.push(data);
    this.unflushed.push(() => cb());
  }
  /** The kernel took everything: every pending write callback fires. */
  flush(): void {
    for (const cb of this.unflushed.splice(0)) cb();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
  }
  frame(message: unknown): void {
    this.emit('message', Buffer.from(encode(message)), true);
  }
}

const LIMITS = { maxDataBytes: 1024, maxOutstanding: 4, maxOutputBytes: 64 * 1024 };

/** The stream under the WebSocket: counts how often answers are held back to leave together. */
class CountingStream extends PassThrough {
  corks = 0;
  override cork(): void {
    this.corks += 1;
    super.cork();
  }
}

function open(handler: Partial<ClientHandler> = {}, budget = new RequestBudget({ countMax: 100, bytesMax: 1 << 20 })): { ws: FakeSocket; conn: ClientHandle; stream: CountingStream } {
  const ws = new FakeSocket();
  const stream = new CountingStream();
  const full: ClientHandler = {
    onConnect: (c) => c.opened(42, 10_000),
    onRequest: () => {},
    onClose: () => {},
    ...handler,
  };
  const link = new WsClient(ws as unknown as WebSocket, stream, LIMITS, () => {}, silentLogger, new CorkBatch(), new ConnectionStats(new ServerStats()), '127.0.0.1:1', false);
  const conn = new ClientHandle(1, link, { remoteAddress: '127.0.0.1' }, new AuthRegistry(), full, { maxOutstanding: LIMITS.maxOutstanding, maxQueuedBytes: LIMITS.maxOutputBytes }, budget, silentLogger);
  link.bind(conn);
  ws.frame({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeoutMs: 10_000, sessionId: 0, passwd: new Uint8Array(0) });
  return { ws, conn, stream };
}

describe('client connection bounds', () => {
  test('a handler that throws closes that connection with 1011, and nothing escapes', () => {
    const { ws } = open({ onRequest: () => { throw new TypeError('a bug'); } });
    assert.doesNotThrow(() => ws.frame({ xid: 1, op: OpCode.ping }));
    assert.equal(ws.closed?.code, CloseCode.INTERNAL_ERROR);
  });

  test('reads wait while half the output bound is unsent, and run once it drains', () => {
    let reads = 0;
    const big = new Uint8Array(20 * 1024);
    const { ws } = open({
      onRequest: (c, req: Request) => c.read(() => {
        reads += 1;
        return { xid: req.xid, zxid: 1, err: ErrorCode.OK, data: big };
      }),
    });
    for (let xid = 1; xid <= 6; xid++) ws.frame({ xid, op: OpCode.getData, path: '/a', watch: false });
    // Two answers of 20 KiB pass half of 64 KiB: the other reads are not even computed.
    assert.equal(reads, 2);
    assert.equal(ws.paused, true, 'four requests waiting: reading paused');
    ws.flush();
    assert.equal(reads, 4);
    ws.flush();
    assert.equal(reads, 6);
    assert.equal(ws.paused, false);
    assert.equal(ws.closed, undefined);
  });

  test('a client that does not read while events pile up is closed as a slow consumer', () => {
    const { ws, conn } = open();
    for (let i = 0; i < 10_000 && ws.closed === undefined; i++) conn.sendEvent({ type: 3, state: 3, path: `/${'x'.repeat(100)}`, zxid: i });
    assert.equal(ws.closed?.code, CloseCode.SLOW_CONSUMER);
    const unsent = ws.sent.reduce((n, f) => n + f.byteLength, 0);
    assert.ok(unsent <= LIMITS.maxOutputBytes, `${unsent} bytes handed to the socket`);
  });

  test('writes past the global budget pause reading until the budget has room', () => {
    const budget = new RequestBudget({ countMax: 2, bytesMax: 1 << 20 });
    const pendings: Array<{ settle: () => void }> = [];
    const { ws } = open({
      onRequest: (c, req: Request) => {
        const p = c.pending();
        pendings.push({ settle: () => c.settle(p, { xid: req.xid, zxid: 2, err: ErrorCode.OK }) });
      },
    }, budget);
    ws.frame({ xid: 1, op: OpCode.delete, path: '/a', version: -1 });
    assert.equal(ws.paused, false);
    ws.frame({ xid: 2, op: OpCode.delete, path: '/b', version: -1 });
    assert.equal(ws.paused, true, 'the budget of two writes is used up');
    pendings[0]!.settle();
    assert.equal(ws.paused, false, 'a write finished: reading resumes');
    assert.deepEqual(budget.inFlight.count, 1);
  });

  test('a write that fails on a dead socket closes the connection instead of answering into it', () => {
    let closes = 0;
    let reads = 0;
    const { ws } = open({
      onClose: () => void closes++,
      onRequest: (c, req: Request) => c.read(() => {
        reads += 1;
        return { xid: req.xid, zxid: 1, err: ErrorCode.OK };
      }),
    });
    ws.readyState = 3;
    ws.frame({ xid: 1, op: OpCode.exists, path: '/a', watch: false });
    ws.frame({ xid: 2, op: OpCode.exists, path: '/a', watch: false });
    assert.equal(closes, 1);
    assert.ok(reads <= 1, `${reads} answers computed for a dead socket`);
  });

  test('the answers of one turn are held back together and leave once the turn ends', async () => {
    const { ws, stream } = open({ onRequest: (c, req: Request) => c.read(() => ({ xid: req.xid, zxid: 1, err: ErrorCode.OK })) });
    await new Promise<void>((resolve) => process.nextTick(resolve));
    const before = stream.corks;
    const sentBefore = ws.sent.length;
    for (let xid = 1; xid <= 4; xid++) ws.frame({ xid, op: OpCode.exists, path: '/a', watch: false });
    assert.equal(ws.sent.length - sentBefore, 4);
    assert.equal(stream.corks - before, 1, 'one hold for the whole turn, not one per answer');
    assert.equal(stream.writableCorked, 1);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    assert.equal(stream.writableCorked, 0, 'released once the turn is over');
  });
});
