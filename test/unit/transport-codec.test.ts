// The transport's pure parts, without sockets: framing, msgpack round-trips, the queue bound, handshake
// checks and the ensemble id. (Its redial backoff is protocol/backoff.ts: test/unit/backoff.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PEER_PROTOCOL_VERSION, decodeFrame, encodeBatch, encodeHello, encodeMessage, encodeWelcome } from '../../src/transport/codec.js';
import { checkHello, checkWelcome, closeReason, decodeHelloHeader, encodeHelloHeader } from '../../src/transport/handshake.js';
import { SendQueue } from '../../src/transport/send-queue.js';
import { PeerCloseCode, ensembleIdOf } from '../../src/transport/index.js';

describe('transport codec', () => {
  test('binaries and large integers round-trip exactly', () => {
    const message = {
      type: 'proposal',
      zxid: 2 ** 52 + 3,
      negative: -(2 ** 52 + 3),
      max: Number.MAX_SAFE_INTEGER,
      small: [0, 1, -1, 255, 65536, 2 ** 32 + 1],
      fraction: 1.5,
      data: new Uint8Array([0, 1, 2, 254, 255]),
      empty: new Uint8Array(0),
      text: 'héllo ✓',
      nested: { txns: [{ zxid: 2 ** 50, data: new Uint8Array([9]) }] },
    };
    const [decoded] = decodeFrame(encodeBatch([encodeMessage(message)])) as unknown[];
    assert.deepStrictEqual(decoded, message);
    const d = decoded as typeof message;
    assert.equal(typeof d.zxid, 'number');
    assert.equal(d.zxid, 4503599627370499);
    assert.ok(d.data instanceof Uint8Array);
  });

  test('a batch frame is the msgpack array of its messages, whatever its length', () => {
    for (const count of [0, 1, 15, 16, 65535, 65536]) {
      const messages = Array.from({ length: count }, (_, i) => ({ i }));
      const frame = encodeBatch(messages.map(encodeMessage));
      assert.deepStrictEqual(decodeFrame(frame), messages, `batch of ${count}`);
    }
  });

  test('a decoded binary does not alias the frame', () => {
    const frame = encodeBatch([encodeMessage({ data: new Uint8Array([1, 2, 3]) })]);
    const [decoded] = decodeFrame(frame) as Array<{ data: Uint8Array }>;
    frame.fill(0);
    assert.deepStrictEqual(decoded!.data, new Uint8Array([1, 2, 3]));
  });

  test('bytes that are not exactly one msgpack value throw', () => {
    assert.throws(() => decodeFrame(new TextEncoder().encode('nonsense')));
    assert.throws(() => decodeFrame(new Uint8Array([0x92, 1])));
    assert.throws(() => decodeFrame(new Uint8Array(0)));
  });
});

describe('transport handshake checks', () => {
  const me = { myId: 1, ensembleId: 'abc', members: new Set([1, 2, 3]) };
  const hello = (h: object): unknown => decodeFrame(encodeHello(h as never));
  const refusal = (frame: unknown): { reason: string; told: string; code: number } => {
    const checked = checkHello(frame, me);
    assert.equal(checked.ok, false);
    return checked.ok ? { reason: '', told: '', code: 0 } : checked;
  };

  test('accepts a member with the same ensemble and version', () => {
    assert.deepEqual(checkHello(hello({ version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: 'abc' }), me), {
      ok: true, value: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: 'abc' },
    });
  });

  test('refuses with a readable reason for the log, and tells the peer nothing about the configuration', () => {
    const v = PEER_PROTOCOL_VERSION;
    assert.equal(refusal(hello({ version: v, serverId: 7, ensembleId: 'abc' })).reason, 'unknown server id 7');
    assert.match(refusal(hello({ version: v, serverId: 2, ensembleId: 'xyz' })).reason, /^ensemble mismatch: mine abc, theirs "xyz"/);
    assert.match(refusal(hello({ version: v + 1, serverId: 2, ensembleId: 'abc' })).reason, new RegExp(`unsupported version ${v + 1}`));
    assert.match(refusal(hello({ version: v, serverId: 1, ensembleId: 'abc' })).reason, /my own id/);
    assert.match(refusal(hello({ version: v, serverId: '2', ensembleId: 'abc' })).reason, /numeric serverId/);
    // Which membership check failed would tell a stranger who the members are: all three say the same.
    for (const h of [{ serverId: 7, ensembleId: 'abc' }, { serverId: 2, ensembleId: 'xyz' }, { serverId: 1, ensembleId: 'abc' }]) {
      const r = refusal(hello({ version: v, ...h }));
      assert.equal(r.told, 'not a member of this ensemble');
      assert.equal(r.code, PeerCloseCode.HANDSHAKE_REFUSED);
      assert.doesNotMatch(r.told, /abc/);
    }
    assert.equal(checkHello([1, 2], me).ok, false);
    assert.equal(checkHello(null, me).ok, false);
  });

  test('the hello header round-trips and anything else in it is refused', () => {
    const h = { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: 'abc' };
    const decoded = decodeHelloHeader(encodeHelloHeader(h));
    assert.ok(decoded.ok);
    assert.deepEqual(checkHello(decoded.value, me), { ok: true, value: h });
    assert.equal(decodeHelloHeader(undefined).ok, false);
    for (const bad of ['', 'not base64!', 'a, b', 'A'.repeat(5000), ['x'], 42]) {
      const r = decodeHelloHeader(bad);
      assert.equal(r.ok, false, String(bad).slice(0, 20));
    }
    const junk = decodeHelloHeader(Buffer.from([0xc1, 0xff]).toString('base64url'));
    assert.equal(junk.ok, false);
  });

  test('the welcome must come from the server dialled', () => {
    assert.equal(checkWelcome(decodeFrame(encodeWelcome(2)), 2).ok, true);
    assert.equal(checkWelcome(decodeFrame(encodeWelcome(3)), 2).ok, false);
    assert.equal(checkWelcome({ hello: {} }, 2).ok, false);
  });

  test('close reasons are cut to the WebSocket limit in bytes, never inside a character', () => {
    assert.equal(closeReason('short', 123), 'short');
    const cut = closeReason('é'.repeat(100), 123);
    assert.ok(Buffer.byteLength(cut) <= 123);
    assert.equal(cut, 'é'.repeat(61));
    assert.equal(closeReason('a'.repeat(122) + '€', 123), 'a'.repeat(122));
    assert.equal(closeReason('a'.repeat(120) + '😀', 123), 'a'.repeat(120), 'a surrogate pair is kept whole or not at all');
    assert.equal(closeReason('a'.repeat(119) + '😀', 123), 'a'.repeat(119) + '😀');
    assert.equal(closeReason('x'.repeat(10_000_000)), 'x'.repeat(123));
  });
});

