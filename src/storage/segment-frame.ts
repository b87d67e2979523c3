// Frames (segment-layout.ts): building one, and reading a file's frames back with every checksum verified
// and every read bounded. A length field is never trusted: it must be within the limit and within the file
// before a byte is allocated for it.
import { crc32 } from './crc32.js';
import type { ReadableFile } from './file-port.js';
import { FRAME_HEADER_BYTES, READ_BLOCK_BYTES } from './segment-layout.js';

const TWO_TO_32 = 2 ** 32;

/** A frame: header and payload in one buffer, and its crc. */
export interface Frame {
  bytes: Uint8Array;
  crc: number;
}

/** A frame of payload under tag, its checksum seeded with the store's salt. */
export function encodeFrame(tag: number, payload: Uint8Array, salt: number): Frame {
  if (!Number.isSafeInteger(tag) || tag < 0) throw new RangeError(`frame tag must be a safe non-negative integer, got ${tag}`);
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, Math.floor(tag / TWO_TO_32), false);
  view.setUint32(12, tag % TWO_TO_32, false);
  bytes.set(payload, FRAME_HEADER_BYTES);
  const crc = crc32(payload, crc32(bytes.subarray(8, FRAME_HEADER_BYTES), salt));
  view.setUint32(0, payload.length, false);
  view.setUint32(4, crc, false);
  return { bytes, crc };
}

export type FrameRead =
  | { kind: 'frame'; offset: number; tag: number; crc: number; payload: Uint8Array }
  /** The end of the frames: the end of the file, or nothing but zeros (space reserved ahead of appends) from offset on. */
  | { kind: 'end'; offset: number }
  /**
   * torn: the failure can only be a write a crash cut short: the frame is cut off by the end of the file
   * (or fails with nothing but zeros after it) and no valid frame follows its start.
   */
  | { kind: 'bad'; offset: number; reason: string; torn: boolean };

/**
 * How far above the last good tag a frame found after a bad one may be and still be taken for a valid
 * frame (2^40: 256 epochs of zxids). It only saves checksumming frames that cannot be real.
 */
const RESYNC_TAG_WINDOW = 2 ** 40;

export interface FrameReaderOptions {
  /** Most payload bytes a frame may claim: more is corruption, never an allocation. */
  payloadBytesMax: number;
  /** The salt the frames' checksums are seeded with. */
  salt: number;
  /** Frame tags in this file are above this (the tag before the first frame). */
  tagFloor?: number;
  blockBytes?: number;
}

/** Reads a file's frames in order. A frame's payload is valid only until the next call to next(). */
export class FrameReader {
  private readonly buf: Uint8Array;
  /** File offset of buf[0], and how many bytes of buf hold file content. */
  private bufAt = 0;
  private bufLen = 0;
  private offset = 0;
  private readonly payloadBytesMax: number;
  private readonly salt: number;
  private lastTag: number;

  constructor(private readonly file: ReadableFile, opts: FrameReaderOptions) {
    this.buf = new Uint8Array(opts.blockBytes ?? READ_BLOCK_BYTES);
    this.payloadBytesMax = opts.payloadBytesMax;
    this.salt = opts.salt;
    this.lastTag = opts.tagFloor ?? -1;
  }

  /** Where the next frame starts: after the last good frame read. */
  get position(): number {
    return this.offset;
  }

  async next(): Promise<FrameRead> {
    const at = this.offset;
    const size = this.file.size;
    if (at === size) return { kind: 'end', offset: at };
    if (size - at < FRAME_HEADER_BYTES) {
      if (await this.zerosFrom(at)) return { kind: 'end', offset: at };
      return this.bad(at, `${size - at} bytes at the end of the file are too few for a record header`, true);
    }
    const header = await this.bytes(at, FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
    const length = view.getUint32(0, false);
    const stored = view.getUint32(4, false);
    const tag = view.getUint32(8, false) * TWO_TO_32 + view.getUint32(12, false);
    const tagCrc = crc32(header.subarray(8, FRAME_HEADER_BYTES), this.salt);
    if (length === 0) {
      // No frame has length 0: zeros to the end are the reserved space after the last append.
      if (await this.zerosFrom(at)) return { kind: 'end', offset: at };
      return this.bad(at, 'record length is 0', false);
    }
    if (length > this.payloadBytesMax) return this.bad(at, `record length ${length} is over the limit of ${this.payloadBytesMax}`, false);
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > size) return this.bad(at, `a record of ${length} bytes runs past the end of the file (${size} bytes)`, true);
    const payload = await this.bytes(at + FRAME_HEADER_BYTES, length);
    const computed = crc32(payload, tagCrc);
    if (computed !== stored) {
      // Unwritten space after a crash reads as zeros on some file systems: a frame followed only by zeros is at the end.
      return this.bad(at, `checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`, end === size || (await this.zerosFrom(end)));
    }
    if (!Number.isSafeInteger(tag)) return this.bad(at, `tag ${tag} is not a safe integer`, false);
    this.offset = end;
    this.lastTag = tag;
    return { kind: 'frame', offset: at, tag, crc: stored, payload };
  }

