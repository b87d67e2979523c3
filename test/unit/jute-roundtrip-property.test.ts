// The jute codec's round trip as a seeded property: random valid values of every request, every response
// record (each opcode's answer, error answers, multi and multiRead results, notifications) and both
// handshake records are encoded and decoded back to a deeply equal value, null buffers still null. Every
// byte-boundary truncation of some of those frames is a typed decode failure (MARSHALLINGERROR), never an
// exception and never a value the bytes do not say; so are bytes left over after the record. Longs are JavaScript numbers: exact ones past 2^53
// travel, inexact ones are refused both ways rather than rounded.
//
// JUTE_PROPERTY_CASES (default 200) sets the cases per type; JUTE_PROPERTY_SEED replays a failure, whose
// message names the seed, the type and the case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_DATA_BYTES, ErrorCode, OpCode, SESSION_PASSWD_BYTES } from '../../protocol/index.js';
import type { ConnectRequest, ConnectResponse, Decoded, NotificationFrame, Request, Response, WireOpName, WithOp } from '../../protocol/index.js';
import {
  NULL_DATA, JUTE_XID, JuteEncodeError, JuteFrameReader, decodeJuteConnectRequest, decodeJuteConnectResponse, decodeJuteRequest, decodeJuteResponse,
  encodeJuteConnectRequest, encodeJuteConnectResponse, encodeJuteRequest, encodeJuteResponse, withLengthPrefix,
} from '../../protocol/jute/index.js';
import { Prng, deriveSeed } from '../sim/prng.js';
import {
  ADD_WATCH_MODES, WATCHER_TYPES, aclList, bytes, clientInfo, createBody, exactLong, failureCode, int32, list, multiAnswer, multiOp,
  multiReadAnswer, nonNegativeExactLong, nullableBytes, readOp, stat, ustring, version, znodePath, zxid,
} from '../support/jute-values.js';

function envCount(name: string, fallback: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) throw new RangeError(`${name} must be a whole number up to ${max}, not '${text.slice(0, 20)}'`);
  return Number(text);
}

const CASES = Math.max(1, envCount('JUTE_PROPERTY_CASES', 200, 1_000_000));
const SEED = envCount('JUTE_PROPERTY_SEED', 0x16_5eed, 2 ** 32 - 1);
/** Cases per type whose frames are also cut at every byte. */
const TRUNCATED_CASES = 4;
const LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };
const INT_MAX = 2 ** 31 - 1;

type Gen<T> = (prng: Prng) => T;

/**
 * Runs check on CASES seeded values of each generator. Each case has its own seed (SEED, table, type, case),
 * so one failure replays alone and a change to one generator shifts no other's values.
 */
function forAll<T>(table: number, generators: Readonly<Record<string, Gen<T> | null>>, check: (value: T, name: string, index: number) => void): void {
  Object.entries(generators).forEach(([name, generate], typeIndex) => {
    if (generate === null) return;
    for (let i = 0; i < CASES; i++) {
      const value = generate(new Prng(deriveSeed(SEED, table, typeIndex, i)));
      try {
        check(value, name, i);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(`${name}, case ${i} (replay with JUTE_PROPERTY_SEED=${SEED}): ${why}`, { cause: e });
      }
    }
  });
}

/** Where in a value the jute null buffer sits: it must come back null, not merely empty. */
function nullBuffers(value: unknown, at = '$'): string[] {
  if (value === NULL_DATA) return [at];
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => nullBuffers(v, `${at}.${key}`));
}

function assertSame<T>(decoded: Decoded<T>, expected: T): void {
  assert.deepEqual(decoded, { ok: true, value: expected });
  assert.deepEqual(nullBuffers(decoded.ok ? decoded.value : undefined), nullBuffers(expected), 'null buffers stay null');
}

/**
 * Every strict prefix of frame decodes without throwing, to a MARSHALLINGERROR failure, or (a field jute
 * makes optional at the end: check's stat, the readOnly byte) to a value whose encoding is that very prefix.
 */
function assertTruncations<T>(frame: Uint8Array, decode: (b: Uint8Array) => Decoded<T>, encode: (v: T) => Uint8Array, onFailure: (d: Decoded<T> & { ok: false }, n: number) => void): void {
  for (let n = 0; n < frame.byteLength; n++) {
    const prefix = frame.slice(0, n);
    const d = decode(prefix);
    if (d.ok) {
      assert.deepEqual(encode(d.value), prefix, `cut at ${n} of ${frame.byteLength} decoded to a value those bytes do not say`);
      continue;
    }
    assert.equal(d.err, ErrorCode.MARSHALLINGERROR, `cut at ${n}: ${d.message}`);
    onFailure(d, n);
  }
}

