// What travels on a peer link, all msgpack (plain maps, no records extension):
//   dialler → acceptor, in the upgrade request:  header canopy-peer-hello = base64url of
//                                                { hello: { version, serverId, ensembleId, auth? } }
//                                                auth = { challenge, nonce, proof } (binaries), shared-secret mode
//   acceptor → dialler, first and only frame:    { welcome: { serverId, proof? } }
//   dialler → acceptor, then:                    [message, message, ...]   (a batch, in send order)
// A refused hello gets an HTTP error answer instead of the upgrade (handshake.ts: refusalHeaders).
// Each message is encoded once, when it is sent (so its size is known for the queue bound and a caller's
// later mutation cannot change it); a batch frame is an array header followed by the encoded messages,
// which is exactly the msgpack encoding of the array.
import { Packr, type Options } from 'msgpackr';
import { msgpackShapeProblem } from '../../protocol/msgpack-guard.js';

// int64AsType 'number': zxids up to 2^53 come back as numbers, never bigint. copyBuffers: a decoded
// binary must not keep a whole (possibly 1 GiB) frame alive. skipValues: a map field holding undefined
// is left out (it reads back the same), because msgpackr would write undefined as an extension, which
// decodeFrame refuses: one optional field left undefined would otherwise make a whole batch undecodable.
// (skipValues is in msgpackr's README but not in its type definitions.)
const options: Options & { skipValues: readonly unknown[] } = {
  useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false, bundleStrings: false, copyBuffers: true,
  skipValues: [undefined],
};
const packr = new Packr(options);

/** 2: the hello travels in the upgrade request (version 1 sent it as the first frame). */
export const PEER_PROTOCOL_VERSION = 2;
export const PEER_SUPPORTED_VERSIONS: readonly number[] = [PEER_PROTOCOL_VERSION];

/** The dialler's answer to the acceptor's challenge (shared-secret mode: hello-proof.ts). */
export interface HelloAuth {
  challenge: Uint8Array;
  nonce: Uint8Array;
  proof: Uint8Array;
}

export interface Hello {
  version: number;
  serverId: number;
  ensembleId: string;
  /** Absent without a shared secret, and in the first hello of a shared-secret exchange. */
  auth?: HelloAuth;
}

export function encodeMessage(message: unknown): Uint8Array {
  return packr.pack(message);
}

export function encodeHello(hello: Hello): Uint8Array {
  return packr.pack({ hello });
}

/** `proof`: the acceptor's, in shared-secret mode. */
export function encodeWelcome(serverId: number, proof?: Uint8Array): Uint8Array {
  return packr.pack({ welcome: { serverId, proof } });
}

const FIXARRAY_MAX = 15;
const ARRAY16_MAX = 0xffff;

/** Bytes of the msgpack header of an array of `count` elements. */
export function arrayHeaderBytes(count: number): number {
  if (count <= FIXARRAY_MAX) return 1;
  return count <= ARRAY16_MAX ? 3 : 5;
}

function writeArrayHeader(frame: Uint8Array, count: number): number {
  if (count <= FIXARRAY_MAX) {
    frame[0] = 0x90 | count;
    return 1;
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (count <= ARRAY16_MAX) {
    frame[0] = 0xdc;
    view.setUint16(1, count, false);
    return 3;
  }
  frame[0] = 0xdd;
  view.setUint32(1, count, false);
  return 5;
}

/** One frame carrying the already-encoded messages, in order. */
export function encodeBatch(encoded: readonly Uint8Array[]): Uint8Array {
  let bodyBytes = 0;
  for (const m of encoded) bodyBytes += m.length;
  const frame = new Uint8Array(arrayHeaderBytes(encoded.length) + bodyBytes);
  let offset = writeArrayHeader(frame, encoded.length);
  for (const m of encoded) {
    frame.set(m, offset);
    offset += m.length;
  }
  return frame;
}

/** Deepest nesting a peer frame may have. */
const PEER_FRAME_DEPTH_MAX = 32;

/** Decodes one frame; throws on bytes that are not exactly one msgpack value (or whose headers claim too much). */
export function decodeFrame(data: Uint8Array): unknown {
  // Headers are checked before decoding: a few bytes claiming millions of elements cost a decoder most
  // of a second and hundreds of MB. Peer messages nest about 10 deep (batch, sync, txn, multi, ACL id).
  const problem = msgpackShapeProblem(data, PEER_FRAME_DEPTH_MAX);
  if (problem !== undefined) throw new Error(`malformed msgpack: ${problem}`);
  // A plain Uint8Array view: msgpackr then returns binaries as plain Uint8Array, as they were sent.
  return packr.unpack(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
