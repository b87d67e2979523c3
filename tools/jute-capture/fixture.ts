// The fixture file a capture writes: the frames in order, each with its direction, hex, and for requests
// and their answers the op (answers are paired with their request by xid on the same connection).
import { OpCode } from '../../protocol/index.js';
import type { RecordedFrame } from './recording-proxy.js';

export interface FixtureFrame {
  conn: number;
  dir: 'request' | 'response';
  /** connect: the handshake frames; frame: everything after them. */
  kind: 'connect' | 'frame';
  /** The request's opcode (for a response: the opcode of the request it answers); absent for a notification. */
  op?: number;
  opName?: string;
  xid?: number;
  hex: string;
}

export interface JuteFixture {
  client: string;
  server: string;
  note: string;
  frames: FixtureFrame[];
}

const OP_NAMES = new Map<number, string>(Object.entries(OpCode).map(([name, code]) => [code, name]));

function int32(body: Uint8Array, at: number): number | undefined {
  return body.byteLength >= at + 4 ? new DataView(body.buffer, body.byteOffset).getInt32(at) : undefined;
}

/** Pairs each answer with its request's op: per connection, a queue of ops per xid (pings reuse -2). */
export function toFixtureFrames(recorded: readonly RecordedFrame[]): FixtureFrame[] {
  const seen = new Map<string, number>();
  const pending = new Map<string, number[]>();
  return recorded.map((f) => {
    const key = `${f.conn}/${f.dir}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const hex = Buffer.from(f.body).toString('hex');
    if (index === 0) return { conn: f.conn, dir: f.dir, kind: 'connect', hex };
    const xid = int32(f.body, 0);
    const queueKey = `${f.conn}/${String(xid)}`;
    let op: number | undefined;
    if (f.dir === 'request') {
      op = int32(f.body, 4);
      pending.set(queueKey, [...(pending.get(queueKey) ?? []), op ?? 0]);
    } else if (xid !== -1) {
      op = pending.get(queueKey)?.shift();
    }
    const frame: FixtureFrame = { conn: f.conn, dir: f.dir, kind: 'frame', hex };
    if (xid !== undefined) frame.xid = xid;
    if (op !== undefined) {
      frame.op = op;
      frame.opName = OP_NAMES.get(op) ?? 'unknown';
    }
    return frame;
  });
}