/** Bytes after a whole record mean the frame is not what it says: 1 to 3 more bytes are a MARSHALLINGERROR. */
function assertPaddingRefused<T>(frame: Uint8Array, decode: (b: Uint8Array) => Decoded<T>, p: Prng): void {
  for (let extra = 1; extra <= 3; extra++) {
    const padded = Uint8Array.from([...frame, ...Array.from({ length: extra }, () => p.int(0, 255))]);
    const d = decode(padded);
    assert.ok(!d.ok && d.err === ErrorCode.MARSHALLINGERROR, `${extra} byte(s) after the record: ${d.ok ? 'decoded' : d.message}`);
  }
}

// ---- requests: every opcode a client may send ----

const REQUEST_BODIES: { readonly [K in WireOpName]: Gen<WithOp[K]> } = {
  create: (p) => createBody<'create'>(p, OpCode.create),
  create2: (p) => createBody<'create2'>(p, OpCode.create2),
  createContainer: (p) => createBody<'createContainer'>(p, OpCode.createContainer),
  createTTL: (p) => createBody<'createTTL'>(p, OpCode.createTTL),
  delete: (p) => ({ op: OpCode.delete, path: znodePath(p), version: version(p) }),
  check: (p) => ({ op: OpCode.check, path: znodePath(p), version: version(p) }),
  setData: (p) => ({ op: OpCode.setData, path: znodePath(p), data: nullableBytes(p), version: version(p) }),
  setACL: (p) => ({ op: OpCode.setACL, path: znodePath(p), acl: aclList(p), version: version(p) }),
  multi: (p) => ({ op: OpCode.multi, ops: list(p, multiOp, 8) }),
  exists: (p) => ({ op: OpCode.exists, path: znodePath(p), watch: p.chance(0.5) }),
  getData: (p) => ({ op: OpCode.getData, path: znodePath(p), watch: p.chance(0.5) }),
  getChildren: (p) => ({ op: OpCode.getChildren, path: znodePath(p), watch: p.chance(0.5) }),
  getChildren2: (p) => ({ op: OpCode.getChildren2, path: znodePath(p), watch: p.chance(0.5) }),
  getACL: (p) => ({ op: OpCode.getACL, path: znodePath(p) }),
  getAllChildrenNumber: (p) => ({ op: OpCode.getAllChildrenNumber, path: znodePath(p) }),
  getEphemerals: (p) => ({ op: OpCode.getEphemerals, prefixPath: znodePath(p) }),
  multiRead: (p) => ({ op: OpCode.multiRead, ops: list(p, readOp, 8) }),
  addWatch: (p) => ({ op: OpCode.addWatch, path: znodePath(p), mode: p.pick(ADD_WATCH_MODES) }),
  checkWatches: (p) => ({ op: OpCode.checkWatches, path: znodePath(p), watcherType: p.pick(WATCHER_TYPES) }),
  removeWatches: (p) => ({ op: OpCode.removeWatches, path: znodePath(p), watcherType: p.pick(WATCHER_TYPES) }),
  // Half without persistent watches, which travel as setWatches (101) and must come back the same.
  setWatches2: (p) => {
    const legacy = p.chance(0.5);
    return {
      op: OpCode.setWatches2, relativeZxid: p.chance(0.5) ? zxid(p) : p.int(0, 2 ** 53 - 1),
      dataWatches: list(p, znodePath), existWatches: list(p, znodePath), childWatches: list(p, znodePath),
      persistentWatches: legacy ? [] : list(p, znodePath), persistentRecursiveWatches: legacy ? [] : list(p, znodePath),
    };
  },
  ping: () => ({ op: OpCode.ping }),
  sync: (p) => ({ op: OpCode.sync, path: znodePath(p) }),
  closeSession: () => ({ op: OpCode.closeSession }),
  auth: (p) => ({ op: OpCode.auth, scheme: ustring(p, 20) || 'digest', auth: nullableBytes(p, 4096) }),
  whoAmI: () => ({ op: OpCode.whoAmI }),
};

/** A request's xid: any int but -1, which is reserved for notifications (refused both ways, tested below). */
function requestXid(p: Prng): number {
  const xid = int32(p);
  return xid === JUTE_XID.NOTIFICATION ? JUTE_XID.PING : xid;
}