describe('SendQueue', () => {
  const bytes = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

  test('trim drops the oldest beyond the message bound and counts them', () => {
    const queue = new SendQueue({ messagesMax: 3, bytesMax: 1_000_000 });
    for (let i = 0; i < 5; i++) queue.push(bytes(1, i));
    assert.equal(queue.length, 5, 'push alone never drops: one turn goes out whole');
    assert.equal(queue.trim(), 2);
    assert.equal(queue.length, 3);
    assert.equal(queue.dropped, 2);
    assert.deepEqual(queue.takeBatch(1_000).map((b) => b[0]), [2, 3, 4]);
    assert.equal(queue.length, 0);
    assert.equal(queue.queuedBytes, 0);
  });

  test('trim drops the oldest beyond the byte bound but always keeps the newest', () => {
    const queue = new SendQueue({ messagesMax: 100, bytesMax: 250 });
    queue.push(bytes(100, 1));
    queue.push(bytes(100, 2));
    queue.push(bytes(100, 3));
    queue.trim();
    assert.deepEqual([queue.length, queue.dropped, queue.queuedBytes], [2, 1, 200]);
    queue.push(bytes(1_000, 4));
    queue.trim();
    assert.deepEqual([queue.length, queue.dropped, queue.queuedBytes], [1, 3, 1_000]);
  });

  test('takeBatch fills frames up to the byte limit, in order', () => {
    const queue = new SendQueue({ messagesMax: 100, bytesMax: 1_000_000 });
    for (let i = 0; i < 10; i++) queue.push(bytes(10, i));
    // 1 header byte + 3 * 10 = 31 bytes fit in 35; a fourth would need 41.
    assert.deepEqual(queue.takeBatch(35).map((b) => b[0]), [0, 1, 2]);
    assert.deepEqual(queue.takeBatch(5).map((b) => b[0]), [3]);
    assert.equal(queue.takeBatch(1_000).length, 6);
  });

  test('stays correct across compaction of a long queue', () => {
    const queue = new SendQueue({ messagesMax: 5_000, bytesMax: 1_000_000 });
    const view = (i: number): Uint8Array => new Uint8Array(new Uint32Array([i]).buffer);
    for (let i = 0; i < 20_000; i++) queue.push(view(i));
    queue.trim();
    assert.equal(queue.dropped, 15_000);
    const got: number[] = [];
    while (queue.length > 0) {
      for (const b of queue.takeBatch(41)) got.push(new Uint32Array(b.buffer, b.byteOffset, 1)[0]!);
    }
    assert.deepEqual(got, Array.from({ length: 5_000 }, (_, i) => 15_000 + i));
  });
});

describe('ensembleIdOf', () => {
  test('is stable over order and changes with membership', () => {
    const a = { id: 1, host: 'a', port: 2888 };
    const b = { id: 2, host: 'b', port: 2888 };
    const c = { id: 3, host: 'c', port: 2888 };
    assert.equal(ensembleIdOf([a, b, c]), ensembleIdOf([c, a, b]));
    assert.match(ensembleIdOf([a, b, c]), /^[0-9a-f]{16}$/);
    assert.notEqual(ensembleIdOf([a, b, c]), ensembleIdOf([a, b]));
    assert.notEqual(ensembleIdOf([a, b, c]), ensembleIdOf([a, b, { ...c, port: 2889 }]));
  });
});
