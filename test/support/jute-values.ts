// Seeded random values of everything the jute codec carries, each one valid for its field: what the
// round-trip property test encodes and decodes. Edges come often (int and long bounds, exact longs past
// 2^53, empty and null buffers, empty lists, astral characters in strings), since that is where a codec breaks.
import { AddWatchMode, CreateMode, ErrorCode, OpCode, WatcherType } from '../../protocol/index.js';
import type { ACL, ClientInfo, MultiOp, OpResult, ReadOp, Stat, WithOp } from '../../protocol/index.js';
import { NULL_DATA } from '../../protocol/jute/index.js';
import { MAX_ACL_ENTRIES, MAX_PATH_LENGTH, MAX_TTL_MS } from '../../protocol/limits.js';
import type { Prng } from '../sim/prng.js';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
/** The largest double below 2^63: the largest long a JavaScript number holds exactly. */
const LONG_EXACT_MAX = 2 ** 63 - 2 ** 10;
const LONG_MIN = -(2 ** 63);

export function int32(prng: Prng): number {
  if (prng.chance(0.3)) return prng.pick([INT_MIN, -1, 0, 1, INT_MAX]);
  return prng.int(INT_MIN, INT_MAX);
}

/** A 53-bit mantissa times a power of two, below 2^63: exact as a double, most of them past 2^53. */
function bigExact(prng: Prng): number {
  const mantissa = prng.int(1, 2 ** 21 - 1) * 2 ** 32 + prng.int(0, 2 ** 32 - 1);
  const shifted = mantissa * 2 ** prng.int(0, 10);
  return Math.min(shifted, LONG_EXACT_MAX);
}

/** Any 64-bit value a number holds exactly: small, safe, or past 2^53 (ZooKeeper's session ids are). */
export function exactLong(prng: Prng): number {
  const r = prng.next();
  if (r < 0.2) return prng.pick([LONG_MIN, -1, 0, 1, 2 ** 53 - 1, 2 ** 53, LONG_EXACT_MAX]);
  if (r < 0.45) return prng.int(-1000, 1000);
  if (r < 0.7) return prng.int(0, 2 ** 21 - 1) * 2 ** 32 + prng.int(0, 2 ** 32 - 1);
  return prng.chance(0.5) ? bigExact(prng) : -bigExact(prng);
}

export function nonNegativeExactLong(prng: Prng): number {
  return Math.abs(exactLong(prng)) % (LONG_EXACT_MAX + 1) || prng.int(0, 10);
}

/** A zxid as Canopy makes them: epoch * 2^32 + counter, below 2^53. */
export function zxid(prng: Prng): number {
  return prng.int(0, 2 ** 21 - 1) * 2 ** 32 + prng.int(0, 2 ** 32 - 1);
}

// Segment characters a path may hold (PathUtils): ASCII, Latin-1 and CJK letters, no controls, no surrogates.
const PATH_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.:@ ', 'é', 'ß', 'ñ', '日', '本', 'Ω', '€'];

function segment(prng: Prng, maxChars: number): string {
  for (;;) {
    let s = '';
    const n = prng.int(1, maxChars);
    for (let i = 0; i < n; i++) s += prng.pick(PATH_CHARS);
    if (s !== '.' && s !== '..') return s;
  }
}

/** A valid znode path; `room` keeps it short enough for a sequential suffix. */
export function znodePath(prng: Prng, room = 0): string {
  if (prng.chance(0.05)) return '/';
  if (prng.chance(0.02)) return `/${'x'.repeat(MAX_PATH_LENGTH - 1 - room)}`;
  let p = '';
  const depth = prng.int(1, 5);
  for (let i = 0; i < depth; i++) p += `/${segment(prng, 12)}`;
  return p;
}

// Any well-formed string: controls, NUL, every plane (a lone surrogate is not a string UTF-8 can carry).
const TEXT_CHARS = ['a', 'Z', '0', ' ', '/', '\0', '\n', '\u007f', 'é', '\u0800', '日', '\uffff', '😀', '𝄞', '\u{10ffff}'];

