// Response bodies in jute. A response frame is ReplyHeader { int xid; long zxid; int err } then, when err
// is OK, the record of the op answered. Jute responses do not say which op they answer, so both
// directions take the op: the client knows it from the xid it sent, the server from the request.
//
// What ZooKeeper (FinalRequestProcessor) sends, and this codec with it:
// - An error answer is the header alone, except multi and multiRead.
// - multi and multiRead always answer with header err OK and a MultiResponse whose results carry the
//   errors; a failed multi reports OK for the ops before the failing one, its error, then
//   RUNTIMEINCONSISTENCY. Canopy's failed multi is an ErrorResponse whose err is the failing op's code:
//   the encoder writes err OK in the header for it, and the decoder gives err back from the first failed
//   result, so Canopy's shape survives the trip.
// - Inside a MultiResponse an error result is type -1 (OpCode.error) with an ErrorResponse { err }, and a
//   createContainer or createTTL result is type create2 with path and stat; a create result has no stat.
// - addWatch answers an ErrorResponse { err: 0 } body; check sent alone (3.9) a Stat, which Canopy's check
//   does not carry: the stat is written when present and read when bytes follow.
// - A notification is xid -1 with a WatcherEvent { int type; int state; ustring path }.
import { ErrorCode, OpCode, Xid } from '../constants.js';
import type { Decoded } from '../codec.js';
import type { ErrorResponse, NotificationFrame, OpResult } from '../messages.js';
import type { Response } from '../ops.js';
import { assertNever } from '../assert-never.js';
import { JuteDecodeError, JuteEncodeError } from './errors.js';
import { JuteReader, JuteWriter } from './primitives.js';
import {
  CLIENT_INFO_BYTES_MIN, readAclList, readClientInfo, readStat, readStringList, writeAclList, writeClientInfo, writeStat, writeStringList,
} from './records.js';

export type JuteResponseFrame = Response | ErrorResponse | NotificationFrame;

/** ReplyHeader: xid, zxid, err. */
export const REPLY_HEADER_BYTES = 16;
const MULTI_END_TYPE = -1;
const MULTI_END_ERR = -1;

/** The shapes of response record ZooKeeper's ops answer with (err OK). */
type BodyKind =
  | 'none' | 'stat' | 'optionalStat' | 'path' | 'pathStat' | 'dataStat' | 'aclStat' | 'children' | 'childrenStat'
  | 'results' | 'zeroErr' | 'ephemerals' | 'totalNumber' | 'clientInfo';

/** Every opcode a client may send, with what a successful answer to it carries. */
const BODY_OF_OP: { readonly [K in keyof typeof OpCode]?: BodyKind } = {
  create: 'path',
  create2: 'pathStat',
  createContainer: 'pathStat',
  createTTL: 'pathStat',
  delete: 'none',
  exists: 'stat',
  getData: 'dataStat',
  setData: 'stat',
  getACL: 'aclStat',
  setACL: 'stat',
  getChildren: 'children',
  getChildren2: 'childrenStat',
  sync: 'path',
  ping: 'none',
  check: 'optionalStat',
  multi: 'results',
  multiRead: 'results',
  reconfig: 'dataStat',
  checkWatches: 'none',
  removeWatches: 'none',
  setWatches: 'none',
  setWatches2: 'none',
  addWatch: 'zeroErr',
  getEphemerals: 'ephemerals',
  getAllChildrenNumber: 'totalNumber',
  whoAmI: 'clientInfo',
  auth: 'none',
  // Canopy serves no SASL; its error answer is the header alone.
  sasl: 'none',
  closeSession: 'none',
};
const KIND_BY_CODE: ReadonlyMap<number, BodyKind> = new Map(
  (Object.keys(BODY_OF_OP) as (keyof typeof OpCode)[]).map((name) => [OpCode[name], BODY_OF_OP[name]!]),
);

function bodyKind(op: number | undefined): BodyKind | undefined {
  return op === undefined ? undefined : KIND_BY_CODE.get(op);
}

function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new JuteEncodeError(`the answer needs ${what}`);
  return value;
}

// ---- multi results ----

