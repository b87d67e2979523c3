// The msgpack codec and the edge validation of every frame. Code behind decode*() trusts its values.
// Plain msgpack maps (no msgpackr records extension), so any msgpack library can speak the protocol.
import { Packr } from 'msgpackr';
import { AddWatchMode, CreateMode, ErrorCode, OpCode, WatcherType, Xid, isSequentialMode, isTtlMode } from './constants.js';
import { MAX_ACL_ENTRIES, MAX_MULTI_OPS, MAX_TTL_MS } from './limits.js';
import { msgpackShapeProblem } from './msgpack-guard.js';
import { pathProblem, sequenceSuffix } from './path.js';
import { NULL_DATA } from './null-data.js';
import { HOSTILE_KEYS, isPlainMap, ownField } from './wire-values.js';
import type { ConnectRequest, ConnectResponse, CreateRequest } from './messages.js';
import { OPS, opInfo } from './ops.js';
import type { MultiOp, OpInfo, ReadOp, Request, RequestBodies, WireOpName, WithOp } from './ops.js';
import type { ACL } from './types.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false, bundleStrings: false });

export function encode(message: unknown): Uint8Array {
  return packr.pack(message);
}

/** Decodes one frame; throws on bytes that are not exactly one msgpack value. */
export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/** Why a frame could not be accepted. xid is set when the frame was readable enough to answer it. */
export interface FrameError {
  ok: false;
  err: ErrorCode;
  message: string;
  xid?: number;
  op?: number;
  /** True when the frame was not a readable message at all: the connection is closed with the message as reason. */
  fatal: boolean;
}
export type Decoded<T> = { ok: true; value: T } | FrameError;

class Invalid extends Error {
  constructor(readonly err: ErrorCode, message: string) {
    super(message);
  }
}

function fail(message: string, err: ErrorCode = ErrorCode.BADARGUMENTS): never {
  throw new Invalid(err, message);
}

type Obj = Record<string, unknown>;

/** Deepest nesting a frame may have: a multi's ACL id is 6 levels down ({ops: [{acl: [{id: {}}]}]}). */
const MAX_FRAME_DEPTH = 8;
/** Longest piece of a client's own text quoted back in an error message. */
const QUOTE_CHARS_MAX = 64;

const isObj = isPlainMap as (v: unknown) => v is Obj;
const field = ownField;

/** Names a wire value for an error message without calling anything on it (no String(), no toString). */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v.toString() : 'a non-finite number';
    case 'string':
      return JSON.stringify(v.length > QUOTE_CHARS_MAX ? `${v.slice(0, QUOTE_CHARS_MAX)}…` : v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'nothing';
    case 'bigint':
      return 'a bigint';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'a list';
      if (v instanceof Uint8Array) return 'binary';
      return 'a map';
  }
}

