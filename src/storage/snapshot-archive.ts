// Canopy snapshot archive, version 1: one snapshot as a self-contained, checksummed stream, for backups
// (canopy-admin snapshot save / restore, the admin endpoint /commands/snapshot). It depends on no store:
// its frames are checksummed with salt 0, so an archive verifies anywhere.
//
//   frame(0, header)        header = { format: 'canopy-snapshot', version: 1, zxid, createdAtMs, nodeCount, sessionCount }
//   frame(1 .. k, chunk)    msgpack arrays of nodes (<= 1000 nodes or ~4 MiB each, as snapshot files), nodeCount in all
//   frame(k+1 .. m, chunk)  msgpack arrays of sessions, sessionCount in all
//   frame(m+1, trailer)     trailer = { zxid, nodeChunks, sessionChunks, nodeCount, sessionCount, crcOfChunkCrcs }
//
// frame(tag, v) is segment-layout.ts's frame: length u32 BE ++ crc u32 BE ++ tag u64 BE ++ msgpack(v), the crc
// over tag ++ payload (seed 0); a frame's tag is its position in the stream. crcOfChunkCrcs is crcOfCrcs
// (layout.ts) of every chunk frame's crc, nodes then sessions, in order. The header's counts say where the
// node chunks end and let a reader decode chunk by chunk as the bytes arrive; the trailer repeats them, so an
// archive whose header and trailer disagree, or that ends before its trailer, never reads as complete.
//
// Writing: snapshotArchiveChunks encodes one chunk per event-loop turn from an immutable snapshot (the tree's
// snapshot() is a reference copy whose records never change). Reading (snapshot-archive-read.ts) verifies every
// frame, every count and the trailer, and bounds every frame before buffering it.
import { encodeValue } from './record.js';
import { encodeFrame } from './segment-frame.js';
import { crcOfCrcs, encodeChunk } from './snapshot-write.js';
import type { SnapshotInput } from './types.js';
import { yieldToEventLoop } from './yield.js';

export const ARCHIVE_FORMAT = 'canopy-snapshot';
export const ARCHIVE_VERSION = 1;
/** Archive frames are not tied to a store. */
export const ARCHIVE_SALT = 0;
/** The header and the trailer are a few numbers. */
export const ARCHIVE_META_PAYLOAD_BYTES_MAX = 64 * 1024;
/**
 * The largest chunk a reader accepts: a chunk closes once it holds ~4 MiB, so it is at most that plus one
 * node, and a node's data is at most maxDataBytes (256 MiB at most), plus room for its path and ACL.
 */
export const ARCHIVE_CHUNK_PAYLOAD_BYTES_MAX = (4 + 256 + 1) * 1024 * 1024;

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  zxid: number;
  createdAtMs: number;
  nodeCount: number;
  sessionCount: number;
}

export interface ArchiveTrailer {
  zxid: number;
  nodeChunks: number;
  sessionChunks: number;
  nodeCount: number;
  sessionCount: number;
  crcOfChunkCrcs: number;
}

export interface ArchiveWriteOptions {
  /** When the archive was taken (default: now). */
  createdAtMs?: number;
}

/**
 * The archive of `snapshot`, frame by frame: the header, each chunk, the trailer. Between chunks it waits for
 * the event loop to turn, so a server streaming a large tree keeps serving. The snapshot's arrays and values
 * must not change until the generator finishes.
 */
export async function* snapshotArchiveChunks(snapshot: SnapshotInput, opts: ArchiveWriteOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  let tag = 0;
  const header: ArchiveHeader = {
    format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, zxid: snapshot.zxid, createdAtMs: opts.createdAtMs ?? Date.now(),
    nodeCount: snapshot.nodes.length, sessionCount: snapshot.sessions.length,
  };
  yield encodeFrame(tag++, encodeValue(header), ARCHIVE_SALT).bytes;
  const crcs: number[] = [];
  const chunkCounts: number[] = [];
  for (const list of [snapshot.nodes, snapshot.sessions]) {
    let chunks = 0;
    for (let from = 0; from < list.length; chunks++) {
      const { payload, next } = encodeChunk(list, from);
      const frame = encodeFrame(tag++, payload, ARCHIVE_SALT);
      crcs.push(frame.crc);
      from = next;
      yield frame.bytes;
      await yieldToEventLoop();
    }
    chunkCounts.push(chunks);
  }
  const trailer: ArchiveTrailer = {
    zxid: snapshot.zxid, nodeChunks: chunkCounts[0]!, sessionChunks: chunkCounts[1]!, nodeCount: snapshot.nodes.length,
    sessionCount: snapshot.sessions.length, crcOfChunkCrcs: crcOfCrcs(crcs),
  };
  yield encodeFrame(tag, encodeValue(trailer), ARCHIVE_SALT).bytes;
}
