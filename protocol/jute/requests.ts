// Request bodies in jute (zookeeper.jute, module org.apache.zookeeper.proto), for every opcode of
// ZooKeeper 3.9's client protocol. A request frame is RequestHeader { int xid; int type } then the body.
//
// Decoding reads the body into the same plain map a msgpack frame decodes to, and hands it to the msgpack
// codec's validation (validateRequestValue): one set of rules (paths, ACLs, modes, TTLs, limits) for both
// doors, and code behind either trusts the same typed Request.
//
// Ops Canopy does not serve (reconfig, checkWatches, sasl) are read in full, so the frame is known to be
// well formed, and then answered UNIMPLEMENTED. setWatches (101) is setWatches2 without its persistent
// lists and decodes to setWatches2; the encoder writes a setWatches2 whose persistent lists are both empty
// as setWatches, the rule ZooKeeper's Java client follows (ClientCnxn.primeConnection), so the bytes of
// either round-trip.
import { ErrorCode, OpCode, Xid } from '../constants.js';
import { MAX_MULTI_OPS } from '../limits.js';
import { opInfo } from '../ops.js';
import type { MultiOp, ReadOp, Request, WireOpName, WithOp } from '../ops.js';
import { assertNever } from '../assert-never.js';
import { JuteDecodeError, JuteEncodeError } from './errors.js';
import { JuteReader, JuteWriter } from './primitives.js';
import { readAclList, readStringList, writeAclList, writeStringList } from './records.js';

/** A body as read off the wire, before validation: the shape of a msgpack request map. */
export type RawBody = Record<string, unknown>;

/** RequestHeader: xid and opcode. */
export const REQUEST_HEADER_BYTES = 8;
/** Why a request may not carry xid -1, in both directions. */
export const NOTIFICATION_XID_RESERVED = 'xid -1 is reserved for notifications: an answer to it could not be told from one';
/** MultiHeader's type, done and err for the end of a multi's ops (ZooKeeper writes -1, true, -1). */
const MULTI_END_TYPE = -1;
const MULTI_NO_ERR = -1;

/** The opcodes jute can carry from a client: Canopy's wire ops and the ones it reads only to refuse or map. */
type JuteRequestName = WireOpName | 'reconfig' | 'setWatches' | 'sasl';

function unserved(name: string): never {
  throw new JuteDecodeError(`${name} is not served by Canopy`, ErrorCode.UNIMPLEMENTED);
}

function readCreate(r: JuteReader, op: number, withTtl: boolean): RawBody {
  const path = r.string('path');
  const data = r.buffer('data');
  const acl = readAclList(r);
  const mode = r.int('flags');
  return withTtl ? { op, path, data, acl, mode, ttl: r.long('ttl') } : { op, path, data, acl, mode };
}
const readPathWatch = (r: JuteReader): RawBody => ({ path: r.string('path'), watch: r.bool('watch') });
const readPathVersion = (r: JuteReader): RawBody => ({ path: r.string('path'), version: r.int('version') });
const readPath = (r: JuteReader): RawBody => ({ path: r.string('path') });
const readNothing = (): RawBody => ({});
function readWatchLists(r: JuteReader, persistent: boolean): RawBody {
  const body: RawBody = {
    relativeZxid: r.long('relativeZxid'),
    dataWatches: readStringList(r, 'dataWatches'),
    existWatches: readStringList(r, 'existWatches'),
    childWatches: readStringList(r, 'childWatches'),
  };
  body.persistentWatches = persistent ? readStringList(r, 'persistentWatches') : [];
  body.persistentRecursiveWatches = persistent ? readStringList(r, 'persistentRecursiveWatches') : [];
  return body;
}

/** One op inside multi or multiRead: its record by its MultiHeader type. The batch's rules are the codec's. */
function readBatchOp(r: JuteReader, type: number): RawBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return readCreate(r, type, false);
    case OpCode.createTTL:
      return readCreate(r, type, true);
    case OpCode.delete:
    case OpCode.check:
      return { op: type, ...readPathVersion(r) };
    case OpCode.setData:
      return { op: type, path: r.string('path'), data: r.buffer('data'), version: r.int('version') };
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.exists:
    case OpCode.getChildren2: {
      const { path, watch } = readPathWatch(r);
      // Canopy's multiRead sets no watches; ZooKeeper's clients never ask for one there.
      if (watch === true) throw new JuteDecodeError('a watch inside multiRead is not supported', ErrorCode.BADARGUMENTS);
      return { op: type, path };
    }
    default:
      // The record's layout is unknown, so nothing after it can be read.
      throw new JuteDecodeError(`op ${type} cannot stand inside a multi`, ErrorCode.UNIMPLEMENTED);
  }
}

