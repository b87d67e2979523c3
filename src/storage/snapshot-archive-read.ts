// Reading a snapshot archive (snapshot-archive.ts) from bytes or a stream of them, trusting nothing: every
// length is bounded before a byte is buffered for it, every frame's checksum and position are checked, the
// header's counts bound the chunks, and the trailer must agree with all of it. What is wrong is said by the
// error's class: ArchiveTruncatedError, ArchiveChecksumError or ArchiveFormatError, each with the offset of the
// frame at fault.
import { crc32 } from './crc32.js';
import { ArchiveChecksumError, ArchiveFormatError, ArchiveTruncatedError, CorruptStorageError } from './errors.js';
import { decodePayload, isCount } from './record.js';
import { FRAME_HEADER_BYTES } from './segment-layout.js';
import {
  ARCHIVE_CHUNK_PAYLOAD_BYTES_MAX, ARCHIVE_FORMAT, ARCHIVE_META_PAYLOAD_BYTES_MAX, ARCHIVE_SALT, ARCHIVE_VERSION, type ArchiveHeader, type ArchiveTrailer,
} from './snapshot-archive.js';
import { crcOfCrcs } from './snapshot-write.js';
import type { SnapshotInput, SnapshotNodeReviver, StoredSnapshot } from './types.js';
import { yieldToEventLoop } from './yield.js';

const TWO_TO_32 = 2 ** 32;

/** Bytes that arrive in pieces, taken from the front. */
class ByteQueue {
  private readonly pieces: Uint8Array[] = [];
  private headAt = 0;
  length = 0;

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.length += piece.length;
  }

  /**
   * The first n bytes (n <= length), removed: a view when they lie in one piece, else a copy. Always a plain
   * Uint8Array (never a Buffer), so that msgpack decodes binaries as plain Uint8Arrays whatever the source.
   */
  take(n: number): Uint8Array {
    const head = this.pieces[0]!;
    if (head.length - this.headAt >= n) {
      const out = new Uint8Array(head.buffer, head.byteOffset + this.headAt, n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; ) {
      const piece = this.pieces[0]!;
      const part = piece.subarray(this.headAt, this.headAt + Math.min(n - filled, piece.length - this.headAt));
      out.set(part, filled);
      filled += part.length;
      this.advance(part.length);
    }
    return out;
  }

  private advance(n: number): void {
    this.headAt += n;
    this.length -= n;
    if (this.headAt === this.pieces[0]!.length) {
      this.pieces.shift();
      this.headAt = 0;
    }
  }
}

interface ArchiveFrame {
  offset: number;
  crc: number;
  payload: Uint8Array;
}

/** The frames of a stream, in order, each checked against its checksum and its position. */
class ArchiveFrameReader {
  private readonly queue = new ByteQueue();
  private readonly source: AsyncIterator<Uint8Array>;
  private ended = false;
  private offset = 0;
  private tag = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Bytes taken as frames so far. */
  get position(): number {
    return this.offset;
  }

  /** Whether the stream holds nothing after the frames read. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  /** Pulls until n bytes are buffered; false when the stream ends first. */
  private async fill(n: number): Promise<boolean> {
    while (this.queue.length < n && !this.ended) {
      const { value, done } = await this.source.next();
      if (done === true) this.ended = true;
      else if (value instanceof Uint8Array) this.queue.push(value);
      else throw new ArchiveFormatError('the source yielded something other than bytes');
    }
    return this.queue.length >= n;
  }

