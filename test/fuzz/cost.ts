// Frames that are expensive to decode. The fuzzer times the server's own msgpack decoder on each small
// frame it sends (the plan decodes most of them anyway to order them); a frame that takes long here is a
// suspect, and after its batch the driver sends it alone to the live server and measures the server's CPU
// time around it. A few bytes that cost the server a large share of a second (a header claiming millions
// of elements, say) would let any client stall everyone: that is a failure, found without depending on
// how many such frames a batch happens to hold.
import { performance } from 'node:perf_hooks';
import { decode } from '../../protocol/index.js';
import type { Script } from './conn.js';
import type { Frame } from './mutate.js';

/** Frames up to this size are timed; bigger ones are expected to cost more and are left to the RSS and liveness checks. */
export const TIMED_FRAME_BYTES = 64 * 1024;
/** Decoding time here that makes a frame a suspect. */
export const SUSPECT_DECODE_MS = 50;
/** Server CPU time for one small frame (and a round trip after it) that is a failure. */
export const CPU_PER_FRAME_MAX_MS = 250;

const costs = new WeakMap<Uint8Array, number>();

/** Runs `fn` on data (a decode), recording how long it took for data. */
export function timed<T>(data: Uint8Array, fn: (d: Uint8Array) => T): T {
  const started = performance.now();
  try {
    return fn(data);
  } finally {
    costs.set(data, performance.now() - started);
  }
}

/** How long decoding the frame takes here (ms), timed once; 0 for text and big frames. */
export function decodeCostMs(data: Uint8Array | string): number {
  if (typeof data === 'string' || data.length > TIMED_FRAME_BYTES) return 0;
  const known = costs.get(data);
  if (known !== undefined) return known;
  try {
    timed(data, decode);
  } catch {
    // Refused: the time to refuse it is what counts.
  }
  return costs.get(data) ?? 0;
}

export interface Suspect {
  /** A script that sends the frame alone (for a peer batch frame: after a valid hello). */
  probe: Script;
  frame: Frame;
  decodeMs: number;
}

/** The batch's frames that took SUSPECT_DECODE_MS or more to decode here, costliest first. */
export function suspects(scripts: readonly Script[], validHello: Script['hello']): Suspect[] {
  const found: Suspect[] = [];
  for (const s of scripts) {
    if (s.raw === true) continue;
    if (s.hello !== undefined && !s.hello.valid && s.hello.value !== undefined && /^[A-Za-z0-9_-]+$/.test(s.hello.value)) {
      const bytes = new Uint8Array(Buffer.from(s.hello.value, 'base64url'));
      const ms = decodeCostMs(bytes);
      if (ms >= SUSPECT_DECODE_MS) found.push({ probe: { ...s, frames: [] }, frame: { data: bytes, notes: s.hello.notes }, decodeMs: ms });
    }
    for (const f of s.frames) {
      const ms = decodeCostMs(f.data);
      if (ms < SUSPECT_DECODE_MS) continue;
      const probe: Script = s.channel === 'client'
        ? { channel: 'client', role: s.role, opening: undefined, frames: [f] }
        : { channel: 'peer', role: s.role, opening: undefined, hello: validHello, lane: `link-${s.role}`, frames: [f] };
      found.push({ probe, frame: f, decodeMs: ms });
    }
  }
  return found.sort((a, b) => b.decodeMs - a.decodeMs);
}
