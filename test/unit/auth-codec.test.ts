// Edge validation of the auth and whoAmI requests (protocol/codec.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MAX_AUTH_BYTES, MAX_AUTH_SCHEME_LENGTH, OpCode, decodeRequest, encode } from '../../protocol/index.js';

const limits = { maxDataBytes: 1024 };
const utf8 = new TextEncoder();

function decodeFrame(frame: object): ReturnType<typeof decodeRequest> {
  return decodeRequest(encode(frame), limits);
}

describe('auth requests', () => {
  test('a valid auth decodes to scheme and bytes', () => {
    const r = decodeFrame({ xid: 3, op: OpCode.auth, scheme: 'digest', auth: utf8.encode('alice:secret') });
    assert.ok(r.ok);
    assert.equal(r.value.op, OpCode.auth);
    if (r.value.op !== OpCode.auth) return;
    assert.equal(r.value.xid, 3);
    assert.equal(r.value.scheme, 'digest');
    assert.deepEqual([...r.value.auth], [...utf8.encode('alice:secret')]);
  });

  test('auth may be absent or empty (the provider decides), and may be exactly the limit', () => {
    const absent = decodeFrame({ xid: 1, op: OpCode.auth, scheme: 'ip' });
    assert.ok(absent.ok && absent.value.op === OpCode.auth && absent.value.auth.byteLength === 0);
    const full = decodeFrame({ xid: 1, op: OpCode.auth, scheme: 'digest', auth: new Uint8Array(MAX_AUTH_BYTES) });
    assert.ok(full.ok);
    const longest = decodeFrame({ xid: 1, op: OpCode.auth, scheme: 's'.repeat(MAX_AUTH_SCHEME_LENGTH), auth: new Uint8Array(1) });
    assert.ok(longest.ok);
  });

  test('bad schemes and payloads are BADARGUMENTS with the xid', () => {
    const cases: object[] = [
      { xid: 9, op: OpCode.auth, auth: utf8.encode('a:b') },
      { xid: 9, op: OpCode.auth, scheme: '', auth: utf8.encode('a:b') },
      { xid: 9, op: OpCode.auth, scheme: 's'.repeat(MAX_AUTH_SCHEME_LENGTH + 1), auth: utf8.encode('a:b') },
      { xid: 9, op: OpCode.auth, scheme: 7, auth: utf8.encode('a:b') },
      { xid: 9, op: OpCode.auth, scheme: 'digest', auth: 'a:b' },
      { xid: 9, op: OpCode.auth, scheme: 'digest', auth: new Uint8Array(MAX_AUTH_BYTES + 1) },
    ];
    for (const frame of cases) {
      const r = decodeFrame(frame);
      assert.ok(!r.ok, JSON.stringify(frame));
      assert.equal(r.err, ErrorCode.BADARGUMENTS);
      assert.equal(r.xid, 9);
      assert.equal(r.op, OpCode.auth);
      assert.equal(r.fatal, false);
    }
  });
});

describe('whoAmI requests', () => {
  test('whoAmI has no body; extra fields are ignored', () => {
    const r = decodeFrame({ xid: 4, op: OpCode.whoAmI });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { xid: 4, op: OpCode.whoAmI });
    const extra = decodeFrame({ xid: 5, op: OpCode.whoAmI, path: '/ignored' });
    assert.ok(extra.ok);
    assert.deepEqual(extra.value, { xid: 5, op: OpCode.whoAmI });
  });
});