function writeResult(w: JuteWriter, res: OpResult): void {
  if (res.op === OpCode.error || res.err !== ErrorCode.OK) {
    w.int(OpCode.error).bool(false).int(res.err, 'err').int(res.err, 'err');
    return;
  }
  const type = res.op === OpCode.createContainer || res.op === OpCode.createTTL ? OpCode.create2 : res.op;
  w.int(type).bool(false).int(ErrorCode.OK);
  switch (type) {
    case OpCode.create:
      w.string(present(res.path, 'path'));
      return;
    case OpCode.create2:
      w.string(present(res.path, 'path'));
      writeStat(w, present(res.stat, 'stat'));
      return;
    case OpCode.delete:
    case OpCode.check:
      return;
    case OpCode.setData:
    case OpCode.exists:
      writeStat(w, present(res.stat, 'stat'));
      return;
    case OpCode.getData:
      w.buffer(present(res.data, 'data'));
      writeStat(w, present(res.stat, 'stat'));
      return;
    case OpCode.getChildren:
      writeStringList(w, present(res.children, 'children'));
      return;
    case OpCode.getChildren2:
      writeStringList(w, present(res.children, 'children'));
      writeStat(w, present(res.stat, 'stat'));
      return;
    default:
      throw new JuteEncodeError(`op ${type} has no result in a MultiResponse`);
  }
}

function readResult(r: JuteReader, type: number, headerErr: number): OpResult {
  switch (type) {
    case OpCode.error: {
      const err = r.int('error result');
      if (err !== headerErr) throw new JuteDecodeError('an error result must repeat its header err');
      return { op: type, err };
    }
    case OpCode.create:
      return { op: type, err: ErrorCode.OK, path: r.string('path') };
    case OpCode.create2:
      return { op: type, err: ErrorCode.OK, path: r.string('path'), stat: readStat(r) };
    case OpCode.delete:
    case OpCode.check:
      return { op: type, err: ErrorCode.OK };
    case OpCode.setData:
    case OpCode.exists:
      return { op: type, err: ErrorCode.OK, stat: readStat(r) };
    case OpCode.getData:
      return { op: type, err: ErrorCode.OK, data: r.buffer('data'), stat: readStat(r) };
    case OpCode.getChildren:
      return { op: type, err: ErrorCode.OK, children: readStringList(r, 'children') };
    case OpCode.getChildren2:
      return { op: type, err: ErrorCode.OK, children: readStringList(r, 'children'), stat: readStat(r) };
    default:
      throw new JuteDecodeError(`op ${type} has no result in a MultiResponse`);
  }
}

function readResults(r: JuteReader): OpResult[] {
  const results: OpResult[] = [];
  for (;;) {
    // Each result takes at least its 9-byte header, so the loop ends with the frame's bytes.
    const type = r.int('multi header type');
    const done = r.bool('multi header done');
    const err = r.int('multi header err');
    if (done) return results;
    if (type !== OpCode.error && err !== ErrorCode.OK) throw new JuteDecodeError('a result that is not an error must have err OK');
    results.push(readResult(r, type, err));
  }
}

/** Canopy's err for a multi: the failing op's code (the first result that is an error other than OK). */
function multiErr(results: readonly OpResult[]): number {
  return results.find((res) => res.op === OpCode.error && res.err !== ErrorCode.OK)?.err ?? ErrorCode.OK;
}

// ---- bodies ----

function writeBody(w: JuteWriter, kind: BodyKind, f: Response): void {
  switch (kind) {
    case 'none':
      return;
    case 'stat':
      return writeStat(w, present(f.stat, 'stat'));
    case 'optionalStat':
      if (f.stat !== undefined) writeStat(w, f.stat);
      return;
    case 'path':
      w.string(present(f.path, 'path'));
      return;
    case 'pathStat':
      w.string(present(f.path, 'path'));
      return writeStat(w, present(f.stat, 'stat'));
    case 'dataStat':
      w.buffer(present(f.data, 'data'));
      return writeStat(w, present(f.stat, 'stat'));
    case 'aclStat':
      writeAclList(w, present(f.acl, 'acl'));
      return writeStat(w, present(f.stat, 'stat'));
    case 'children':
      writeStringList(w, present(f.children, 'children'));
      return;
    case 'childrenStat':
      writeStringList(w, present(f.children, 'children'));
      return writeStat(w, present(f.stat, 'stat'));
    case 'results':
      for (const res of present(f.results, 'results')) writeResult(w, res);
      w.int(MULTI_END_TYPE).bool(true).int(MULTI_END_ERR);
      return;
    case 'zeroErr':
      w.int(ErrorCode.OK);
      return;
    case 'ephemerals':
      writeStringList(w, present(f.ephemerals, 'ephemerals'));
      return;
    case 'totalNumber':
      w.int(present(f.totalNumber, 'totalNumber'), 'totalNumber');
      return;
    case 'clientInfo':
      w.vector(present(f.clientInfo, 'clientInfo'), writeClientInfo);
      return;
    default:
      return assertNever(kind, 'response body kind', JuteEncodeError);
  }
}

