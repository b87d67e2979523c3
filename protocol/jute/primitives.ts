// Jute's primitives (ZooKeeper's BinaryInputArchive / BinaryOutputArchive): big-endian int (4 bytes),
// long (8), boolean (1 byte, 0 or 1), buffer and ustring (an int length, -1 for null, then the bytes),
// vector (an int count, -1 for null, then the elements).
//
// The reader is bounded by its frame: every length is checked against the bytes that remain before
// anything is allocated, so a hostile length costs nothing. A long becomes a JavaScript number only when
// the number holds it exactly (ZooKeeper's own session ids exceed 2^53 but are exact doubles; see
// README); any other long is refused rather than rounded.
// A null buffer is NULL_DATA (../null-data.ts) both ways: the reader returns that instance for length -1 and
// the writer writes -1 for exactly it, so a znode's null data travels through unchanged.
import { NULL_DATA, isNullData } from '../null-data.js';
import { JuteDecodeError, JuteEncodeError } from './errors.js';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export class JuteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) throw new JuteDecodeError(`truncated ${what}: needs ${n} bytes, ${this.remaining} left`);
  }

  int(what = 'int'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  long(what = 'long'): number {
    this.need(8, what);
    const big = this.view.getBigInt64(this.offset);
    this.offset += 8;
    const v = Number(big);
    if (BigInt(v) !== big) throw new JuteDecodeError(`${what} is a 64-bit value a JavaScript number cannot hold exactly`);
    return v;
  }

  bool(what = 'boolean'): boolean {
    this.need(1, what);
    const b = this.bytes[this.offset]!;
    this.offset += 1;
    if (b > 1) throw new JuteDecodeError(`${what} must be the byte 0 or 1`);
    return b === 1;
  }

  /** A length field: -1 (null) or a count the remaining bytes can hold at minBytesEach. */
  private length(what: string, minBytesEach: number): number | null {
    const n = this.int(`${what} length`);
    if (n === -1) return null;
    if (n < 0) throw new JuteDecodeError(`${what} has a negative length`);
    if (n * minBytesEach > this.remaining) throw new JuteDecodeError(`${what} claims ${n} items, more than the ${this.remaining} bytes left hold`);
    return n;
  }

  /** A buffer, copied out of the frame (the frame may be reused); null decodes to NULL_DATA. */
  buffer(what = 'buffer'): Uint8Array {
    const n = this.length(what, 1);
    if (n === null) return NULL_DATA;
    // A copy, and a plain Uint8Array even when the frame is a Node Buffer (whose slice() would share memory).
    const out = new Uint8Array(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  /** A ustring that may be null. */
  nullableString(what = 'string'): string | null {
    const n = this.length(what, 1);
    if (n === null) return null;
    let s: string;
    try {
      s = utf8Decoder.decode(this.bytes.subarray(this.offset, this.offset + n));
    } catch {
      throw new JuteDecodeError(`${what} is not valid UTF-8`);
    }
    this.offset += n;
    return s;
  }

  /** A ustring that must be present (Canopy has no null strings). */
  string(what = 'string'): string {
    const s = this.nullableString(what);
    if (s === null) throw new JuteDecodeError(`${what} is null`);
    return s;
  }

  /** A vector that must be present; minBytesEach bounds the count before any element is read. */
  vector<T>(what: string, minBytesEach: number, readOne: (r: JuteReader) => T): T[] {
    const n = this.length(what, minBytesEach);
    if (n === null) throw new JuteDecodeError(`${what} is null`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(readOne(this));
    return out;
  }

  /** The record must have used every byte: extra bytes mean the frame is not what its opcode says. */
  end(what: string): void {
    if (this.remaining !== 0) throw new JuteDecodeError(`${this.remaining} unexpected bytes after ${what}`);
  }
}

/** Grows as it writes. Every number is checked: a value jute cannot carry is a JuteEncodeError, never wrapped. */
export class JuteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private offset = 0;

  private room(n: number): void {
    if (this.offset + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.offset + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.offset));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  int(v: number, what = 'int'): this {
    if (!Number.isInteger(v) || v < INT_MIN || v > INT_MAX) throw new JuteEncodeError(`${what} must be a 32-bit integer`);
    this.room(4);
    this.view.setInt32(this.offset, v);
    this.offset += 4;
    return this;
  }

  long(v: number, what = 'long'): this {
    if (!Number.isInteger(v)) throw new JuteEncodeError(`${what} must be an integer`);
    const big = BigInt(v);
    if (big < LONG_MIN || big > LONG_MAX) throw new JuteEncodeError(`${what} must fit 64 bits`);
    this.room(8);
    this.view.setBigInt64(this.offset, big);
    this.offset += 8;
    return this;
  }

  bool(v: boolean): this {
    this.room(1);
    this.buf[this.offset++] = v ? 1 : 0;
    return this;
  }

  private raw(bytes: Uint8Array): this {
    this.room(bytes.byteLength);
    this.buf.set(bytes, this.offset);
    this.offset += bytes.byteLength;
    return this;
  }

  buffer(v: Uint8Array): this {
    if (isNullData(v)) return this.int(-1);
    return this.int(v.byteLength).raw(v);
  }

  string(v: string): this {
    const bytes = utf8Encoder.encode(v);
    return this.int(bytes.byteLength).raw(bytes);
  }

  vector<T>(items: readonly T[], writeOne: (w: JuteWriter, item: T) => void): this {
    this.int(items.length);
    for (const item of items) writeOne(this, item);
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.offset);
  }
}