function readBatch(r: JuteReader): RawBody {
  const ops: RawBody[] = [];
  for (;;) {
    const type = r.int('multi header type');
    const done = r.bool('multi header done');
    r.int('multi header err');
    // ZooKeeper ends the loop on done alone; the type and err of the end header are not checked either.
    if (done) return { ops };
    if (ops.length >= MAX_MULTI_OPS) throw new JuteDecodeError(`a multi holds at most ${MAX_MULTI_OPS} ops`, ErrorCode.BADARGUMENTS);
    ops.push(readBatchOp(r, type));
  }
}

/** How each opcode's body is read: every opcode a ZooKeeper 3.9 client may send. */
const BODY_READERS: { readonly [K in JuteRequestName]: (r: JuteReader) => RawBody } = {
  create: (r) => readCreate(r, OpCode.create, false),
  create2: (r) => readCreate(r, OpCode.create2, false),
  createContainer: (r) => readCreate(r, OpCode.createContainer, false),
  createTTL: (r) => readCreate(r, OpCode.createTTL, true),
  delete: readPathVersion,
  check: readPathVersion,
  exists: readPathWatch,
  getData: readPathWatch,
  getChildren: readPathWatch,
  getChildren2: readPathWatch,
  setData: (r) => ({ path: r.string('path'), data: r.buffer('data'), version: r.int('version') }),
  getACL: readPath,
  setACL: (r) => ({ path: r.string('path'), acl: readAclList(r), version: r.int('version') }),
  sync: readPath,
  getAllChildrenNumber: readPath,
  getEphemerals: (r) => ({ prefixPath: r.string('prefixPath') }),
  multi: readBatch,
  multiRead: readBatch,
  checkWatches: (r) => ({ path: r.string('path'), watcherType: r.int('type') }),
  removeWatches: (r) => ({ path: r.string('path'), watcherType: r.int('type') }),
  addWatch: (r) => ({ path: r.string('path'), mode: r.int('mode') }),
  setWatches: (r) => ({ ...readWatchLists(r, false), op: OpCode.setWatches2 }),
  setWatches2: (r) => readWatchLists(r, true),
  // AuthPacket's type is unused by ZooKeeper (clients send 0); the encoder writes 0.
  auth: (r) => {
    r.int('auth type');
    return { scheme: r.string('scheme'), auth: r.buffer('auth') };
  },
  ping: readNothing,
  whoAmI: readNothing,
  closeSession: readNothing,
  reconfig: (r) => {
    r.nullableString('joiningServers');
    r.nullableString('leavingServers');
    r.nullableString('newMembers');
    r.long('curConfigId');
    r.end('reconfig');
    return unserved('reconfig');
  },
  sasl: (r) => {
    r.buffer('token');
    r.end('sasl');
    return unserved('sasl');
  },
};

const NAME_BY_CODE: ReadonlyMap<number, JuteRequestName> = new Map(
  (Object.keys(BODY_READERS) as JuteRequestName[]).map((name) => [OpCode[name], name]),
);

/** The body of a request with opcode op, as a raw map with its op; throws JuteDecodeError. */
export function readRequestBody(r: JuteReader, op: number): RawBody {
  const name = NAME_BY_CODE.get(op);
  // createSession and deleteContainer are made by servers only; other numbers are no opcode at all.
  if (name === undefined) throw new JuteDecodeError(`unknown or unsupported opcode ${op}`, ErrorCode.UNIMPLEMENTED);
  const body = { op, ...BODY_READERS[name](r) };
  r.end(name);
  return body;
}

// ---- encoding (the client side: tools, tests and differential runs) ----