  /** The next frame, or undefined at the end of the stream. `what` names it in errors; `payloadMax` bounds it. */
  async next(what: string, payloadMax: number): Promise<ArchiveFrame | undefined> {
    const at = this.offset;
    if (!(await this.fill(1))) return undefined;
    if (!(await this.fill(FRAME_HEADER_BYTES))) throw new ArchiveTruncatedError(`the stream ends inside the header of the ${what}`, at);
    const header = this.queue.take(FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
    const length = view.getUint32(0, false);
    const stored = view.getUint32(4, false);
    const tag = view.getUint32(8, false) * TWO_TO_32 + view.getUint32(12, false);
    if (length === 0 || length > payloadMax) throw new ArchiveFormatError(`the ${what} claims ${length} bytes (1 to ${payloadMax} allowed)`, at);
    const tagCrc = crc32(header.subarray(8, FRAME_HEADER_BYTES), ARCHIVE_SALT);
    if (!(await this.fill(length))) throw new ArchiveTruncatedError(`the stream ends inside the ${what} (${this.queue.length} of ${length} bytes)`, at);
    const payload = this.queue.take(length);
    const computed = crc32(payload, tagCrc);
    if (computed !== stored) throw new ArchiveChecksumError(`the ${what} fails its checksum`, at);
    if (tag !== this.tag) throw new ArchiveFormatError(`frame ${tag} where frame ${this.tag} belongs`, at);
    this.tag++;
    this.offset = at + FRAME_HEADER_BYTES + length;
    return { offset: at, crc: stored, payload };
  }
}

function decodeAt(frame: ArchiveFrame, what: string, binaries: 'copies' | 'views' = 'copies'): unknown {
  try {
    return decodePayload(what, frame.payload, binaries);
  } catch (err) {
    if (err instanceof CorruptStorageError) throw new ArchiveFormatError(`the ${what} does not decode`, frame.offset);
    throw err;
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function checkHeader(frame: ArchiveFrame | undefined): ArchiveHeader {
  if (frame === undefined) throw new ArchiveTruncatedError('the stream is empty');
  const v = decodeAt(frame, 'header');
  if (!isMap(v) || v['format'] !== ARCHIVE_FORMAT) throw new ArchiveFormatError('not a Canopy snapshot archive', 0);
  if (v['version'] !== ARCHIVE_VERSION) throw new ArchiveFormatError(`archive version ${JSON.stringify(v['version'])}; this build reads version ${ARCHIVE_VERSION}`, 0);
  for (const field of ['zxid', 'createdAtMs', 'nodeCount', 'sessionCount'] as const) {
    if (!isCount(v[field])) throw new ArchiveFormatError(`header field '${field}' is missing or invalid`, 0);
  }
  return v as unknown as ArchiveHeader;
}

function checkTrailer(frame: ArchiveFrame | undefined, expected: Omit<ArchiveTrailer, 'crcOfChunkCrcs'>, crcs: readonly number[]): void {
  if (frame === undefined) throw new ArchiveTruncatedError('the stream ends before the trailer');
  const v = decodeAt(frame, 'trailer');
  if (!isMap(v)) throw new ArchiveFormatError('the trailer is not a map', frame.offset);
  for (const [field, value] of Object.entries(expected)) {
    if (v[field] !== value) throw new ArchiveFormatError(`the trailer's ${field} is ${JSON.stringify(v[field])}, the archive holds ${value}`, frame.offset);
  }
  if (v['crcOfChunkCrcs'] !== crcOfCrcs(crcs)) throw new ArchiveChecksumError('the chunk checksums do not match the trailer', frame.offset);
}

export interface ArchiveReadOptions {
  /** Turns each node into the caller's form as its chunk is decoded (as StorageOptions.reviveSnapshotNode). */
  reviveSnapshotNode?: SnapshotNodeReviver;
  /** The largest chunk accepted (default ARCHIVE_CHUNK_PAYLOAD_BYTES_MAX). */
  chunkBytesMax?: number;
}

/** What the archive says besides the snapshot. */
export interface ArchiveFacts {
  createdAtMs: number;
  nodeChunks: number;
  sessionChunks: number;
  /** Bytes read: the archive's length. */
  bytes: number;
}

/** Reads a list of `count` elements in chunk frames, checking each chunk; returns how many chunks it took. */
async function readList(
  frames: ArchiveFrameReader, what: 'node' | 'session', count: number, chunkMax: number, crcs: number[], out: unknown[], revive?: SnapshotNodeReviver,
): Promise<number> {
  let chunks = 0;
  while (out.length < count) {
    const frame = await frames.next(`${what} chunk ${chunks}`, chunkMax);
    if (frame === undefined) throw new ArchiveTruncatedError(`the stream ends after ${out.length} of ${count} ${what}s`);
    const list = decodeAt(frame, `${what} chunk`, revive === undefined ? 'copies' : 'views');
    if (!Array.isArray(list) || list.length === 0) throw new ArchiveFormatError(`${what} chunk ${chunks} is not a non-empty list`, frame.offset);
    if (out.length + list.length > count) throw new ArchiveFormatError(`${what} chunk ${chunks} holds more ${what}s than the header counts (${count})`, frame.offset);
    for (const item of list) out.push(revive === undefined ? item : revive(item));
    crcs.push(frame.crc);
    chunks++;
    await yieldToEventLoop();
  }
  return chunks;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Reads and verifies a whole archive: the snapshot it holds (nodes as decoded, or as revived) and its facts.
 * Throws a SnapshotArchiveError subclass naming what is wrong; bytes after the trailer are an error too.
 */
export async function readSnapshotArchiveWithFacts<S extends SnapshotInput = SnapshotInput>(
  source: AsyncIterable<Uint8Array> | Uint8Array, opts: ArchiveReadOptions = {},
): Promise<{ snapshot: StoredSnapshot<S>; facts: ArchiveFacts }> {
  const frames = new ArchiveFrameReader(source instanceof Uint8Array ? once(source) : source);
  const header = checkHeader(await frames.next('header', ARCHIVE_META_PAYLOAD_BYTES_MAX));
  const chunkMax = opts.chunkBytesMax ?? ARCHIVE_CHUNK_PAYLOAD_BYTES_MAX;
  const crcs: number[] = [];
  const nodes: unknown[] = [];
  const sessions: unknown[] = [];
  const nodeChunks = await readList(frames, 'node', header.nodeCount, chunkMax, crcs, nodes, opts.reviveSnapshotNode);
  const sessionChunks = await readList(frames, 'session', header.sessionCount, chunkMax, crcs, sessions);
  const counts = { zxid: header.zxid, nodeChunks, sessionChunks, nodeCount: header.nodeCount, sessionCount: header.sessionCount };
  checkTrailer(await frames.next('trailer', ARCHIVE_META_PAYLOAD_BYTES_MAX), counts, crcs);
  if (!(await frames.atEnd())) throw new ArchiveFormatError('bytes follow the trailer', frames.position);
  const snapshot = { zxid: header.zxid, nodes, sessions } as StoredSnapshot<S>;
  return { snapshot, facts: { createdAtMs: header.createdAtMs, nodeChunks, sessionChunks, bytes: frames.position } };
}

/** Reads and verifies a whole archive (see readSnapshotArchiveWithFacts). */
export async function readSnapshotArchive<S extends SnapshotInput = SnapshotInput>(
  source: AsyncIterable<Uint8Array> | Uint8Array, opts: ArchiveReadOptions = {},
): Promise<StoredSnapshot<S>> {
  return (await readSnapshotArchiveWithFacts<S>(source, opts)).snapshot;
}