export function ustring(prng: Prng, maxChars = 24): string {
  if (prng.chance(0.1)) return '';
  let s = '';
  const n = prng.int(1, maxChars);
  for (let i = 0; i < n; i++) s += prng.pick(TEXT_CHARS);
  return s;
}

export function bytes(prng: Prng, maxBytes = 300): Uint8Array {
  const n = prng.chance(0.15) ? 0 : prng.int(1, maxBytes);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = prng.int(0, 255);
  return out;
}

/** A buffer field where jute allows null: sometimes the null buffer (-1 on the wire), sometimes empty. */
export function nullableBytes(prng: Prng, maxBytes = 300): Uint8Array {
  return prng.chance(0.15) ? NULL_DATA : bytes(prng, maxBytes);
}

function aclEntry(prng: Prng): ACL {
  const perms = prng.int(0, 31);
  switch (prng.int(0, 3)) {
    case 0: return { perms, id: { scheme: 'world', id: 'anyone' } };
    case 1: return { perms, id: { scheme: 'ip', id: prng.pick(['127.0.0.1', '10.0.0.0/8', '::1']) } };
    case 2: return { perms, id: { scheme: 'digest', id: `${ustring(prng, 8)}:${'A'.repeat(27)}=` } };
    default: return { perms, id: { scheme: ustring(prng, 10) || 'x', id: ustring(prng, 40) } };
  }
}

export function aclList(prng: Prng): ACL[] {
  const n = prng.chance(0.05) ? MAX_ACL_ENTRIES : prng.int(1, 4);
  return Array.from({ length: n }, () => aclEntry(prng));
}

export function stat(prng: Prng): Stat {
  return {
    czxid: exactLong(prng), mzxid: exactLong(prng), pzxid: exactLong(prng), ctime: exactLong(prng), mtime: exactLong(prng),
    version: int32(prng), cversion: int32(prng), aversion: int32(prng), ephemeralOwner: exactLong(prng),
    dataLength: int32(prng), numChildren: int32(prng),
  };
}

export function version(prng: Prng): number {
  return prng.chance(0.3) ? prng.pick([-1, 0, INT_MAX]) : prng.int(-1, INT_MAX);
}

export function list<T>(prng: Prng, item: (prng: Prng) => T, maxItems = 6): T[] {
  return Array.from({ length: prng.chance(0.2) ? 0 : prng.int(1, maxItems) }, () => item(prng));
}

export function clientInfo(prng: Prng): ClientInfo {
  return { authScheme: ustring(prng, 8), user: ustring(prng) };
}

// ---- request bodies ----

const CREATE_MODES = [CreateMode.PERSISTENT, CreateMode.EPHEMERAL, CreateMode.PERSISTENT_SEQUENTIAL, CreateMode.EPHEMERAL_SEQUENTIAL, CreateMode.CONTAINER];
const TTL_MODES = [CreateMode.PERSISTENT_WITH_TTL, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL];
const SEQUENTIAL_SUFFIX_CHARS = 10;
type CreateOpName = 'create' | 'create2' | 'createContainer' | 'createTTL';

function ttl(prng: Prng): number {
  return prng.chance(0.3) ? prng.pick([1, MAX_TTL_MS]) : prng.int(1, MAX_TTL_MS);
}

/** A create body of one of the create opcodes, with a mode that opcode takes (TTL modes only through createTTL). */
export function createBody<K extends CreateOpName>(prng: Prng, op: WithOp[K]['op']): WithOp[K] {
  const mode = op === OpCode.createTTL ? prng.pick(TTL_MODES) : op === OpCode.createContainer ? CreateMode.CONTAINER : prng.pick(CREATE_MODES);
  const body = { op, path: znodePath(prng, SEQUENTIAL_SUFFIX_CHARS), data: nullableBytes(prng), acl: aclList(prng), mode };
  // The op and the mode were picked together above; the compiler cannot follow that through the union.
  return (op === OpCode.createTTL ? { ...body, ttl: ttl(prng) } : body) as WithOp[K];
}

