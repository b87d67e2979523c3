// Client batch plans: which connections a batch opens and what each sends. A batch's plan depends only on
// the seed and the batch index (its own PRNG stream), never on timing, so `--seed S` replays the same
// frames. Peer batches: peer-plan.ts.
import { DEFAULT_MAX_DATA_BYTES, decode, decodeRequest } from '../../protocol/index.js';
import { Prng, deriveSeed } from '../sim/prng.js';
import { validConnectRequest, validRequest } from './client-frames.js';
import type { Script } from './conn.js';
import { timed } from './cost.js';
import { scanMsgpack } from './msgpack-scan.js';
import { codecErrorShape } from './hostile.js';
import { writeMsgpack } from './msgpack-writer.js';
import { mutatedFrame, type Frame } from './mutate.js';
import { rawRequest } from './raw-requests.js';

const STREAM_CLIENT = 1;

/** Share of a batch's frames sent before the handshake (each such connection carries one or two). */
export const PRE_SHARE = 0.2;
const CODEC_LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };
/** Frames above this are treated as closing the connection without decoding them here (they are sent last). */
const BIG_FRAME_BYTES = 8 * 1024;

/**
 * Whether the server closes a client connection on this request frame. Uses the server's own codec, so
 * that a connection's fatal frame comes last and the frames before it are all read; a frame that makes
 * the codec throw counts as fatal (it may well be one that crashes the server: it is sent, last). Bytes
 * that are not one complete msgpack value are fatal without decoding them here.
 */
export function closesClientConnection(data: Uint8Array | string): boolean {
  // Big frames are decoded by the server only: classifying them here would cost the fuzzer as much.
  if (typeof data === 'string' || data.length > BIG_FRAME_BYTES || scanMsgpack(data) !== 'ok') return true;
  try {
    const d = timed(data, (b) => decodeRequest(b, CODEC_LIMITS));
    return !d.ok && (d.fatal || d.xid === undefined);
  } catch {
    return true;
  }
}

/** Whether a peer acceptor closes an authenticated link on this frame (not msgpack, or not a batch). */
export function closesPeerLink(data: Uint8Array | string): boolean {
  if (typeof data === 'string' || data.length > BIG_FRAME_BYTES || scanMsgpack(data) !== 'ok') return true;
  try {
    return !Array.isArray(timed(data, decode));
  } catch {
    return true;
  }
}

/**
 * `count` frames from `make`: all but the last leave the connection open (`fatal` says which would not);
 * the last is whatever `makeLast` gives, or the first fatal frame met on the way.
 */
export function openThenLast(count: number, make: () => Frame, makeLast: () => Frame, fatal: (d: Uint8Array | string) => boolean): Frame[] {
  const frames: Frame[] = [];
  let last: Frame | undefined;
  while (frames.length < count - 1) {
    const f = make();
    // Deep nesting is refused as a whole frame; decoding it here would only cost time.
    if (!f.notes.some((n) => n.what.includes('nesting')) && !fatal(f.data)) frames.push(f);
    else last ??= f;
  }
  frames.push(last ?? makeLast());
  return frames;
}

/** Connections of one client batch, `frames` frames in all (the opening frames not counted). */
export function clientBatch(seed: number, batch: number, frames: number): Script[] {
  const prng = new Prng(deriveSeed(seed, STREAM_CLIENT, batch));
  const scripts: Script[] = [];
  let planned = 0;
  let pre = 0;
  while (planned < frames) {
    const script = pre < PRE_SHARE * planned ? preHandshake(prng) : postHandshake(prng, Math.min(frames - planned, prng.int(5, 60)));
    if (script.opening === undefined) pre += script.frames.length;
    planned += script.frames.length;
    scripts.push(script);
  }
  return scripts;
}

function preHandshake(prng: Prng): Script {
  const frames: Frame[] = [];
  const roll = prng.next();
  if (roll < 0.05) return { channel: 'client', role: 'standalone', opening: undefined, raw: true, frames: rawRequest(prng, undefined) };
  if (roll < 0.07) {
    // A browser page: refused at the upgrade unless its origin is allowed.
    frames.push(mutatedFrame(prng, () => validConnectRequest(prng), { pValid: 0.9 }));
    return { channel: 'client', role: 'standalone', opening: undefined, headers: { Origin: 'https://evil.example' }, frames };
  }
  if (roll < 0.15) {
    // A valid connect followed at once by requests: they arrive before the ConnectResponse.
    frames.push({ data: writeMsgpack(validConnectRequest(prng)), notes: [] });
    frames.push(mutatedFrame(prng, () => validRequest(prng, 1, { allowClose: true }), { pValid: 0.5 }));
  } else if (roll < 0.25) {
    frames.push({ data: writeMsgpack(codecErrorShape(prng)), notes: [{ path: '(frame)', what: 'codec error shape before the handshake' }] });
  } else {
    frames.push(mutatedFrame(prng, () => validConnectRequest(prng), { pValid: 0.02 }));
    if (prng.chance(0.1)) frames.push(mutatedFrame(prng, () => validRequest(prng, 1, { allowClose: true })));
  }
  return { channel: 'client', role: 'standalone', opening: undefined, frames };
}

function postHandshake(prng: Prng, count: number): Script {
  let xid = 0;
  const frames = openThenLast(
    count,
    () => mutatedFrame(prng, () => validRequest(prng, ++xid, { allowClose: false }), { pValid: 0.1, damage: prng.chance(0.3) }),
    () => mutatedFrame(prng, () => validRequest(prng, ++xid, { allowClose: true }), { pValid: 0.1 }),
    closesClientConnection,
  );
  const resumeAt = count >= 4 && prng.chance(0.25) ? prng.int(1, count - 2) : undefined;
  return { channel: 'client', role: 'standalone', opening: writeMsgpack(validConnectRequest(prng)), frames, ...(resumeAt === undefined ? {} : { resumeAt }) };
}

