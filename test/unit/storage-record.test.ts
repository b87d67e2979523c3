// Checksums and record sealing: every byte of a record is covered, and the key is part of it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Text, tableCrc32 } from '../../src/storage/crc32.js';
import { CorruptStorageError } from '../../src/storage/errors.js';
import { chunkIndexOfKey, logKey, parseZxidHex, snapChunkKey, zxidOfLogKey, zxidOfSnapKey } from '../../src/storage/layout.js';
import { decodePayload, encodeValue, openRecord, openTxnRecord, sealRecord } from '../../src/storage/record.js';
import { encodeChunk } from '../../src/storage/snapshot-write.js';
import { decode } from '../../protocol/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32', () => {
  test('matches the standard check values', () => {
    assert.equal(crc32(ascii('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  });

  test('continues over pieces', () => {
    assert.equal(crc32(ascii('56789'), crc32(ascii('1234'))), 0xcbf43926);
  });

  test('the 4-bytes-per-step loop agrees with a bitwise reference at every length and offset', () => {
    const bitwise = (bytes: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let from = 0; from < 5; from++) {
      for (let to = from; to <= data.length; to++) {
        assert.equal(crc32(data.subarray(from, to)), bitwise(data.subarray(from, to)));
        assert.equal(tableCrc32(data.subarray(from, to)), bitwise(data.subarray(from, to)));
      }
    }
  });

  test('the table-driven and the native (zlib) checksums agree, also continued over pieces', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (const [from, to] of [[0, 5000], [3, 4097], [1, 2], [100, 101], [7, 7]] as const) {
      assert.equal(crc32(data.subarray(from, to), 0xdeadbeef), tableCrc32(data.subarray(from, to), 0xdeadbeef));
    }
  });

  test('crc32Text equals crc32 of the UTF-8 bytes, ASCII or not', () => {
    for (const text of ['', 'log/0000000000000001', 'snap/é/ü', '日本', 'a\u{1F600}b']) {
      assert.equal(crc32Text(text, 0x1234), crc32(ascii(text), 0x1234));
    }
  });
});

describe('layout keys', () => {
  test('zxid keys sort in zxid order and parse back', () => {
    const zxids = [0, 1, 15, 16, 2 ** 32 - 1, 2 ** 32, 5 * 2 ** 32 + 3, Number.MAX_SAFE_INTEGER];
    const keys = zxids.map(logKey);
    assert.deepEqual([...keys].sort(), keys);
    assert.deepEqual(keys.map(zxidOfLogKey), zxids);
    assert.equal(logKey(2 ** 32 + 5), 'log/0000000100000005');
    assert.equal(parseZxidHex('zz00000000000000'), undefined);
    assert.throws(() => logKey(-1), RangeError);
    assert.throws(() => logKey(1.5), RangeError);
  });

  test('snapshot keys', () => {
    const key = snapChunkKey(2 ** 32 + 1, 17);
    assert.equal(key, 'snap/0000000100000001/chunk/00000011');
    assert.equal(zxidOfSnapKey(key), 2 ** 32 + 1);
    assert.equal(chunkIndexOfKey(key), 17);
  });
});

describe('records', () => {
  test('round-trip decodes binaries as plain Uint8Array', () => {
    const value = { a: 1, data: new Uint8Array([1, 2, 3]), list: ['x', 2 ** 40] };
    const { bytes } = sealRecord('k', value);
    const { value: back } = openRecord('k', bytes);
    assert.deepEqual(back, value);
  });

  test('a flip of any single byte is detected', () => {
    const { bytes } = sealRecord('log/0000000000000001', { zxid: 1, payload: 'hello world' });
    for (let i = 0; i < bytes.length; i++) {
      const copy = Uint8Array.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      assert.throws(() => openRecord('log/0000000000000001', copy), CorruptStorageError, `byte ${i}`);
    }
  });

  test('the key is covered by the checksum', () => {
    const { bytes } = sealRecord('log/0000000000000001', 7);
    assert.throws(() => openRecord('log/0000000000000002', bytes), CorruptStorageError);
  });

  test('truncated records are corrupt', () => {
    assert.throws(() => openRecord('k', new Uint8Array(3)), CorruptStorageError);
  });

  test('a txn record must carry the zxid of its key', () => {
    const txn = { zxid: 2, time: 1, sessionId: 0, xid: 0, body: { type: 'delete', path: '/a' } };
    assert.throws(() => openTxnRecord(logKey(2), 3, sealRecord(logKey(2), txn).bytes), CorruptStorageError);
    assert.throws(() => openTxnRecord(logKey(2), 2, sealRecord(logKey(2), { zxid: 2 }).bytes), CorruptStorageError);
    assert.deepEqual(openTxnRecord(logKey(2), 2, sealRecord(logKey(2), txn).bytes), txn);
  });

  test('a snapshot chunk is one plain msgpack array and respects the node limit', () => {
    const nodes = Array.from({ length: 2500 }, (_, i) => ({ p: `/n${i}` }));
    const first = encodeChunk(nodes, 0);
    assert.equal(first.next, 1000);
    assert.deepEqual(decode(first.payload), nodes.slice(0, 1000));
    const last = encodeChunk(nodes, 2000);
    assert.equal(last.next, 2500);
    assert.deepEqual(decode(last.payload), nodes.slice(2000));
  });

  test('a chunk writes repeated map shapes once: smaller, read back equal by the plain decoder, mixed shapes too', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({
      path: `/app/n${i}`, data: new Uint8Array(100).fill(i % 256), czxid: 2 ** 32 + i, version: i % 5, kind: i % 7 === 0 ? 'ephemeral' : 'persistent',
      ...(i % 13 === 0 ? { ttlMs: 500 } : {}),
    }));
    const { payload, next } = encodeChunk(nodes, 0);
    assert.equal(next, 1000);
    assert.deepEqual(decodePayload('chunk', payload), nodes);
    const plain = nodes.reduce((sum, n) => sum + encodeValue(n).length, 0);
    assert.ok(payload.length < plain * 0.85, `${payload.length} bytes against ${plain} as plain maps`);
    // Each chunk stands alone: the next one defines its shapes again.
    assert.deepEqual(decodePayload('chunk', encodeChunk(nodes, 990).payload), nodes.slice(990));
    // More shapes in one chunk than msgpackr has record ids.
    const varied = Array.from({ length: 1000 }, (_, i) => ({ [`k${i % 300}`]: i, common: 'x', [`z${i % 77}`]: [i, { [`q${i % 130}`]: i }] }));
    assert.deepEqual(decodePayload('chunk', encodeChunk(varied, 0).payload), varied);
  });

  test('a snapshot chunk stops early at the byte limit', () => {
    const big = Array.from({ length: 10 }, () => new Uint8Array(1024 * 1024));
    const { next, payload } = encodeChunk(big, 0);
    assert.equal(next, 4);
    assert.ok(payload.length < 5 * 1024 * 1024);
  });
});
