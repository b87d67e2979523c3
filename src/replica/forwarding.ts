// What servers tell each other above ZAB: a follower forwards its clients' writes, syncs and session
// touches to the leader; the leader answers failed writes and syncs. Successful writes need no answer:
// the follower completes them when it applies the committed txn (matched by session id and xid).
// Payloads arrive from ensemble members only (the transport checks membership) but are still checked
// for shape before use: a bad one is logged and dropped, never trusted.
import { MAX_MULTI_OPS, OpCode, isNullData, isPlainMap, isValidPath, isWriteOp, opInfo, ownField, validateRequestValue } from '../../protocol/index.js';
import type { CodecLimits, Id, OpResult } from '../../protocol/index.js';
import { AUTH_IDS_PER_CONNECTION_MAX } from './auth/connection-auth.js';
import type { WriteRequest } from './prep.js';

export type LearnerPayload =
  /**
   * ids: the identities of the client's connection on the follower when it sent the write. The leader
   * judges ACLs by them, so they are only as trustworthy as the member that sent them: peer
   * authentication (mutual TLS or the shared secret) is what makes a member's word count.
   */
  | { kind: 'write'; sessionId: number; xid: number; ids: readonly Id[]; request: WriteRequest }
  | { kind: 'sync'; id: number }
  /** [sessionId, timeoutMs] for every session a client touched on the follower since the last touch. */
  | { kind: 'touch'; sessions: Array<[number, number]> };

export type LeaderPayload =
  /** The write failed in prep; answer it once zxid is applied (it was judged against everything before it). */
  | { kind: 'writeError'; sessionId: number; xid: number; err: number; zxid: number; path?: string; results?: OpResult[] }
  /** The leader had proposed up to zxid when the sync arrived. */
  | { kind: 'synced'; id: number; zxid: number };

/** An op's data as msgpack is to carry it: null data (NULL_DATA) as nil, which the leader's codec reads back as null data. */
function withWireData<R extends object>(r: R): R | (Omit<R, 'data'> & { data: null }) {
  return 'data' in r && r.data instanceof Uint8Array && isNullData(r.data) ? { ...r, data: null } : r;
}

function requestToWire(r: WriteRequest): unknown {
  if (r.op !== OpCode.multi) return withWireData(r);
  const ops = r.ops.map(withWireData);
  return ops.every((o, i) => o === r.ops[i]) ? r : { ...r, ops };
}

/** The payload as msgpack is to carry it: the null data of a forwarded write (a multi's too) as nil. */
export function learnerPayloadToWire(p: LearnerPayload): unknown {
  if (p.kind !== 'write') return p;
  const request = requestToWire(p.request);
  return request === p.request ? p : { ...p, request };
}

/** A client write a follower may forward (the op table says); the server's own requests (sessions) are checked apart. */
function isForwardedClientWrite(op: number): boolean {
  const info = opInfo(op);
  return info !== undefined && info.kind === 'write' && info.forwarded && info.wire;
}
const SESSION_PASSWD_BYTES_MAX = 64;
/** Most sessions one touch report may carry: more than any server can hold connections for. */
const TOUCHED_SESSIONS_MAX = 1_000_000;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isRecord = isPlainMap;
const own = ownField;

/** A forwarded write, checked as strictly as the client's own frame was at the follower's edge. */
function asWriteRequest(v: unknown, limits: CodecLimits): WriteRequest | undefined {
  if (!isRecord(v)) return undefined;
  const op = own(v, 'op');
  if (op === OpCode.createSession) {
    const timeoutMs = own(v, 'timeoutMs');
    const passwd = own(v, 'passwd');
    const newSessionId = own(v, 'newSessionId');
    if (!isInt(timeoutMs) || timeoutMs <= 0 || !isInt(newSessionId) || !(passwd instanceof Uint8Array) || passwd.byteLength > SESSION_PASSWD_BYTES_MAX) return undefined;
    return { op, timeoutMs, passwd, newSessionId };
  }
  if (op === OpCode.closeSession) return { op };
  if (!isInt(op) || !isForwardedClientWrite(op)) return undefined;
  const checked = validateRequestValue(v, limits);
  return checked.ok && isWriteOp(checked.value) ? checked.value : undefined;
}

/** A connection's own ids (ip, x509, super) on top of those it may add. */
const FORWARDED_IDS_MAX = AUTH_IDS_PER_CONNECTION_MAX + 8;
const ID_SCHEME_CHARS_MAX = 256;
const ID_CHARS_MAX = 4096;

function asIds(v: unknown): Id[] | undefined {
  if (!Array.isArray(v) || v.length > FORWARDED_IDS_MAX) return undefined;
  const ids: Id[] = [];
  for (const entry of v) {
    if (!isRecord(entry)) return undefined;
    const scheme = own(entry, 'scheme');
    const id = own(entry, 'id');
    if (typeof scheme !== 'string' || scheme.length > ID_SCHEME_CHARS_MAX || typeof id !== 'string' || id.length > ID_CHARS_MAX) return undefined;
    ids.push({ scheme, id });
  }
  return ids;
}

function isTouches(v: unknown): v is Array<[number, number]> {
  return Array.isArray(v) && v.length <= TOUCHED_SESSIONS_MAX && v.every((s) => Array.isArray(s) && s.length === 2 && isInt(s[0]) && isInt(s[1]));
}

export function asLearnerPayload(v: unknown, limits: CodecLimits): LearnerPayload | undefined {
  if (!isRecord(v)) return undefined;
  const sessionId = own(v, 'sessionId');
  const xid = own(v, 'xid');
  const id = own(v, 'id');
  switch (own(v, 'kind')) {
    case 'write': {
      const request = asWriteRequest(own(v, 'request'), limits);
      const ids = asIds(own(v, 'ids'));
      if (!isInt(sessionId) || !isInt(xid) || request === undefined || ids === undefined) return undefined;
      return { kind: 'write', sessionId, xid, ids, request };
    }
    case 'sync':
      return isInt(id) ? { kind: 'sync', id } : undefined;
    case 'touch': {
      const sessions = own(v, 'sessions');
      return isTouches(sessions) ? { kind: 'touch', sessions } : undefined;
    }
    default:
      return undefined;
  }
}

function isOpResults(v: unknown): v is OpResult[] {
  return Array.isArray(v) && v.length <= MAX_MULTI_OPS && v.every((r) => isRecord(r) && isInt(own(r, 'op')) && isInt(own(r, 'err'))
    && (own(r, 'path') === undefined || typeof own(r, 'path') === 'string'));
}

export function asLeaderPayload(v: unknown): LeaderPayload | undefined {
  if (!isRecord(v)) return undefined;
  const [sessionId, xid, err, zxid, id] = ['sessionId', 'xid', 'err', 'zxid', 'id'].map((k) => own(v, k));
  switch (own(v, 'kind')) {
    case 'writeError': {
      const path = own(v, 'path');
      const results = own(v, 'results');
      if (!isInt(sessionId) || !isInt(xid) || !isInt(err) || !isInt(zxid)) return undefined;
      if ((path !== undefined && (typeof path !== 'string' || !isValidPath(path))) || (results !== undefined && !isOpResults(results))) return undefined;
      return { kind: 'writeError', sessionId, xid, err, zxid, ...(path === undefined ? {} : { path }), ...(results === undefined ? {} : { results }) };
    }
    case 'synced':
      return isInt(id) && isInt(zxid) ? { kind: 'synced', id, zxid } : undefined;
    default:
      return undefined;
  }
}