/** Why a decoded frame's structure is unacceptable (hostile keys, nesting too deep), or undefined. */
function structureProblem(v: unknown, depth: number): string | undefined {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return undefined;
  if (depth > MAX_FRAME_DEPTH) return `nested deeper than ${MAX_FRAME_DEPTH} levels`;
  if (Array.isArray(v)) {
    for (const item of v) {
      const p = structureProblem(item, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (!isObj(v)) return 'holds a value of an extension type';
  for (const key of Object.keys(v)) {
    if (HOSTILE_KEYS.includes(key)) return `has a forbidden key ${describeValue(key)}`;
    const p = structureProblem(v[key], depth + 1);
    if (p !== undefined) return p;
  }
  return undefined;
}

function int(o: Obj, key: string, min = -(2 ** 53 - 1), max = 2 ** 53 - 1): number {
  const v = field(o, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${key} must be an integer in [${min}, ${max}]`);
  return v;
}
function optInt(o: Obj, key: string, dflt: number, min?: number, max?: number): number {
  return field(o, key) === undefined ? dflt : int(o, key, min, max);
}
function bool(o: Obj, key: string, dflt: boolean): boolean {
  const v = field(o, key);
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`${key} must be a boolean`);
  return v;
}
function bytes(o: Obj, key: string, maxBytes: number): Uint8Array {
  const v = field(o, key);
  if (v === undefined || v === null) return new Uint8Array(0);
  if (!(v instanceof Uint8Array)) fail(`${key} must be binary`);
  if (v.byteLength > maxBytes) fail(`${key} is ${v.byteLength} bytes, over the limit of ${maxBytes}`);
  return v;
}
/**
 * A znode's data: nil is null data (NULL_DATA, as a jute null buffer is), a missing field is empty data.
 * NULL_DATA itself passes as it is: the jute door validates its decoded requests here.
 */
function data(o: Obj, maxBytes: number): Uint8Array {
  return field(o, 'data') === null ? NULL_DATA : bytes(o, 'data', maxBytes);
}
function path(o: Obj, key = 'path', suffixForCheck = ''): string {
  const v = field(o, key);
  if (typeof v !== 'string') fail(`${key} must be a string`);
  const problem = pathProblem(v + suffixForCheck);
  if (problem !== undefined) fail(`invalid path ${describeValue(v)}: ${problem}`);
  return v;
}
function stringList(o: Obj, key: string, maxItems: number): string[] {
  const v = field(o, key);
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > maxItems) fail(`${key} must be a list of at most ${maxItems} paths`);
  for (const p of v) {
    const problem = pathProblem(p);
    if (problem !== undefined) fail(`invalid path in ${key}: ${problem}`);
  }
  return v as string[];
}
function acl(o: Obj): ACL[] {
  const v = field(o, 'acl');
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ACL_ENTRIES) fail(`acl must be a list of 1 to ${MAX_ACL_ENTRIES} entries`, ErrorCode.INVALIDACL);
  return v.map((entry: unknown) => {
    const id = isObj(entry) ? field(entry, 'id') : undefined;
    if (!isObj(entry) || !isObj(id)) fail('acl entry must be { perms, id: { scheme, id } }', ErrorCode.INVALIDACL);
    const perms = field(entry, 'perms');
    const scheme = field(id, 'scheme');
    const ident = field(id, 'id');
    if (typeof perms !== 'number' || !Number.isInteger(perms) || perms < 0 || perms > 31) fail('acl perms must be an integer in [0, 31]', ErrorCode.INVALIDACL);
    if (typeof scheme !== 'string' || typeof ident !== 'string' || scheme.length === 0 || scheme.length > 256 || ident.length > 1024) {
      fail('acl id must have a scheme and an id', ErrorCode.INVALIDACL);
    }
    return { perms, id: { scheme, id: ident } };
  });
}
function oneOf<T extends number>(o: Obj, key: string, allowed: Record<string, T>): T {
  const v = field(o, key);
  if (!Object.values(allowed).includes(v as T)) fail(`${key} must be one of ${Object.values(allowed).join(', ')}`);
  return v as T;
}

/** Longest auth scheme name accepted (addAuthInfo), in UTF-16 code units. */
export const MAX_AUTH_SCHEME_LENGTH = 64;
/** Largest auth payload accepted (addAuthInfo), in bytes. */
export const MAX_AUTH_BYTES = 4096;

function authScheme(o: Obj): string {
  const v = field(o, 'scheme');
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_AUTH_SCHEME_LENGTH) fail(`scheme must be a string of 1 to ${MAX_AUTH_SCHEME_LENGTH} characters`);
  return v;
}

/** Limits the codec enforces; the server passes its configured values. */
export interface CodecLimits {
  maxDataBytes: number;
}

/** A sequential node's path is checked with a suffix the server will add. */
const SUFFIX_FOR_CHECK = sequenceSuffix(0);

function createBody(o: Obj, op: number, limits: CodecLimits): CreateRequest {
  const mode = oneOf(o, 'mode', CreateMode);
  const p = path(o, 'path', isSequentialMode(mode) ? SUFFIX_FOR_CHECK : '');
  const body: CreateRequest = {
    path: p,
    data: data(o, limits.maxDataBytes),
    acl: acl(o),
    mode,
  };
  if (isTtlMode(mode) || op === OpCode.createTTL) {
    if (!isTtlMode(mode)) fail('createTTL needs a TTL create mode');
    body.ttl = int(o, 'ttl', 1, MAX_TTL_MS);
  } else if (field(o, 'ttl') !== undefined) {
    fail('ttl is only allowed with a TTL create mode');
  }
  if (op === OpCode.createContainer && mode !== CreateMode.CONTAINER) fail('createContainer needs the CONTAINER mode');
  return body;
}

const VERSION_MAX = 2 ** 31 - 1;
/** Paths in each list of one setWatches2. */
const SET_WATCHES_PATHS_MAX = 1_000_000;

function versioned(o: Obj): { path: string; version: number } {
  return { path: path(o), version: int(o, 'version', -1, VERSION_MAX) };
}
function pathAndWatch(o: Obj): { path: string; watch: boolean } {
  return { path: path(o), watch: bool(o, 'watch', false) };
}
function opList(o: Obj): unknown[] {
  const ops = field(o, 'ops');
  if (!Array.isArray(ops) || ops.length > MAX_MULTI_OPS) fail(`ops must be a list of at most ${MAX_MULTI_OPS} ops`);
  return ops;
}

/** How each op a client may send reads its body: the checks behind every request the server trusts. */
const BODY_DECODERS: { readonly [K in WireOpName]: (o: Obj, limits: CodecLimits) => RequestBodies[K] } = {
  create: (o, limits) => createBody(o, OpCode.create, limits),
  create2: (o, limits) => createBody(o, OpCode.create2, limits),
  createContainer: (o, limits) => createBody(o, OpCode.createContainer, limits),
  createTTL: (o, limits) => createBody(o, OpCode.createTTL, limits),
  delete: versioned,
  check: versioned,
  setData: (o, limits) => ({ path: path(o), data: data(o, limits.maxDataBytes), version: int(o, 'version', -1, VERSION_MAX) }),
  setACL: (o) => ({ path: path(o), acl: acl(o), version: int(o, 'version', -1, VERSION_MAX) }),
  multi: (o, limits) => ({ ops: opList(o).map((r) => multiOp(r, limits)) }),
  exists: pathAndWatch,
  getData: pathAndWatch,
  getChildren: pathAndWatch,
  getChildren2: pathAndWatch,
  getACL: (o) => ({ path: path(o) }),
  getAllChildrenNumber: (o) => ({ path: path(o) }),
  getEphemerals: (o) => ({ prefixPath: path(o, 'prefixPath') }),
  multiRead: (o) => ({ ops: opList(o).map(readOp) }),
  addWatch: (o) => ({ path: path(o), mode: oneOf(o, 'mode', AddWatchMode) }),
  checkWatches: (o) => ({ path: path(o), watcherType: oneOf(o, 'watcherType', WatcherType) }),
  removeWatches: (o) => ({ path: path(o), watcherType: oneOf(o, 'watcherType', WatcherType) }),
  setWatches2: (o) => ({
    relativeZxid: int(o, 'relativeZxid', 0),
    dataWatches: stringList(o, 'dataWatches', SET_WATCHES_PATHS_MAX),
    existWatches: stringList(o, 'existWatches', SET_WATCHES_PATHS_MAX),
    childWatches: stringList(o, 'childWatches', SET_WATCHES_PATHS_MAX),
    persistentWatches: stringList(o, 'persistentWatches', SET_WATCHES_PATHS_MAX),
    persistentRecursiveWatches: stringList(o, 'persistentRecursiveWatches', SET_WATCHES_PATHS_MAX),
  }),
  ping: () => ({}),
  sync: (o) => ({ path: path(o) }),
  closeSession: () => ({}),
  auth: (o) => ({ scheme: authScheme(o), auth: bytes(o, 'auth', MAX_AUTH_BYTES) }),
  whoAmI: () => ({}),
};

/**
 * The op's body, decoded and checked, with its opcode. The table pairs each name with its opcode and
 * decoder; the compiler cannot follow that pairing through a union of names, hence the one assertion.
 */
function withBody<K extends WireOpName>(name: K, o: Obj, limits: CodecLimits): WithOp[K] {
  return { op: OPS[name].code, ...BODY_DECODERS[name](o, limits) } as WithOp[K];
}

function tableEntry(op: unknown): OpInfo | undefined {
  return typeof op === 'number' ? opInfo(op) : undefined;
}

function multiOp(raw: unknown, limits: CodecLimits): MultiOp {
  if (!isObj(raw)) fail('each multi op must be a map');
  const op = field(raw, 'op');
  const info = tableEntry(op);
  if (info?.batch !== 'multi') return fail(`op ${describeValue(op)} is not allowed in multi`, ErrorCode.UNIMPLEMENTED);
  return withBody(info.name, raw, limits);
}

function readOp(raw: unknown): ReadOp {
  if (!isObj(raw)) fail('each multiRead op must be a map');
  const op = field(raw, 'op');
  const info = tableEntry(op);
  if (info?.batch !== 'multiRead') return fail(`op ${describeValue(op)} is not allowed in multiRead`, ErrorCode.UNIMPLEMENTED);
  return { op: info.code, path: path(raw) };
}

function requestBody(o: Obj, xid: number, op: number, limits: CodecLimits): Request {
  const info = opInfo(op);
  // Opcodes the table does not list, and those only servers make (createSession, deleteContainer).
  if (info === undefined || !info.wire) return fail(`unknown or unsupported opcode ${op}`, ErrorCode.UNIMPLEMENTED);
  return { xid, ...withBody(info.name, o, limits) };
}

/** The frame as a plain map, or why it is not one. Never mistakes the frame's own content for a verdict. */
function decodeMap(frame: Uint8Array): { ok: true; value: Obj } | FrameError {
  // Checked before decoding: a header that lies about its length costs a decoder far more than the frame.
  const shape = msgpackShapeProblem(frame, MAX_FRAME_DEPTH + 1);
  if (shape !== undefined) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: `unparseable frame: ${shape}`, fatal: true };
  let value: unknown;
  try {
    value = decode(frame);
  } catch (e) {
    // msgpackr's messages quote no input; clipped all the same.
    const why = e instanceof Error ? e.message.slice(0, QUOTE_CHARS_MAX) : 'not msgpack';
    return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: `unparseable frame: ${why}`, fatal: true };
  }
  if (!isObj(value)) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: 'frame must be a msgpack map', fatal: true };
  const problem = structureProblem(value, 1);
  if (problem !== undefined) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: `frame ${problem}`, fatal: true };
  return { ok: true, value };
}

/** Decodes and validates a request frame. */
export function decodeRequest(frame: Uint8Array, limits: CodecLimits): Decoded<Request> {
  const decoded = decodeMap(frame);
  if (!decoded.ok) return decoded;
  return requestOf(decoded.value, limits);
}

/**
 * Validates a request that arrived already decoded (a write a follower forwarded to the leader) exactly as
 * a client's frame is validated.
 */
export function validateRequestValue(value: unknown, limits: CodecLimits): Decoded<Request> {
  if (!isObj(value)) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: 'request must be a map', fatal: true };
  const problem = structureProblem(value, 1);
  if (problem !== undefined) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: `request ${problem}`, fatal: true };
  return requestOf(value, limits);
}

function requestOf(obj: Obj, limits: CodecLimits): Decoded<Request> {
  const xid = field(obj, 'xid');
  if (typeof xid !== 'number' || !Number.isInteger(xid) || xid < -(2 ** 31) || xid > 2 ** 31 - 1) {
    return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: 'xid must be a 32-bit integer', fatal: true };
  }
  const op = field(obj, 'op');
  if (typeof op !== 'number' || !Number.isInteger(op)) {
    return { ok: false, err: ErrorCode.UNIMPLEMENTED, message: 'op must be an integer opcode', xid, fatal: false };
  }
  try {
    return { ok: true, value: requestBody(obj, xid, op, limits) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, err: e.err, message: e.message, xid, op, fatal: false };
    throw e;
  }
}

/** Decodes and validates the connect handshake. Any problem is fatal: the connection closes with the message. */
export function decodeConnectRequest(frame: Uint8Array): Decoded<ConnectRequest> {
  const decoded = decodeMap(frame);
  if (!decoded.ok) return decoded;
  const obj = decoded.value;
  try {
    return {
      ok: true,
      value: {
        protocolVersion: int(obj, 'protocolVersion', 0, 2 ** 31 - 1),
        lastZxidSeen: optInt(obj, 'lastZxidSeen', 0, 0),
        timeoutMs: int(obj, 'timeoutMs', 0, 2 ** 31 - 1),
        sessionId: optInt(obj, 'sessionId', 0, 0),
        passwd: bytes(obj, 'passwd', 64),
        readOnly: bool(obj, 'readOnly', false),
      },
    };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, err: e.err, message: `bad connect request: ${e.message}`, fatal: true };
    throw e;
  }
}

/** Decodes the server's handshake answer (client side). */
export function decodeConnectResponse(frame: Uint8Array): Decoded<ConnectResponse> {
  const decoded = decodeMap(frame);
  if (!decoded.ok) return decoded;
  const obj = decoded.value;
  try {
    return {
      ok: true,
      value: {
        protocolVersion: int(obj, 'protocolVersion', 0),
        err: int(obj, 'err'),
        timeoutMs: int(obj, 'timeoutMs', 0),
        sessionId: int(obj, 'sessionId', 0),
        passwd: bytes(obj, 'passwd', 64),
        readOnly: bool(obj, 'readOnly', false),
        zxid: int(obj, 'zxid', 0),
        maxFrameBytes: int(obj, 'maxFrameBytes', 1),
        maxDataBytes: int(obj, 'maxDataBytes', 1),
        serverId: optInt(obj, 'serverId', 0, 0),
      },
    };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, err: e.err, message: `bad connect response: ${e.message}`, fatal: true };
    throw e;
  }
}

export { Xid };
