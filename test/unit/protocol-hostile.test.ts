// The codec against hostile frames: decoded maps are never trusted, no wire value is stringified by its own
// methods, prototype keys and deep nesting are refused, and every message stays short.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode, OPEN_ACL_UNSAFE, decodeConnectRequest, decodeRequest, describeValue, encode, msgpackShapeProblem, validateRequestValue } from '../../protocol/index.js';

const limits = { maxDataBytes: 1024 };

/** A msgpack map with one key whose name JavaScript treats specially, built by hand (encode would drop it). */
function mapWithKey(key: string, rest: Record<string, unknown>): Uint8Array {
  const restBytes = encode(rest);
  const count = Object.keys(rest).length + 1;
  const keyBytes = Buffer.from(key, 'utf8');
  // The encoder may write a fixmap (1 byte) or a map16 (3 bytes) header: skip it, write a fixmap with one
  // more entry, then our key (fixstr) and a value of 1, then the other entries.
  const headerBytes = restBytes[0] === 0xde ? 3 : 1;
  return Uint8Array.from([0x80 | count, 0xa0 | keyBytes.length, ...keyBytes, 0x01, ...restBytes.subarray(headerBytes)]);
}

describe('hostile frames', () => {
  test("a frame shaped like the codec's own error record is just a bad frame", () => {
    const forged = encode({ ok: false, fatal: true, message: [1] });
    const connect = decodeConnectRequest(forged);
    assert.equal(connect.ok, false);
    assert.ok(!connect.ok && typeof connect.message === 'string' && connect.fatal);
    const request = decodeRequest(forged, limits);
    assert.ok(!request.ok && typeof request.message === 'string' && request.fatal, 'no xid: the connection is closed');
  });

  test('a forged error with a string xid is refused, never echoed', () => {
    const r = decodeRequest(encode({ ok: false, fatal: false, xid: 'not-a-number', err: 12345 }), limits);
    assert.ok(!r.ok);
    assert.equal(r.xid, undefined);
    assert.equal(r.fatal, true);
  });

  test('an op that is an object with its own toString gets UNIMPLEMENTED, in multi and multiRead', () => {
    for (const op of [OpCode.multi, OpCode.multiRead]) {
      const r = decodeRequest(encode({ xid: 1, op, ops: [{ op: { toString: 1 }, path: '/a' }] }), limits);
      assert.ok(!r.ok && r.err === ErrorCode.UNIMPLEMENTED && r.xid === 1, JSON.stringify(r));
      assert.match(r.message, /op a map is not allowed/);
    }
  });

  test('prototype keys are refused wherever they appear', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const top = decodeRequest(mapWithKey(key, { xid: 1, op: OpCode.exists, path: '/a' }), limits);
      assert.ok(!top.ok && top.fatal, key);
      assert.match(top.message, /forbidden key/);
    }
    const nested = decodeRequest(encode({ xid: 1, op: OpCode.multi, ops: [{ op: OpCode.check, path: '/a', version: 1, constructor: 1 }] }), limits);
    assert.ok(!nested.ok && nested.fatal);
  });

  test('a missing field never finds a value on Object.prototype', () => {
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.path = '/polluted';
    try {
      const r = decodeRequest(encode({ xid: 1, op: OpCode.getData, watch: false }), limits);
      assert.ok(!r.ok && r.err === ErrorCode.BADARGUMENTS, JSON.stringify(r));
    } finally {
      delete polluted.path;
    }
  });

  test('deep nesting is refused without overflowing the stack', () => {
    const deepList = new Uint8Array(200_000).fill(0x91);
    assert.ok(!decodeRequest(deepList, limits).ok);
    const nestedOps = encode({ xid: 1, op: OpCode.multi, ops: [[[[[[[[[[1]]]]]]]]]] });
    const r = decodeRequest(nestedOps, limits);
    assert.ok(!r.ok && r.fatal && /deeper/.test(r.message));
    // The decoder is still usable afterwards.
    assert.ok(decodeRequest(encode({ xid: 2, op: OpCode.ping }), limits).ok);
  });

  test('extension values (a msgpack timestamp) are refused where a map or scalar belongs', () => {
    const withDate = Uint8Array.from([0x83, 0xa3, 0x78, 0x69, 0x64, 0x01, 0xa2, 0x6f, 0x70, 0x03, 0xa4, 0x70, 0x61, 0x74, 0x68, 0xd6, 0xff, 0, 0, 0, 1]);
    const r = decodeRequest(withDate, limits);
    assert.ok(!r.ok && r.fatal, JSON.stringify(r));
  });

  test('numbers that are not integers are refused where integers belong', () => {
    for (const version of [1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 40)]) {
      const r = decodeRequest(encode({ xid: 1, op: OpCode.delete, path: '/a', version }), limits);
      assert.ok(!r.ok && r.err === ErrorCode.BADARGUMENTS, String(version));
    }
    assert.ok(!decodeRequest(encode({ xid: 1.5, op: OpCode.ping }), limits).ok);
  });

  test('error messages quote at most a short prefix of what the client sent', () => {
    const longPath = `/${'x'.repeat(400_000)}`;
    const r = decodeRequest(encode({ xid: 1, op: OpCode.getData, path: longPath, watch: false }), limits);
    assert.ok(!r.ok && r.message.length < 300, `message of ${r.ok ? 0 : r.message.length} characters`);
    const longOp = decodeRequest(encode({ xid: 1, op: OpCode.multi, ops: [{ op: 'y'.repeat(400_000) }] }), limits);
    assert.ok(!longOp.ok && longOp.message.length < 300);
  });

  test('describeValue names values without calling their methods', () => {
    const hostile = { toString: () => assert.fail('called'), valueOf: () => assert.fail('called') };
    assert.equal(describeValue(hostile), 'a map');
    assert.equal(describeValue([1]), 'a list');
    assert.equal(describeValue(10n), 'a bigint');
    assert.equal(describeValue(Number.NaN), 'a non-finite number');
    assert.equal(describeValue('x'.repeat(1000)).length < 80, true);
  });

  test('forwarded requests meet the same validator', () => {
    assert.ok(validateRequestValue({ xid: 1, op: OpCode.create, path: '/a', data: new Uint8Array(1), acl: OPEN_ACL_UNSAFE, mode: 0 }, limits).ok);
    assert.ok(!validateRequestValue({ xid: 1, op: OpCode.create, path: '/a', data: new Uint8Array(2048), acl: OPEN_ACL_UNSAFE, mode: 0 }, limits).ok);
    assert.ok(!validateRequestValue({ xid: 1, op: OpCode.setData, path: { toString: 1 }, version: -1 }, limits).ok);
    assert.ok(!validateRequestValue(new Date(), limits).ok);
    assert.ok(!validateRequestValue([1, 2], limits).ok);
  });
});

