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

export function encodeFrame(tag: number, payload: Uint8Array): Frame {
  if (!Number.isSafeInteger(tag) || tag < 0) throw new RangeError(`frame tag must be a safe non-negative integer, got ${tag}`);
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, Math.floor(tag / TWO_TO_32), false);
  view.setUint32(12, tag % TWO_TO_32, false);
  bytes.set(payload, FRAME_HEADER_BYTES);
  const crc = crc32(payload, crc32(bytes.subarray(8, FRAME_HEADER_BYTES)));
  view.setUint32(0, payload.length, false);
  view.setUint32(4, crc, false);
  return { bytes, crc };
}

export type FrameRead =
  | { kind: 'frame'; offset: number; tag: number; crc: number; payload: Uint8Array }
  | { kind: 'end'; offset: number }
  /** torn: the failure could be a write cut short by a crash (nothing valid can follow it in this file). */
  | { kind: 'bad'; offset: number; reason: string; torn: boolean };

/** Reads a file's frames in order. A frame's payload is valid only until the next call to next(). */
export class FrameReader {
  private buf: Uint8Array;
  /** File offset of buf[0], and how many bytes of buf hold file content. */
  private bufAt = 0;
  private bufLen = 0;
  private offset = 0;

  constructor(private readonly file: ReadableFile, private readonly payloadBytesMax: number, blockBytes = READ_BLOCK_BYTES) {
    this.buf = new Uint8Array(blockBytes);
  }

  /** Where the next frame starts: after the last good frame read. */
  get position(): number {
    return this.offset;
  }

  async next(): Promise<FrameRead> {
    const at = this.offset;
    const size = this.file.size;
    if (at === size) return { kind: 'end', offset: at };
    if (size - at < FRAME_HEADER_BYTES) return this.bad(at, `${size - at} bytes at the end of the file are too few for a record header`, true);
    const header = await this.bytes(at, FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES);
    const length = view.getUint32(0, false);
    const stored = view.getUint32(4, false);
    const tag = view.getUint32(8, false) * TWO_TO_32 + view.getUint32(12, false);
    const tagCrc = crc32(header.subarray(8, FRAME_HEADER_BYTES));
    if (length === 0) return this.bad(at, 'record length is 0', false);
    if (length > this.payloadBytesMax) return this.bad(at, `record length ${length} is over the limit of ${this.payloadBytesMax}`, false);
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > size) return this.bad(at, `a record of ${length} bytes runs past the end of the file (${size} bytes)`, true);
    const payload = await this.bytes(at + FRAME_HEADER_BYTES, length);
    const computed = crc32(payload, tagCrc);
    if (computed !== stored) return this.bad(at, `checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`, end === size);
    if (!Number.isSafeInteger(tag)) return this.bad(at, `tag ${tag} is not a safe integer`, false);
    this.offset = end;
    return { kind: 'frame', offset: at, tag, crc: stored, payload };
  }

  /** A failure is also torn when nothing but zeros follows its start (space a crash left unwritten). */
  private async bad(offset: number, reason: string, torn: boolean): Promise<FrameRead> {
    return { kind: 'bad', offset, reason, torn: torn || (await this.zerosFrom(offset)) };
  }

  private async zerosFrom(offset: number): Promise<boolean> {
    for (let at = offset; at < this.file.size; ) {
      const n = Math.min(this.buf.length, this.file.size - at);
      const chunk = await this.bytes(at, n);
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false;
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

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