export function multiOp(prng: Prng): MultiOp {
  switch (prng.int(0, 6)) {
    case 0: return createBody<'create'>(prng, OpCode.create);
    case 1: return createBody<'create2'>(prng, OpCode.create2);
    case 2: return createBody<'createContainer'>(prng, OpCode.createContainer);
    case 3: return createBody<'createTTL'>(prng, OpCode.createTTL);
    case 4: return { op: OpCode.delete, path: znodePath(prng), version: version(prng) };
    case 5: return { op: OpCode.check, path: znodePath(prng), version: version(prng) };
    default: return { op: OpCode.setData, path: znodePath(prng), data: nullableBytes(prng), version: version(prng) };
  }
}

export function readOp(prng: Prng): ReadOp {
  return { op: prng.pick([OpCode.getData, OpCode.getChildren, OpCode.exists, OpCode.getChildren2]), path: znodePath(prng) };
}

export const WATCHER_TYPES = Object.values(WatcherType);
export const ADD_WATCH_MODES = Object.values(AddWatchMode);

// ---- results inside a MultiResponse ----

const FAILURE_CODES = Object.values(ErrorCode).filter((c) => c !== ErrorCode.OK);

/** A successful result of a multi's op, as the codec reads it back (createContainer and createTTL answer as create2). */
function multiWriteResult(prng: Prng): OpResult {
  switch (prng.int(0, 4)) {
    case 0: return { op: OpCode.create, err: ErrorCode.OK, path: ustring(prng) };
    case 1: return { op: OpCode.create2, err: ErrorCode.OK, path: ustring(prng), stat: stat(prng) };
    case 2: return { op: OpCode.delete, err: ErrorCode.OK };
    case 3: return { op: OpCode.check, err: ErrorCode.OK };
    default: return { op: OpCode.setData, err: ErrorCode.OK, stat: stat(prng) };
  }
}

function multiReadResult(prng: Prng): OpResult {
  switch (prng.int(0, 4)) {
    case 0: return { op: OpCode.getData, err: ErrorCode.OK, data: nullableBytes(prng), stat: stat(prng) };
    case 1: return { op: OpCode.getChildren, err: ErrorCode.OK, children: list(prng, ustring) };
    case 2: return { op: OpCode.exists, err: ErrorCode.OK, stat: stat(prng) };
    case 3: return { op: OpCode.getChildren2, err: ErrorCode.OK, children: list(prng, ustring), stat: stat(prng) };
    default: return { op: OpCode.error, err: prng.pick(FAILURE_CODES) };
  }
}

/** A multi's answer: all its ops' results, or (failed) OK error results, the failure, then RUNTIMEINCONSISTENCY. Its err is the failure's. */
export function multiAnswer(prng: Prng): { err: number; results: OpResult[] } {
  const n = prng.int(0, 6);
  if (n === 0 || prng.chance(0.5)) return { err: ErrorCode.OK, results: Array.from({ length: n }, () => multiWriteResult(prng)) };
  const failedAt = prng.int(0, n - 1);
  const err = prng.pick(FAILURE_CODES);
  const results = Array.from({ length: n }, (_, i): OpResult => ({
    op: OpCode.error, err: i < failedAt ? ErrorCode.OK : i === failedAt ? err : ErrorCode.RUNTIMEINCONSISTENCY,
  }));
  return { err, results };
}

/** A multiRead's answer: each read's result or its error; the header's err is OK either way. */
export function multiReadAnswer(prng: Prng): { err: number; results: OpResult[] } {
  return { err: ErrorCode.OK, results: list(prng, multiReadResult) };
}

export function failureCode(prng: Prng): number {
  return prng.chance(0.2) ? prng.pick([INT_MIN, -1, INT_MAX]) : prng.pick(FAILURE_CODES);
}