const REQUESTS: Record<string, Gen<Request>> = Object.fromEntries(
  Object.entries(REQUEST_BODIES).map(([name, body]) => [name, (p: Prng) => ({ xid: requestXid(p), ...(body as Gen<WithOp[WireOpName]>)(p) })]),
);

describe('jute requests round-trip', () => {
  test(`every opcode a client sends: ${CASES} random requests each decode to what was encoded`, () => {
    forAll(1, REQUESTS, (request) => assertSame(decodeJuteRequest(encodeJuteRequest(request), LIMITS), request));
  });

  test('xid -1 is refused both ways for every opcode: its answer could not be told from a notification', () => {
    forAll(13, REQUESTS, (request, _name, i) => {
      if (i >= TRUNCATED_CASES) return;
      assert.throws(() => encodeJuteRequest({ ...request, xid: JUTE_XID.NOTIFICATION }), JuteEncodeError);
      const bytes = encodeJuteRequest(request);
      new DataView(bytes.buffer).setInt32(0, JUTE_XID.NOTIFICATION);
      const d = decodeJuteRequest(bytes, LIMITS);
      assert.ok(!d.ok && d.fatal && d.err === ErrorCode.MARSHALLINGERROR && /reserved for notifications/.test(d.message), JSON.stringify(d));
    });
  });

  test('cut at every byte: fatal without the 8-byte header, else MARSHALLINGERROR for the request\'s xid; padded: MARSHALLINGERROR', () => {
    forAll(1, REQUESTS, (request, _name, i) => {
      if (i >= TRUNCATED_CASES) return;
      assertPaddingRefused(encodeJuteRequest(request), (b) => decodeJuteRequest(b, LIMITS), new Prng(deriveSeed(SEED, 9, i)));
      assertTruncations(encodeJuteRequest(request), (b) => decodeJuteRequest(b, LIMITS), () => assert.fail('a cut request decoded'), (d, n) => {
        assert.deepEqual([d.fatal, d.xid], n < 8 ? [true, undefined] : [false, request.xid], `cut at ${n}`);
      });
    });
  });
});

// ---- responses: each opcode's answer, error answers and notifications ----

type AnswerBody = Partial<Response>;

/** Every OpCode name: what a successful answer carries, or null for a code no client request is answered with. */
const ANSWERS: { readonly [K in keyof typeof OpCode]: Gen<AnswerBody> | null } = {
  notification: null,
  error: null,
  createSession: null,
  deleteContainer: null,
  create: (p) => ({ path: ustring(p) }),
  create2: (p) => ({ path: ustring(p), stat: stat(p) }),
  createContainer: (p) => ({ path: ustring(p), stat: stat(p) }),
  createTTL: (p) => ({ path: ustring(p), stat: stat(p) }),
  delete: () => ({}),
  exists: (p) => ({ stat: stat(p) }),
  getData: (p) => ({ data: nullableBytes(p), stat: stat(p) }),
  setData: (p) => ({ stat: stat(p) }),
  getACL: (p) => ({ acl: aclList(p), stat: stat(p) }),
  setACL: (p) => ({ stat: stat(p) }),
  getChildren: (p) => ({ children: list(p, ustring) }),
  getChildren2: (p) => ({ children: list(p, ustring), stat: stat(p) }),
  sync: (p) => ({ path: ustring(p) }),
  ping: () => ({}),
  // ZooKeeper 3.9 answers a check sent alone with a Stat; Canopy's carries none.
  check: (p) => (p.chance(0.5) ? { stat: stat(p) } : {}),
  multi: multiAnswer,
  multiRead: multiReadAnswer,
  reconfig: (p) => ({ data: nullableBytes(p), stat: stat(p) }),
  checkWatches: () => ({}),
  removeWatches: () => ({}),
  setWatches: () => ({}),
  setWatches2: () => ({}),
  addWatch: () => ({}),
  getEphemerals: (p) => ({ ephemerals: list(p, ustring) }),
  getAllChildrenNumber: (p) => ({ totalNumber: int32(p) }),
  whoAmI: (p) => ({ clientInfo: list(p, clientInfo) }),
  auth: () => ({}),
  sasl: () => ({}),
  closeSession: () => ({}),
};

/** A reply's xid: any int but -1, which marks a notification. */
function replyXid(p: Prng): number {
  const xid = int32(p);
  return xid === -1 ? -2 : xid;
}

