// Snapshot files (segment-layout.ts): written one chunk per event-loop turn and fsynced; read back with
// every frame checked against its checksum, its position and the trailer's counts and checksums.
import { CorruptStorageError } from './errors.js';
import type { FilePort, WritableFile } from './file-port.js';
import type { SnapshotMeta } from './layout.js';
import { asSnapshotMeta, decodePayload, encodeValue, isCount } from './record.js';
import { FrameReader, encodeFrame } from './segment-frame.js';
import { FRAME_PAYLOAD_BYTES_MAX, SEGMENT_FORMAT_VERSION, SNAPSHOT_WRITE_BYTES } from './segment-layout.js';
import { crcOfCrcs, encodeChunk } from './snapshot-write.js';
import type { SnapshotInput, SnapshotNodeReviver, StoredSnapshot } from './types.js';
import { yieldToEventLoop } from './yield.js';

/** Frames gathered into writes of about SNAPSHOT_WRITE_BYTES; the tag of each is its position. */
class FrameWriter {
  private tag = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly file: WritableFile, private readonly salt: number) {}

  async put(value: Uint8Array): Promise<number> {
    const frame = encodeFrame(this.tag++, value, this.salt);
    this.pending.push(frame.bytes);
    this.pendingBytes += frame.bytes.length;
    if (this.pendingBytes >= SNAPSHOT_WRITE_BYTES) await this.flush();
    return frame.crc;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.file.append(chunks);
  }
}

/** Writes list in chunk frames, yielding between chunks; returns the chunks' crcs. */
async function putChunks(out: FrameWriter, list: readonly unknown[]): Promise<number[]> {
  const crcs: number[] = [];
  for (let from = 0; from < list.length; ) {
    const { payload, next } = encodeChunk(list, from);
    crcs.push(await out.put(payload));
    from = next;
    await yieldToEventLoop();
  }
  return crcs;
}

/** Writes snap to a new file `name` and fsyncs it; the caller renames it into place. */
export async function writeSnapshotFile(port: FilePort, name: string, snap: SnapshotInput, salt: number): Promise<number> {
  const file = await port.create(name);
  try {
    const out = new FrameWriter(file, salt);
    await out.put(encodeValue({ format: SEGMENT_FORMAT_VERSION, zxid: snap.zxid }));
    const nodeCrcs = await putChunks(out, snap.nodes);
    const sessionCrcs = await putChunks(out, snap.sessions);
    const trailer: SnapshotMeta = {
      zxid: snap.zxid, chunks: nodeCrcs.length, nodeCount: snap.nodes.length, sessionCount: snap.sessions.length,
      crcOfChunkCrcs: crcOfCrcs(nodeCrcs), sessionsCrc: crcOfCrcs(sessionCrcs),
    };
    await out.put(encodeValue(trailer));
    await out.flush();
    await file.sync();
    return nodeCrcs.length;
  } finally {
    await file.close();
  }
}

/** A frame's bytes, kept until the trailer says what the frame holds. */
interface HeldFrame {
  payload: Uint8Array;
  crc: number;
  offset: number;
}

/**
 * Reads snapshot file `name`, which must hold the snapshot at zxid; CorruptStorageError names what failed.
 * Chunks are kept as bytes until the trailer (the last frame) says which hold nodes, then decoded one at a
 * time, each node going through revive as its chunk is decoded: recovery never holds a million decoded
 * nodes beside the records made of them.
 */
export async function readSnapshotFile<S extends SnapshotInput>(
  port: FilePort, name: string, zxid: number, salt: number, revive: SnapshotNodeReviver | undefined,
): Promise<StoredSnapshot<S>> {
  const file = await port.openRead(name);
  try {
    const reader = new FrameReader(file, { payloadBytesMax: FRAME_PAYLOAD_BYTES_MAX, salt });
    const chunks: HeldFrame[] = [];
    let header: unknown;
    // The last frame is the trailer, so each frame is taken as a chunk only once another follows it.
    let held: HeldFrame | undefined;
    for (let tag = 0; ; tag++) {
      const read = await reader.next();
      if (read.kind === 'end') break;
      if (read.kind === 'bad') throw new CorruptStorageError(name, read.reason, read.offset);
      if (read.tag !== tag) throw new CorruptStorageError(name, `frame ${read.tag} where frame ${tag} belongs`, read.offset);
      if (tag === 0) {
        header = decodePayload(name, read.payload);
        continue;
      }
      if (held !== undefined) chunks.push(held);
      // A copy: the reader's buffer is reused for the frames after this one.
      held = { payload: read.payload.slice(), crc: read.crc, offset: read.offset };
    }
    checkHeader(name, zxid, header);
    return assemble<S>(name, zxid, chunks, held === undefined ? undefined : decodePayload(name, held.payload), revive);
  } finally {
    await file.close();
  }
}

function checkHeader(name: string, zxid: number, header: unknown): void {
  const h = header as { format?: unknown; zxid?: unknown } | undefined;
  if (typeof h !== 'object' || h === null || h.format !== SEGMENT_FORMAT_VERSION || !isCount(h.zxid)) {
    throw new CorruptStorageError(name, 'the snapshot header is missing or invalid');
  }
  if (h.zxid !== zxid) throw new CorruptStorageError(name, `the snapshot header says zxid ${h.zxid}`);
}

/** Decodes the chunks from..to-1 into out, through revive if given; each chunk's bytes are dropped once decoded. */
function decodeChunks(name: string, chunks: Array<HeldFrame | undefined>, from: number, to: number, revive: SnapshotNodeReviver | undefined, out: unknown[]): void {
  for (let i = from; i < to; i++) {
    const chunk = chunks[i]!;
    chunks[i] = undefined;
    // Binaries as views of the chunk's bytes only where revive makes its own copy of each node.
    const value = decodePayload(name, chunk.payload, revive === undefined ? 'copies' : 'views');
    if (!Array.isArray(value)) throw new CorruptStorageError(name, 'a snapshot chunk is not an array', chunk.offset);
    if (revive === undefined) for (const item of value) out.push(item);
    else for (const item of value) out.push(revive(item));
  }
}

// Which chunks hold nodes and which sessions, only the trailer says.
function assemble<S extends SnapshotInput>(
  name: string, zxid: number, chunks: Array<HeldFrame | undefined>, trailer: unknown, revive: SnapshotNodeReviver | undefined,
): StoredSnapshot<S> {
  const meta = asSnapshotMeta(name, zxid, trailer);
  if (meta.chunks > chunks.length) throw new CorruptStorageError(name, `the trailer lists ${meta.chunks} node chunks, the file holds ${chunks.length}`);
  const crcs = chunks.map((c) => c!.crc);
  if (crcOfCrcs(crcs.slice(0, meta.chunks)) !== meta.crcOfChunkCrcs || crcOfCrcs(crcs.slice(meta.chunks)) !== meta.sessionsCrc) {
    throw new CorruptStorageError(name, 'chunk checksums do not match the trailer');
  }
  const nodes: unknown[] = [];
  decodeChunks(name, chunks, 0, meta.chunks, revive, nodes);
  const sessions: unknown[] = [];
  decodeChunks(name, chunks, meta.chunks, chunks.length, undefined, sessions);
  if (nodes.length !== meta.nodeCount) throw new CorruptStorageError(name, `the trailer counts ${meta.nodeCount} nodes, the chunks hold ${nodes.length}`);
  if (sessions.length !== meta.sessionCount) throw new CorruptStorageError(name, `the trailer counts ${meta.sessionCount} sessions, the chunks hold ${sessions.length}`);
  return { zxid, nodes, sessions } as StoredSnapshot<S>;
}
