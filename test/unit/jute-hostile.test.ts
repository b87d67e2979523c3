// Hostile jute input: truncation at every byte, lying lengths, invalid UTF-8, unknown opcodes, oversized frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, DEFAULT_MAX_DATA_BYTES, ErrorCode, OPEN_ACL_UNSAFE, OpCode } from '../../protocol/index.js';
import type { Request } from '../../protocol/index.js';
import { JuteFrameError, JuteFrameReader, decodeJuteRequest, encodeJuteRequest, withLengthPrefix } from '../../protocol/jute/index.js';

const LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };
const create: Request = { xid: 7, op: OpCode.create, path: '/a', data: new Uint8Array([1, 2, 3]), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT };
const multi: Request = { xid: 8, op: OpCode.multi, ops: [{ op: OpCode.check, path: '/a', version: 1 }, { op: OpCode.delete, path: '/a', version: -1 }] };

test('a request cut at every byte is refused, never a crash: fatal without a header, else MARSHALLINGERROR for its xid', () => {
  for (const req of [create, multi]) {
    const bytes = encodeJuteRequest(req);
    for (let n = 0; n < bytes.byteLength; n++) {
      const d = decodeJuteRequest(bytes.subarray(0, n), LIMITS);
      assert.equal(d.ok, false, `cut at ${n}`);
      if (d.ok) continue;
      if (n < 8) assert.equal(d.fatal, true);
      else assert.deepEqual([d.fatal, d.xid, d.err], [false, req.xid, ErrorCode.MARSHALLINGERROR], `cut at ${n}`);
    }
  }
});

test('lengths of -1 (null), 2^31-1 and past the frame are refused before anything is allocated', () => {
  const bytes = encodeJuteRequest(create);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const pathLengthAt = 8;
  const dataLengthAt = pathLengthAt + 4 + 2;
  const aclCountAt = dataLengthAt + 4 + 3;
  for (const [at, value] of [[pathLengthAt, -1], [pathLengthAt, 2 ** 31 - 1], [pathLengthAt, -5], [dataLengthAt, 2 ** 31 - 1], [aclCountAt, 2 ** 31 - 1], [aclCountAt, 1000]] as const) {
    const copy = bytes.slice();
    new DataView(copy.buffer).setInt32(at, value);
    const d = decodeJuteRequest(copy, LIMITS);
    assert.equal(d.ok, false, `length ${value} at ${at}`);
    if (!d.ok) assert.equal(d.fatal, false);
  }
  assert.equal(view.getInt32(pathLengthAt), 2);
});

test('data over maxDataBytes is BADARGUMENTS; invalid UTF-8 is MARSHALLINGERROR; trailing bytes are refused', () => {
  const big = decodeJuteRequest(encodeJuteRequest({ ...create, data: new Uint8Array(11) } as Request), { maxDataBytes: 10 });
  assert.ok(!big.ok && big.err === ErrorCode.BADARGUMENTS);
  const bytes = encodeJuteRequest(create);
  const badUtf8 = bytes.slice();
  badUtf8[13] = 0xff; // the path's second byte
  const d = decodeJuteRequest(badUtf8, LIMITS);
  assert.ok(!d.ok && d.err === ErrorCode.MARSHALLINGERROR && d.xid === 7);
  const trailing = decodeJuteRequest(new Uint8Array([...bytes, 0]), LIMITS);
  assert.ok(!trailing.ok && trailing.err === ErrorCode.MARSHALLINGERROR);
});

test('unknown and unserved opcodes are answered UNIMPLEMENTED with their xid', () => {
  for (const op of [999, -10, OpCode.sasl]) {
    const frame = new Uint8Array([0, 0, 0, 5, ...new Uint8Array(new Int32Array([op]).buffer).reverse(), 0xff, 0xff, 0xff, 0xff]);
    const d = decodeJuteRequest(frame, LIMITS);
    assert.ok(!d.ok && d.err === ErrorCode.UNIMPLEMENTED && d.xid === 5 && !d.fatal, `op ${op}`);
  }
});

test('the frame reader assembles frames from any split and refuses negative or oversized lengths', () => {
  const frames = [encodeJuteRequest(create), encodeJuteRequest(multi), new Uint8Array(0)];
  const stream = Buffer.concat(frames.map(withLengthPrefix));
  for (let step = 1; step <= 7; step++) {
    const reader = new JuteFrameReader(1024);
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.byteLength; i += step) out.push(...reader.push(stream.subarray(i, i + step)));
    assert.deepEqual(out.map((f) => Buffer.from(f).toString('hex')), frames.map((f) => Buffer.from(f).toString('hex')));
    assert.equal(reader.pendingBytes, 0);
  }
  assert.throws(() => new JuteFrameReader(1024).push(new Uint8Array([0xff, 0xff, 0xff, 0xff])), JuteFrameError);
  assert.throws(() => new JuteFrameReader(1024).push(new Uint8Array([0, 0, 4, 1])), JuteFrameError);
  assert.throws(() => new JuteFrameReader(1024).push(new Uint8Array([0x7f, 0xff, 0xff, 0xff])), JuteFrameError);
});

test('checkWatches and removeWatches with a watcher type ZooKeeper does not have are refused for their xid, not served', () => {
  for (const op of [OpCode.checkWatches, OpCode.removeWatches]) {
    for (const type of [0, 6, 99, -1, 2 ** 31 - 1]) {
      const frame = Buffer.alloc(4 + 4 + 4 + 2 + 4);
      let at = frame.writeInt32BE(11, 0);
      at = frame.writeInt32BE(op, at);
      at = frame.writeInt32BE(2, at);
      at += frame.write('/a', at, 'latin1');
      frame.writeInt32BE(type, at);
      const d = decodeJuteRequest(frame, LIMITS);
      assert.ok(!d.ok && !d.fatal && d.xid === 11 && d.err !== ErrorCode.OK, `op ${op} type ${type}`);
    }
  }
});