interface Answer {
  op: number;
  frame: Response;
}

function answers(failed: boolean): Record<string, Gen<Answer> | null> {
  return Object.fromEntries(Object.entries(ANSWERS).map(([name, body]) => {
    const op = OpCode[name as keyof typeof OpCode];
    const generate = (p: Prng): Answer => {
      const head = { xid: replyXid(p), zxid: exactLong(p) };
      return { op, frame: failed ? { ...head, err: failureCode(p) } : { ...head, err: ErrorCode.OK, ...body!(p) } };
    };
    return [name, body === null ? null : generate];
  }));
}

function notification(p: Prng): NotificationFrame {
  return { xid: -1, zxid: exactLong(p), err: 0, type: int32(p), state: int32(p), path: ustring(p, 60) };
}

describe('jute responses round-trip', () => {
  test(`every opcode's answer: ${CASES} random answers each decode to what was encoded`, () => {
    forAll(2, answers(false), ({ op, frame }) => assertSame(decodeJuteResponse(encodeJuteResponse(frame, op), op), frame));
  });

  test(`every opcode's error answer, and ${CASES} notifications`, () => {
    forAll(3, answers(true), ({ op, frame }) => assertSame(decodeJuteResponse(encodeJuteResponse(frame, op), op), frame));
    forAll(4, { notification }, (frame) => assertSame(decodeJuteResponse(encodeJuteResponse(frame, undefined), undefined), frame));
  });

  test('cut at every byte: a fatal MARSHALLINGERROR (with the xid once it is in), or check\'s answer without its optional Stat; padded: MARSHALLINGERROR', () => {
    const cutAll = (table: number, generators: Record<string, Gen<Answer> | null>): void => forAll(table, generators, ({ op, frame }, _name, i) => {
      if (i >= TRUNCATED_CASES) return;
      const encode = (f: Response): Uint8Array => encodeJuteResponse(f, op);
      assertPaddingRefused(encode(frame), (b) => decodeJuteResponse(b, op), new Prng(deriveSeed(SEED, 10, table, i)));
      assertTruncations(encode(frame), (b) => decodeJuteResponse(b, op), encode, (d, n) => {
        assert.deepEqual([d.fatal, d.xid], [true, n < 16 ? undefined : frame.xid], `cut at ${n}`);
      });
    });
    cutAll(2, answers(false));
    cutAll(3, answers(true));
  });

  test('a createContainer or createTTL result inside a multi answers as create2, as ZooKeeper sends it', () => {
    const st = stat(new Prng(SEED));
    for (const op of [OpCode.createContainer, OpCode.createTTL]) {
      const frame: Response = { xid: 3, zxid: 9, err: ErrorCode.OK, results: [{ op, err: ErrorCode.OK, path: '/c', stat: st }] };
      assertSame(decodeJuteResponse(encodeJuteResponse(frame, OpCode.multi), OpCode.multi), { ...frame, results: [{ op: OpCode.create2, err: ErrorCode.OK, path: '/c', stat: st }] });
    }
  });
});

// ---- longs past 2^53 ----

describe('64-bit values', () => {
  test('an exact long past 2^53 travels; one a number cannot hold is refused both ways, never rounded', () => {
    const exact: Response = { xid: 1, zxid: 2 ** 62, err: ErrorCode.OK, stat: { ...stat(new Prng(SEED)), czxid: 2 ** 60 + 2 ** 8, ephemeralOwner: -(2 ** 63) } };
    assertSame(decodeJuteResponse(encodeJuteResponse(exact, OpCode.exists), OpCode.exists), exact);
    for (const bad of [2 ** 63, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => encodeJuteResponse({ ...exact, stat: { ...exact.stat!, mzxid: bad } }, OpCode.exists), JuteEncodeError, `mzxid ${bad}`);
    }
    // 2^53 + 1 on the wire: the czxid field of the Stat after the 16-byte reply header.
    const bytes = encodeJuteResponse(exact, OpCode.exists);
    new DataView(bytes.buffer).setBigInt64(16, 2n ** 53n + 1n);
    const d = decodeJuteResponse(bytes, OpCode.exists);
    assert.ok(!d.ok && d.err === ErrorCode.MARSHALLINGERROR && d.xid === 1 && /stat\.czxid/.test(d.message), JSON.stringify(d));
    const watches = encodeJuteRequest({ xid: 5, op: OpCode.setWatches2, relativeZxid: 7, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: ['/p'], persistentRecursiveWatches: [] });
    new DataView(watches.buffer).setBigInt64(8, 2n ** 63n - 1n);
    const w = decodeJuteRequest(watches, LIMITS);
    assert.ok(!w.ok && w.err === ErrorCode.MARSHALLINGERROR && w.xid === 5 && !w.fatal, JSON.stringify(w));
  });
});

