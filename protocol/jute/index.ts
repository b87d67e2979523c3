// ZooKeeper's own encoding of the client protocol (jute over length-prefixed TCP frames, ZooKeeper 3.9),
// decoding into and encoding from the same typed messages as the msgpack codec (../codec.ts): a server's
// TCP door needs no per-op code of its own. See protocol/README.md, "The second encoding: jute".
import { ErrorCode } from '../constants.js';
import { validateRequestValue } from '../codec.js';
import type { CodecLimits, Decoded } from '../codec.js';
import type { Request } from '../ops.js';
import { JuteDecodeError } from './errors.js';
import { JuteReader } from './primitives.js';
import { NOTIFICATION_XID_RESERVED, REQUEST_HEADER_BYTES, readRequestBody } from './requests.js';

/** ZooKeeper's reserved xids (the same numbers as protocol's Xid where it has them). */
export const JUTE_XID = Object.freeze({ NOTIFICATION: -1, PING: -2, AUTH: -4, SET_WATCHES: -8 } as const);

/**
 * Same contract as decodeRequest in ../codec.ts. A frame too short for its RequestHeader is fatal (no xid to
 * answer), and so is xid -1 (an answer to it could not be told from a notification). Otherwise a failure
 * carries the xid and an err to answer it with: MARSHALLINGERROR for a body that is not its op's record (as
 * ZooKeeper answers), UNIMPLEMENTED for an opcode Canopy does not serve, and the msgpack codec's codes
 * (BADARGUMENTS, INVALIDACL, ...) for values it refuses.
 */
export function decodeJuteRequest(frame: Uint8Array, limits: CodecLimits): Decoded<Request> {
  if (frame.byteLength < REQUEST_HEADER_BYTES) {
    return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: `a request needs an ${REQUEST_HEADER_BYTES}-byte header`, fatal: true };
  }
  const r = new JuteReader(frame);
  const xid = r.int('xid');
  const op = r.int('op');
  // Fatal like a missing header: the answer would carry xid -1, which the client (and the door's own
  // encoder) reads as a watch notification. ZooKeeper's clients never send it (their xids start at 1).
  if (xid === JUTE_XID.NOTIFICATION) return { ok: false, err: ErrorCode.MARSHALLINGERROR, message: NOTIFICATION_XID_RESERVED, fatal: true };
  let body: Record<string, unknown>;
  try {
    body = readRequestBody(r, op);
  } catch (e) {
    if (e instanceof JuteDecodeError) return { ok: false, err: e.err, message: e.message, xid, op, fatal: false };
    throw e;
  }
  return validateRequestValue({ xid, ...body }, limits);
}

export { JuteDecodeError, JuteEncodeError, JuteFrameError } from './errors.js';
/** A jute null buffer (length -1) is NULL_DATA both ways. */
export { NULL_DATA } from '../null-data.js';
export { JuteFrameReader, withLengthPrefix } from './framing.js';
export { decodeJuteConnectRequest, decodeJuteConnectResponse, encodeJuteConnectRequest, encodeJuteConnectResponse } from './connect.js';
export type { JuteConnectRequest, JuteConnectResponse } from './connect.js';
export { encodeJuteRequest } from './requests.js';
export { decodeJuteResponse, encodeJuteResponse } from './responses.js';
export type { JuteResponseFrame } from './responses.js';
