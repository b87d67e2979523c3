// Reading server frames after the handshake. The server is trusted to send the bodies protocol/ops.ts
// declares; here we only make sure the header is usable before routing the frame.
import { ErrorCode, decode } from '../protocol/index.js';
import type { ErrorResponse, OpName, Response, ResponseFor } from '../protocol/index.js';

/** A response or notification with a readable header. */
export type ServerFrame = Response & { type?: number; state?: number; path?: string };

/** A request's answer: the op's response when err is OK, else the error (a failed multi's with its results). */
export type Answer<K extends OpName> = { ok: true; response: ResponseFor<K> } | { ok: false; response: ErrorResponse };

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** The frame, or a string saying why it is unusable. */
export function readServerFrame(bytes: Uint8Array): ServerFrame | string {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (e) {
    return `unparseable frame: ${(e as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'frame is not a msgpack map';
  const frame = value as Record<string, unknown>;
  if (!isInt(frame.xid) || !isInt(frame.err)) return 'frame lacks an integer xid or err';
  if (frame.zxid !== undefined && !isInt(frame.zxid)) return 'frame zxid is not an integer';
  if (frame.message !== undefined && typeof frame.message !== 'string') return 'frame message is not a string';
  return frame as unknown as ServerFrame;
}

/**
 * The answer to a request for op K. This is where the client takes a body on trust, and the only place:
 * a server answers each op with the body its table entry declares (only the header was checked above).
 */
export function answerOf<K extends OpName>(frame: ServerFrame): Answer<K> {
  if (frame.err !== ErrorCode.OK) return { ok: false, response: frame };
  return { ok: true, response: frame as ResponseFor<K> };
}
