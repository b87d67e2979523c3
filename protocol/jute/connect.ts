// The handshake in jute. The client's first frame is ConnectRequest { int protocolVersion; long
// lastZxidSeen; int timeOut; long sessionId; buffer passwd } with no RequestHeader; clients since 3.4 add a
// trailing boolean readOnly, and a server answers such a client with a trailing readOnly boolean too
// (ZooKeeperServer.processConnectRequest / ClientCnxnSocket). The answer is ConnectResponse { int
// protocolVersion; int timeOut; long sessionId; buffer passwd }.
//
// Jute's ConnectResponse has no err, no zxid and none of Canopy's own fields (maxFrameBytes, maxDataBytes,
// serverId). ZooKeeper refuses a session by answering timeOut 0, sessionId 0 and a password of 16 zero
// bytes; the encoder writes exactly that for any err other than OK, and the client-side decoder reads
// timeOut <= 0 as SESSIONEXPIRED. The decoder fills zxid, maxFrameBytes, maxDataBytes and serverId with 0.
import { ErrorCode } from '../constants.js';
import type { Decoded } from '../codec.js';
import { SESSION_PASSWD_BYTES } from '../limits.js';
import type { ConnectRequest, ConnectResponse } from '../messages.js';
import { JuteDecodeError } from './errors.js';
import { JuteReader, JuteWriter } from './primitives.js';

export interface JuteConnectRequest extends ConnectRequest {
  /** the client sent the trailing readOnly boolean (3.4+ clients do) */
  readOnlyByteSent: boolean;
}

export type JuteConnectResponse = ConnectResponse & { readOnlyByteSent: boolean };

/** Longest session password accepted in a handshake, as the msgpack codec accepts. */
const PASSWD_BYTES_MAX = 64;
const INT_MAX = 2 ** 31 - 1;

function inRange(v: number, min: number, max: number, what: string): number {
  if (v < min || v > max) throw new JuteDecodeError(`${what} must be in [${min}, ${max}]`);
  return v;
}

/** The trailing readOnly boolean, if the frame has one more byte. */
function trailingReadOnly(r: JuteReader, what: string): { readOnly: boolean; sent: boolean } {
  if (r.remaining === 0) return { readOnly: false, sent: false };
  const readOnly = r.bool('readOnly');
  r.end(what);
  return { readOnly, sent: true };
}

function passwd(r: JuteReader): Uint8Array {
  const p = r.buffer('passwd');
  if (p.byteLength > PASSWD_BYTES_MAX) throw new JuteDecodeError(`passwd is over ${PASSWD_BYTES_MAX} bytes`);
  return p;
}

function fatal(e: unknown, what: string): Decoded<never> {
  if (e instanceof JuteDecodeError) return { ok: false, err: e.err, message: `bad ${what}: ${e.message}`, fatal: true };
  throw e;
}

/** frame = the bytes after the 4-byte length. Any problem is fatal: the connection closes. */
export function decodeJuteConnectRequest(frame: Uint8Array): Decoded<JuteConnectRequest> {
  const r = new JuteReader(frame);
  try {
    const protocolVersion = inRange(r.int('protocolVersion'), 0, INT_MAX, 'protocolVersion');
    const lastZxidSeen = inRange(r.long('lastZxidSeen'), 0, Number.MAX_SAFE_INTEGER, 'lastZxidSeen');
    const timeoutMs = inRange(r.int('timeOut'), 0, INT_MAX, 'timeOut');
    const sessionId = inRange(r.long('sessionId'), 0, Number.MAX_SAFE_INTEGER, 'sessionId');
    const pw = passwd(r);
    const ro = trailingReadOnly(r, 'connect request');
    return { ok: true, value: { protocolVersion, lastZxidSeen, timeoutMs, sessionId, passwd: pw, readOnly: ro.readOnly, readOnlyByteSent: ro.sent } };
  } catch (e) {
    return fatal(e, 'connect request');
  }
}

/** Body only, no length prefix. Canopy-only fields are not carried; a refusal is written as ZooKeeper writes it. */
export function encodeJuteConnectResponse(r: ConnectResponse, withReadOnlyByte: boolean): Uint8Array {
  const refused = r.err !== ErrorCode.OK;
  const w = new JuteWriter().int(r.protocolVersion, 'protocolVersion');
  if (refused) w.int(0).long(0).buffer(new Uint8Array(SESSION_PASSWD_BYTES));
  else w.int(r.timeoutMs, 'timeOut').long(r.sessionId, 'sessionId').buffer(r.passwd);
  if (withReadOnlyByte) w.bool(r.readOnly);
  return w.bytes();
}

export function encodeJuteConnectRequest(r: ConnectRequest, withReadOnlyByte: boolean): Uint8Array {
  const w = new JuteWriter().int(r.protocolVersion, 'protocolVersion').long(r.lastZxidSeen, 'lastZxidSeen');
  w.int(r.timeoutMs, 'timeOut').long(r.sessionId, 'sessionId').buffer(r.passwd);
  if (withReadOnlyByte) w.bool(r.readOnly);
  return w.bytes();
}

/** Client side. err is SESSIONEXPIRED when timeOut <= 0; zxid, maxFrameBytes, maxDataBytes and serverId are 0. */
export function decodeJuteConnectResponse(frame: Uint8Array): Decoded<JuteConnectResponse> {
  const r = new JuteReader(frame);
  try {
    const protocolVersion = r.int('protocolVersion');
    const timeoutMs = r.int('timeOut');
    const sessionId = r.long('sessionId');
    const pw = passwd(r);
    const ro = trailingReadOnly(r, 'connect response');
    const err = timeoutMs > 0 ? ErrorCode.OK : ErrorCode.SESSIONEXPIRED;
    return {
      ok: true,
      value: { protocolVersion, err, timeoutMs, sessionId, passwd: pw, readOnly: ro.readOnly, zxid: 0, maxFrameBytes: 0, maxDataBytes: 0, serverId: 0, readOnlyByteSent: ro.sent },
    };
  } catch (e) {
    return fatal(e, 'connect response');
  }
}
