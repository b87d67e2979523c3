// The SDK holds a Node socket's writes for the rest of a turn so that requests issued together leave in one
// syscall; in a browser (no stream to hold) it does nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { writeCoalescer } from '../../client/socket.js';
import type { WebSocketLike } from '../../client/socket.js';

function fakeSocket(stream: unknown): WebSocketLike {
  return { binaryType: 'arraybuffer', readyState: 1, send: () => {}, close: () => {}, addEventListener: () => {}, _socket: stream } as WebSocketLike;
}

describe('client write coalescing', () => {
  test('one hold per turn, released after the turn', async () => {
    const calls: string[] = [];
    const hold = writeCoalescer(fakeSocket({ cork: () => calls.push('cork'), uncork: () => calls.push('uncork') }));
    assert.ok(hold !== undefined);
    hold();
    hold();
    hold();
    assert.deepEqual(calls, ['cork']);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['cork', 'uncork']);
    hold();
    assert.deepEqual(calls, ['cork', 'uncork', 'cork'], 'the next turn holds again');
    await new Promise<void>((resolve) => setImmediate(resolve));
  });

  test('a socket without a stream to hold (a browser WebSocket) is left alone', () => {
    assert.equal(writeCoalescer(fakeSocket(undefined)), undefined);
    assert.equal(writeCoalescer(fakeSocket({ cork: 'not a function', uncork: () => {} })), undefined);
  });

  test("Node's ws WebSocket has a stream the SDK can hold", async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await once(ws, 'open');
      assert.ok(writeCoalescer(ws as unknown as WebSocketLike) !== undefined, 'ws no longer exposes _socket: requests go out one syscall each');
    } finally {
      ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