  /**
   * A failure where the file ends may be a torn write, unless a valid frame follows it: then its length
   * field is what is damaged, and records after it would be lost. A failure with nothing but zeros
   * after its start (space a crash left unwritten) is torn too.
   */
  private async bad(offset: number, reason: string, atEnd: boolean): Promise<FrameRead> {
    if (!atEnd) return { kind: 'bad', offset, reason, torn: await this.zerosFrom(offset) };
    const follower = await this.validFrameAfter(offset);
    if (follower === undefined) return { kind: 'bad', offset, reason, torn: true };
    return { kind: 'bad', offset, reason: `${reason}; a valid record follows at offset ${follower}, so it is not a torn write`, torn: false };
  }

  /** The offset of a frame after `offset` that verifies, if there is one. */
  private async validFrameAfter(offset: number): Promise<number | undefined> {
    const size = this.file.size;
    for (let p = offset + 1; p + FRAME_HEADER_BYTES < size; ) {
      const n = Math.min(this.buf.length, size - p);
      const block = await this.bytes(p, n);
      const view = new DataView(block.buffer, block.byteOffset, n);
      let i = 0;
      let candidate: number | undefined;
      for (; i + FRAME_HEADER_BYTES <= n; i++) {
        const length = view.getUint32(i, false);
        if (length === 0 || length > this.payloadBytesMax || p + i + FRAME_HEADER_BYTES + length > size) continue;
        const tag = view.getUint32(i + 8, false) * TWO_TO_32 + view.getUint32(i + 12, false);
        if (tag <= this.lastTag || tag > this.lastTag + RESYNC_TAG_WINDOW) continue;
        candidate = p + i;
        break;
      }
      if (candidate !== undefined) {
        if (await this.verifiesAt(candidate)) return candidate;
        p = candidate + 1;
      } else {
        if (p + n >= size) return undefined;
        p += i;
      }
    }
    return undefined;
  }

  private async verifiesAt(at: number): Promise<boolean> {
    const header = await this.bytes(at, FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
    const length = view.getUint32(0, false);
    const stored = view.getUint32(4, false);
    const tagCrc = crc32(header.subarray(8, FRAME_HEADER_BYTES), this.salt);
    return crc32(await this.bytes(at + FRAME_HEADER_BYTES, length), tagCrc) === stored;
  }

  private async zerosFrom(offset: number): Promise<boolean> {
    for (let at = offset; at < this.file.size; ) {
      const n = Math.min(this.buf.length, this.file.size - at);
      if (!isZeros(await this.bytes(at, n))) return false;
      at += n;
    }
    return true;
  }

  /** The file's bytes [at, at + n), from the buffer or read into it; n beyond the block gets its own buffer. */
  private async bytes(at: number, n: number): Promise<Uint8Array> {
    if (at >= this.bufAt && at + n <= this.bufAt + this.bufLen) return this.buf.subarray(at - this.bufAt, at - this.bufAt + n);
    if (n > this.buf.length) {
      const own = new Uint8Array(n);
      await this.readFully(own, at);
      return own;
    }
    this.bufAt = at;
    this.bufLen = Math.min(this.buf.length, this.file.size - at);
    await this.readFully(this.buf.subarray(0, this.bufLen), at);
    return this.buf.subarray(0, n);
  }

  private async readFully(into: Uint8Array, at: number): Promise<void> {
    for (let done = 0; done < into.length; ) {
      const n = await this.file.read(into.subarray(done), at + done);
      if (n === 0) throw new Error(`file shrank while being read: ${into.length - done} bytes missing at ${at + done}`);
      done += n;
    }
  }
}

/** Compared against with memcmp: a reserved tail may be tens of MiB of zeros. */
const ZEROS = new Uint8Array(64 * 1024);

function isZeros(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + ZEROS.length));
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