function readBody(r: JuteReader, kind: BodyKind): Partial<Response> {
  switch (kind) {
    case 'none':
      return {};
    case 'stat':
      return { stat: readStat(r) };
    case 'optionalStat':
      return r.remaining === 0 ? {} : { stat: readStat(r) };
    case 'path':
      return { path: r.string('path') };
    case 'pathStat':
      return { path: r.string('path'), stat: readStat(r) };
    case 'dataStat':
      return { data: r.buffer('data'), stat: readStat(r) };
    case 'aclStat':
      return { acl: readAclList(r), stat: readStat(r) };
    case 'children':
      return { children: readStringList(r, 'children') };
    case 'childrenStat':
      return { children: readStringList(r, 'children'), stat: readStat(r) };
    case 'results':
      return { results: readResults(r) };
    case 'zeroErr':
      if (r.int('addWatch answer') !== ErrorCode.OK) throw new JuteDecodeError('addWatch answers an ErrorResponse of 0');
      return {};
    case 'ephemerals':
      return { ephemerals: readStringList(r, 'ephemerals') };
    case 'totalNumber':
      return { totalNumber: r.int('totalNumber') };
    case 'clientInfo':
      return { clientInfo: r.vector('clientInfo', CLIENT_INFO_BYTES_MIN, readClientInfo) };
    default:
      return assertNever(kind, 'response body kind', JuteDecodeError);
  }
}

function isNotification(f: JuteResponseFrame): f is NotificationFrame {
  return f.xid === Xid.NOTIFICATION;
}

/**
 * The frame body (no length prefix) of a response, a failed one, or a notification. op is the opcode of
 * the request answered, undefined for a notification. Throws JuteEncodeError for a frame jute cannot carry.
 */
export function encodeJuteResponse(frame: JuteResponseFrame, op: number | undefined): Uint8Array {
  const w = new JuteWriter();
  if (isNotification(frame)) {
    w.int(Xid.NOTIFICATION).long(frame.zxid, 'zxid').int(ErrorCode.OK);
    w.int(frame.type, 'type').int(frame.state, 'state').string(frame.path);
    return w.bytes();
  }
  const kind = bodyKind(op);
  const batchFailure = kind === 'results' && frame.results !== undefined;
  w.int(frame.xid, 'xid').long(frame.zxid, 'zxid').int(batchFailure ? ErrorCode.OK : frame.err, 'err');
  if (frame.err !== ErrorCode.OK && !batchFailure) return w.bytes();
  if (kind === undefined) throw new JuteEncodeError(`no jute answer is known for op ${String(op)}`);
  writeBody(w, kind, frame);
  return w.bytes();
}

function failure(message: string, xid?: number): Decoded<never> {
  return { ok: false, err: ErrorCode.MARSHALLINGERROR, message, ...(xid === undefined ? {} : { xid }), fatal: true };
}

/** Reads a response frame (client side). Any problem is fatal: the stream can no longer be trusted. */
export function decodeJuteResponse(frame: Uint8Array, op: number | undefined): Decoded<JuteResponseFrame> {
  if (frame.byteLength < REPLY_HEADER_BYTES) return failure('reply header truncated');
  const r = new JuteReader(frame);
  const xid = r.int('xid');
  try {
    const zxid = r.long('zxid');
    const err = r.int('err');
    if (xid === Xid.NOTIFICATION) {
      if (err !== ErrorCode.OK) throw new JuteDecodeError('a notification must have err OK');
      const value: NotificationFrame = { xid, zxid, err, type: r.int('type'), state: r.int('state'), path: r.string('path') };
      r.end('notification');
      return { ok: true, value };
    }
    if (err !== ErrorCode.OK) {
      r.end('error answer');
      return { ok: true, value: { xid, zxid, err } };
    }
    const kind = bodyKind(op);
    if (kind === undefined) throw new JuteDecodeError(`no jute answer is known for op ${String(op)}`);
    const body = readBody(r, kind);
    r.end('answer');
    const value: Response = { xid, zxid, err, ...body };
    if (op === OpCode.multi && body.results !== undefined) value.err = multiErr(body.results);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof JuteDecodeError) return failure(e.message, xid);
    throw e;
  }
}