describe('msgpack structure before decoding', () => {
  const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

  test('a container that claims more elements than bytes left is refused without decoding', () => {
    // Found by the fuzzer: a 9-byte array header claiming 2^24 elements cost msgpackr most of a second.
    assert.match(msgpackShapeProblem(hex('dd01ffffffa1610102'), 16) ?? '', /claims 33554431 elements/);
    assert.match(msgpackShapeProblem(hex('81a26f6bdd00a3cdaba161010203'), 16) ?? '', /claims/);
    assert.match(msgpackShapeProblem(hex('df7fffffff01'), 16) ?? '', /claims/);
    const r = decodeRequest(hex('dd01ffffffa1610102'), limits);
    assert.ok(!r.ok && r.fatal && /claims/.test(r.message));
  });

  test('truncation, trailing bytes, unknown bytes and extensions are refused; valid frames pass', () => {
    assert.match(msgpackShapeProblem(hex('dbffffffff41'), 16) ?? '', /truncated/);
    assert.match(msgpackShapeProblem(hex('0102'), 16) ?? '', /after the value/);
    assert.match(msgpackShapeProblem(hex('c1'), 16) ?? '', /not a msgpack type/);
    assert.match(msgpackShapeProblem(hex('d6ff00000001'), 16) ?? '', /extension/);
    assert.match(msgpackShapeProblem(hex('d40001'), 16) ?? '', /extension/);
    assert.equal(msgpackShapeProblem(encode({ a: undefined, b: 1 }), 16), undefined, 'an unset optional field (undefined) passes');
    assert.match(msgpackShapeProblem(new Uint8Array(0), 16) ?? '', /truncated/);
    const frame = encode({ xid: 1, op: OpCode.multi, ops: [{ op: OpCode.create, path: '/a', data: new Uint8Array(300), acl: OPEN_ACL_UNSAFE, mode: 0 }] });
    assert.equal(msgpackShapeProblem(frame, 16), undefined);
  });

  test('depth is bounded without recursion', () => {
    assert.match(msgpackShapeProblem(new Uint8Array(1_000_000).fill(0x91), 16) ?? '', /deeper than 16/);
    assert.equal(msgpackShapeProblem(Uint8Array.from([0x91, 0x91, 0x91, 0x01]), 3), undefined);
    assert.match(msgpackShapeProblem(Uint8Array.from([0x91, 0x91, 0x91, 0x91, 0x01]), 3) ?? '', /deeper/);
  });

  test('every well-formed value passes, and every strict prefix of it is refused', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const value = (depth: number): unknown => {
      switch (next(depth > 3 ? 6 : 8)) {
        case 0: return next(2 ** 31) - 2 ** 30;
        case 1: return next(2) === 0 ? 2 ** 40 + next(1000) : -(2 ** 33);
        case 2: return 'x'.repeat(next(70_000) < 300 ? next(300) : next(70_000));
        case 3: return new Uint8Array(next(2) === 0 ? next(20) : 300 + next(70_000));
        case 4: return next(2) === 0 ? null : next(2) === 0;
        case 5: return 1.5 + next(10);
        case 6: return Array.from({ length: next(20) }, () => value(depth + 1));
        default: return Object.fromEntries(Array.from({ length: next(20) }, (_, i) => [`k${i}`, value(depth + 1)]));
      }
    };
    for (let i = 0; i < 200; i++) {
      const bytes = encode(value(0));
      assert.equal(msgpackShapeProblem(bytes, 16), undefined);
      for (const cut of [0, 1, 2, 3, 5, 9, bytes.length >> 1, bytes.length - 1]) {
        if (cut < bytes.length) assert.notEqual(msgpackShapeProblem(bytes.subarray(0, cut), 16), undefined, `prefix of ${cut} bytes`);
      }
    }
  });
});