// ---- the handshake ----

function connectRequest(p: Prng): ConnectRequest {
  return {
    protocolVersion: p.int(0, INT_MAX), lastZxidSeen: nonNegativeExactLong(p), timeoutMs: p.int(0, INT_MAX),
    sessionId: nonNegativeExactLong(p), passwd: nullableBytes(p, 64), readOnly: p.chance(0.5),
  };
}

function connectResponse(p: Prng): ConnectResponse {
  const accepted = p.chance(0.7);
  return {
    protocolVersion: int32(p), err: accepted ? ErrorCode.OK : ErrorCode.SESSIONEXPIRED, timeoutMs: accepted ? p.int(1, INT_MAX) : p.int(0, INT_MAX),
    sessionId: exactLong(p), passwd: accepted ? nullableBytes(p, 64) : bytes(p, 64), readOnly: p.chance(0.5),
    zxid: 0, maxFrameBytes: 0, maxDataBytes: 0, serverId: 0,
  };
}

/** What a response decodes to: a refusal is ZooKeeper's (timeOut 0, session 0, 16 zero bytes); the readOnly byte only when sent. */
function expectedConnectResponse(r: ConnectResponse, withReadOnlyByte: boolean): ConnectResponse & { readOnlyByteSent: boolean } {
  const refusal = r.err === ErrorCode.OK ? {} : { timeoutMs: 0, sessionId: 0, passwd: new Uint8Array(SESSION_PASSWD_BYTES) };
  return { ...r, ...refusal, readOnly: withReadOnlyByte && r.readOnly, readOnlyByteSent: withReadOnlyByte };
}

describe('jute handshake round-trip', () => {
  test(`${CASES} connect requests and responses, with and without the readOnly byte`, () => {
    forAll(5, { connectRequest }, (req, _name, i) => {
      for (const withByte of [true, false]) {
        const frame = encodeJuteConnectRequest(req, withByte);
        assertSame(decodeJuteConnectRequest(frame), { ...req, readOnly: withByte && req.readOnly, readOnlyByteSent: withByte });
        if (i >= TRUNCATED_CASES) continue;
        // Without the readOnly byte, one more byte of 0 or 1 is that byte.
        if (withByte) assertPaddingRefused(frame, decodeJuteConnectRequest, new Prng(deriveSeed(SEED, 11, i)));
        assertTruncations(frame, decodeJuteConnectRequest, (v) => encodeJuteConnectRequest(v, v.readOnlyByteSent), (d) => assert.equal(d.fatal, true));
      }
    });
    forAll(6, { connectResponse }, (res, _name, i) => {
      for (const withByte of [true, false]) {
        const frame = encodeJuteConnectResponse(res, withByte);
        assertSame(decodeJuteConnectResponse(frame), expectedConnectResponse(res, withByte));
        if (i >= TRUNCATED_CASES) continue;
        if (withByte) assertPaddingRefused(frame, decodeJuteConnectResponse, new Prng(deriveSeed(SEED, 12, i)));
        assertTruncations(frame, decodeJuteConnectResponse, (v) => encodeJuteConnectResponse(v, v.readOnlyByteSent), (d) => assert.equal(d.fatal, true));
      }
    });
  });
});

// ---- framing ----

describe('jute framing', () => {
  test(`${CASES} streams of frames cut into random chunks give back the same frames, in order`, () => {
    const stream = (p: Prng): Uint8Array[] => list(p, (q) => bytes(q, 2_000), 8);
    forAll(7, { stream }, (bodies, _name, i) => {
      const wire = Uint8Array.from(bodies.flatMap((b) => [...withLengthPrefix(b)]));
      const p = new Prng(deriveSeed(SEED, 8, i));
      const reader = new JuteFrameReader(2_000);
      const got: Uint8Array[] = [];
      for (let at = 0; at < wire.byteLength;) {
        const size = p.pick([0, 1, 2, 3, 5, 64, 1_000, 5_000]);
        got.push(...reader.push(wire.subarray(at, at + size)));
        at += size;
      }
      assert.deepEqual(got, bodies);
      assert.equal(reader.pendingBytes, 0);
    });
  });
});