function writeCreate(w: JuteWriter, b: WithOp['create' | 'create2' | 'createContainer' | 'createTTL']): void {
  w.string(b.path).buffer(b.data);
  writeAclList(w, b.acl);
  w.int(b.mode, 'flags');
  if (b.op === OpCode.createTTL) {
    if (b.ttl === undefined) throw new JuteEncodeError('createTTL needs a ttl');
    w.long(b.ttl, 'ttl');
  }
}
function writeBatchOp(w: JuteWriter, o: MultiOp | ReadOp): void {
  w.int(o.op).bool(false).int(MULTI_NO_ERR);
  switch (o.op) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return writeCreate(w, o);
    case OpCode.delete:
    case OpCode.check:
      w.string(o.path).int(o.version, 'version');
      return;
    case OpCode.setData:
      w.string(o.path).buffer(o.data).int(o.version, 'version');
      return;
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.exists:
    case OpCode.getChildren2:
      w.string(o.path).bool(false);
      return;
    default:
      return assertNever(o, 'batch op', JuteEncodeError);
  }
}
function writeBatch(w: JuteWriter, ops: readonly (MultiOp | ReadOp)[]): void {
  for (const o of ops) writeBatchOp(w, o);
  w.int(MULTI_END_TYPE).bool(true).int(MULTI_NO_ERR);
}
function writeWatchLists(w: JuteWriter, b: WithOp['setWatches2'], persistent: boolean): void {
  w.long(b.relativeZxid, 'relativeZxid');
  writeStringList(w, b.dataWatches);
  writeStringList(w, b.existWatches);
  writeStringList(w, b.childWatches);
  if (!persistent) return;
  writeStringList(w, b.persistentWatches);
  writeStringList(w, b.persistentRecursiveWatches);
}
const writePathWatch = (w: JuteWriter, b: { path: string; watch: boolean }): void => void w.string(b.path).bool(b.watch);
const writePathVersion = (w: JuteWriter, b: { path: string; version: number }): void => void w.string(b.path).int(b.version, 'version');
const writePath = (w: JuteWriter, b: { path: string }): void => void w.string(b.path);
const writeNothing = (): void => undefined;

const BODY_WRITERS: { readonly [K in WireOpName]: (w: JuteWriter, b: WithOp[K]) => void } = {
  create: writeCreate,
  create2: writeCreate,
  createContainer: writeCreate,
  createTTL: writeCreate,
  delete: writePathVersion,
  check: writePathVersion,
  exists: writePathWatch,
  getData: writePathWatch,
  getChildren: writePathWatch,
  getChildren2: writePathWatch,
  setData: (w, b) => void w.string(b.path).buffer(b.data).int(b.version, 'version'),
  getACL: writePath,
  setACL: (w, b) => {
    w.string(b.path);
    writeAclList(w, b.acl);
    w.int(b.version, 'version');
  },
  sync: writePath,
  getAllChildrenNumber: writePath,
  getEphemerals: (w, b) => void w.string(b.prefixPath),
  multi: (w, b) => writeBatch(w, b.ops),
  multiRead: (w, b) => writeBatch(w, b.ops),
  checkWatches: (w, b) => void w.string(b.path).int(b.watcherType, 'type'),
  removeWatches: (w, b) => void w.string(b.path).int(b.watcherType, 'type'),
  addWatch: (w, b) => void w.string(b.path).int(b.mode, 'mode'),
  setWatches2: (w, b) => writeWatchLists(w, b, !isLegacySetWatches(b)),
  auth: (w, b) => void w.int(0).string(b.scheme).buffer(b.auth),
  ping: writeNothing,
  whoAmI: writeNothing,
  closeSession: writeNothing,
};

/** A setWatches2 with no persistent watches travels as setWatches (101), as ZooKeeper's Java client sends it. */
function isLegacySetWatches(b: WithOp['setWatches2']): boolean {
  return b.persistentWatches.length === 0 && b.persistentRecursiveWatches.length === 0;
}

/** The frame body (no length prefix) of a request: RequestHeader, then the op's record. */
export function encodeJuteRequest(r: Request): Uint8Array {
  const info = opInfo(r.op);
  if (info === undefined || !info.wire) throw new JuteEncodeError(`op ${r.op} is not a client request`);
  if (r.xid === Xid.NOTIFICATION) throw new JuteEncodeError(NOTIFICATION_XID_RESERVED);
  const name = info.name as WireOpName;
  const wireOp = r.op === OpCode.setWatches2 && isLegacySetWatches(r) ? OpCode.setWatches : r.op;
  const w = new JuteWriter().int(r.xid, 'xid').int(wireOp, 'op');
  // The table pairs each name with its own body type; a union of names cannot follow that pairing.
  (BODY_WRITERS[name] as (w: JuteWriter, b: Request) => void)(w, r);
  return w.bytes();
}

