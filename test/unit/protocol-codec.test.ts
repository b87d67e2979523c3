import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMode, ErrorCode, OpCode, OPEN_ACL_UNSAFE, decodeConnectRequest, decodeRequest, encode, pathProblem, sequenceSuffix, parentPath, baseName,
  makeZxid, zxidEpoch, zxidCounter,
} from '../../protocol/index.js';

const limits = { maxDataBytes: 1024 };

describe('paths', () => {
  test('valid paths', () => {
    for (const p of ['/', '/a', '/a/b', '/a.b', '/..a', '/a/...', '/zookeeper', '/ünïcode']) assert.equal(pathProblem(p), undefined, p);
  });
  test('invalid paths say why', () => {
    for (const p of ['', 'a', '/a/', '//', '/a//b', '/.', '/a/.', '/a/..', '/a/../b', '/a\u0000', '/a\u001f', '/a\ud800', 5, null]) {
      assert.notEqual(pathProblem(p), undefined, JSON.stringify(p));
    }
  });
  test('parent, base name and sequence suffix', () => {
    assert.equal(parentPath('/a/b'), '/a');
    assert.equal(parentPath('/a'), '/');
    assert.equal(baseName('/a/b'), 'b');
    assert.equal(sequenceSuffix(0), '0000000000');
    assert.equal(sequenceSuffix(42), '0000000042');
    assert.equal(sequenceSuffix(2 ** 31), '-2147483648');
    assert.equal(sequenceSuffix(-5), '-000000005');
  });
  test('zxid layout', () => {
    const z = makeZxid(3, 7);
    assert.equal(zxidEpoch(z), 3);
    assert.equal(zxidCounter(z), 7);
    assert.ok(makeZxid(2 ** 21 - 1, 2 ** 32 - 1) <= Number.MAX_SAFE_INTEGER);
  });
});

describe('request decoding', () => {
  test('a valid create decodes to a typed request', () => {
    const r = decodeRequest(encode({ xid: 5, op: OpCode.create2, path: '/a', data: new Uint8Array([1]), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT }), limits);
    assert.ok(r.ok);
    assert.equal(r.value.op, OpCode.create2);
  });
  test('sequential create may end in / (validated after the suffix)', () => {
    const r = decodeRequest(encode({ xid: 1, op: OpCode.create2, path: '/p/', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_SEQUENTIAL }), limits);
    assert.ok(r.ok);
    const bad = decodeRequest(encode({ xid: 1, op: OpCode.create2, path: '/p/', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT }), limits);
    assert.ok(!bad.ok && bad.err === ErrorCode.BADARGUMENTS);
  });
  test('errors carry the xid and a code', () => {
    const cases: Array<[object, number]> = [
      [{ xid: 2, op: 777 }, ErrorCode.UNIMPLEMENTED],
      [{ xid: 2, op: OpCode.getData, path: '/a/' }, ErrorCode.BADARGUMENTS],
      [{ xid: 2, op: OpCode.setData, path: '/a', data: new Uint8Array(2000), version: -1 }, ErrorCode.BADARGUMENTS],
      [{ xid: 2, op: OpCode.setData, path: '/a', data: new Uint8Array(1), version: 1.5 }, ErrorCode.BADARGUMENTS],
      [{ xid: 2, op: OpCode.create2, path: '/a', data: new Uint8Array(0), acl: [], mode: 0 }, ErrorCode.INVALIDACL],
      [{ xid: 2, op: OpCode.create2, path: '/a', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 9 }, ErrorCode.BADARGUMENTS],
      [{ xid: 2, op: OpCode.createTTL, path: '/a', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 0 }, ErrorCode.BADARGUMENTS],
      [{ xid: 2, op: OpCode.multi, ops: [{ op: OpCode.getData, path: '/a' }] }, ErrorCode.UNIMPLEMENTED],
    ];
    for (const [msg, code] of cases) {
      const r = decodeRequest(encode(msg), limits);
      assert.ok(!r.ok, JSON.stringify(msg));
      assert.equal(r.err, code, JSON.stringify(msg));
      assert.equal(r.xid, 2);
      assert.equal(r.fatal, false);
    }
  });
  test('unparseable frames are fatal', () => {
    for (const bytes of [new Uint8Array([0xc1]), encode([1, 2, 3]), encode('text'), encode({ op: 1 })]) {
      const r = decodeRequest(bytes, limits);
      assert.ok(!r.ok && r.fatal);
    }
  });
  test('connect request validation', () => {
    const ok = decodeConnectRequest(encode({ protocolVersion: 1, lastZxidSeen: 0, timeoutMs: 1000, sessionId: 0, passwd: new Uint8Array(0), readOnly: false }));
    assert.ok(ok.ok);
    const bad = decodeConnectRequest(encode({ protocolVersion: 1, timeoutMs: 'x' }));
    assert.ok(!bad.ok && bad.fatal);
  });
});
