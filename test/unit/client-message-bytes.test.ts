// The SDK takes ws's Buffers without a copy where that keeps no more memory alive than the message, hands
// out plain Uint8Arrays in every case, and falls back to ArrayBuffers on a WebSocket that knows no Buffers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { messageBytes, preferBuffers } from '../../client/socket.js';
import type { WebSocketLike } from '../../client/socket.js';

function socketAccepting(types: readonly string[]): WebSocketLike {
  let binaryType = 'blob';
  return {
    get binaryType() { return binaryType; },
    set binaryType(value: string) { if (types.includes(value)) binaryType = value; },
    readyState: 1, send: () => {}, close: () => {}, addEventListener: () => {},
  } as WebSocketLike;
}

describe('client message bytes', () => {
  test('a Buffer that is the whole of its memory becomes a plain Uint8Array view, not a copy', () => {
    const whole = Buffer.from(new Uint8Array([1, 2, 3, 4]).buffer);
    const bytes = messageBytes(whole)!;
    assert.equal(bytes.constructor, Uint8Array);
    assert.equal(bytes.buffer, whole.buffer, 'no copy');
    assert.deepEqual([...bytes], [1, 2, 3, 4]);
  });

  test('a small slice of a large read is copied, so the rest of the read is not kept alive', () => {
    const read = Buffer.alloc(65_536, 7);
    const bytes = messageBytes(read.subarray(100, 110))!;
    assert.equal(bytes.constructor, Uint8Array);
    assert.notEqual(bytes.buffer, read.buffer);
    assert.equal(bytes.buffer.byteLength, 10);
    assert.deepEqual([...bytes], new Array(10).fill(7));
  });

  test('ArrayBuffers are wrapped; text and other values are not bytes', () => {
    assert.deepEqual([...messageBytes(new Uint8Array([9, 8]).buffer)!], [9, 8]);
    assert.equal(messageBytes('text'), undefined);
    assert.equal(messageBytes(undefined), undefined);
  });

  test('Buffers where the WebSocket knows them, else ArrayBuffers', () => {
    const ws = socketAccepting(['nodebuffer', 'arraybuffer']);
    preferBuffers(ws);
    assert.equal(ws.binaryType, 'nodebuffer');
    const browser = socketAccepting(['blob', 'arraybuffer']);
    preferBuffers(browser);
    assert.equal(browser.binaryType, 'arraybuffer');
  });
});
