// Reading server frames after the handshake. The server is trusted to send the bodies messages.ts
// declares; here we only make sure the header is usable before routing the frame.
import { decode } from '../protocol/index.js';
import type { Response } from '../protocol/index.js';

/** A response or notification with a readable header. */
export type ServerFrame = Response & { type?: number; state?: number; path?: string };

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
