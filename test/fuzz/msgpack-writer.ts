// A small msgpack writer for the fuzzer. The protocol's own `encode` (msgpackr) can only write what a
// well-behaved peer would: this one also writes what a hostile one would — raw byte splices (deep
// nesting, headers claiming huge lengths, extension types), maps with duplicate or non-string keys and keys
// such as `__proto__`, 64-bit integers beyond 2^53, float32. Values that need none of that encode exactly
// as msgpack says, so an unmutated corpus frame decodes to the same value as with `encode`.

/** Bytes spliced into the output as they are: one (possibly broken) msgpack value, or a prefix of one. */
export class Raw {
  constructor(readonly bytes: Uint8Array, readonly label: string) {}
}

/** A map written entry by entry: keys of any type, duplicates and `__proto__` included. */
export class Pairs {
  constructor(readonly entries: ReadonlyArray<readonly [unknown, unknown]>) {}
}

/** A float written as float32 (0xca). */
export class Float32 {
  constructor(readonly value: number) {}
}

class Out {
  private buf = Buffer.allocUnsafe(256);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v));
    this.length += 8;
  }

  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.length, v);
    this.length += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  /** A str header and the string's UTF-8. */
  str(v: string): void {
    const n = Buffer.byteLength(v, 'utf8');
    writeHeader(this, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
    this.room(n);
    this.length += this.buf.write(v, this.length, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  result(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.length));
  }
}

function writeInt(out: Out, v: bigint): void {
  if (v >= 0n) {
    if (v < 128n) out.byte(Number(v));
    else if (v < 256n) { out.byte(0xcc); out.byte(Number(v)); }
    else if (v < 65536n) { out.byte(0xcd); out.u16(Number(v)); }
    else if (v < 4294967296n) { out.byte(0xce); out.u32(Number(v)); }
    else { out.byte(0xcf); out.u64(v); }
    return;
  }
  if (v >= -32n) out.byte(0x100 + Number(v));
  else if (v >= -128n) { out.byte(0xd0); out.byte(0x100 + Number(v)); }
  else if (v >= -32768n) { out.byte(0xd1); out.u16(0x10000 + Number(v)); }
  else if (v >= -2147483648n) { out.byte(0xd2); out.u32(0x100000000 + Number(v)); }
  else { out.byte(0xd3); out.u64(v); }
}

function writeHeader(out: Out, length: number, fix: number | undefined, fixMax: number, h8: number | undefined, h16: number, h32: number): void {
  if (fix !== undefined && length <= fixMax) out.byte(fix | length);
  else if (h8 !== undefined && length < 256) { out.byte(h8); out.byte(length); }
  else if (length < 65536) { out.byte(h16); out.u16(length); }
  else { out.byte(h32); out.u32(length); }
}

function write(out: Out, v: unknown): void {
  if (v === null || v === undefined) return out.byte(0xc0);
  if (v === false) return out.byte(0xc2);
  if (v === true) return out.byte(0xc3);
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return writeInt(out, BigInt(v));
    out.byte(0xcb);
    return out.f64(v);
  }
  if (typeof v === 'bigint') {
    if (v >= -(2n ** 63n) && v < 2n ** 64n) return writeInt(out, v);
    out.byte(0xcb);
    return out.f64(Number(v));
  }
  if (typeof v === 'string') return out.str(v);
  if (v instanceof Raw) return out.bytes(v.bytes);
  if (v instanceof Float32) {
    out.byte(0xca);
    return out.f32(v.value);
  }
  if (v instanceof Uint8Array) {
    writeHeader(out, v.length, undefined, 0, 0xc4, 0xc5, 0xc6);
    return out.bytes(v);
  }
  if (Array.isArray(v)) {
    writeHeader(out, v.length, 0x90, 15, undefined, 0xdc, 0xdd);
    for (const item of v) write(out, item);
    return;
  }
  if (v instanceof Pairs) {
    writeHeader(out, v.entries.length, 0x80, 15, undefined, 0xde, 0xdf);
    for (const [k, val] of v.entries) {
      write(out, k);
      write(out, val);
    }
    return;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    writeHeader(out, entries.length, 0x80, 15, undefined, 0xde, 0xdf);
    for (const [k, val] of entries) {
      out.str(k);
      write(out, val);
    }
    return;
  }
  throw new TypeError(`cannot write a ${typeof v} as msgpack`);
}

/** Encodes a value tree that may hold Raw, Pairs and Float32 nodes. */
export function writeMsgpack(value: unknown): Uint8Array {
  const out = new Out();
  write(out, value);
  return out.result();
}

/** Encoded bytes of a header claiming `length` items or bytes, for a str, bin, array or map. */
export function lengthHeader(kind: 'str' | 'bin' | 'array' | 'map', length: number): Uint8Array {
  const out = new Out();
  switch (kind) {
    case 'str': writeHeader(out, length, 0xa0, 31, 0xd9, 0xda, 0xdb); break;
    case 'bin': writeHeader(out, length, undefined, 0, 0xc4, 0xc5, 0xc6); break;
    case 'array': writeHeader(out, length, 0x90, 15, undefined, 0xdc, 0xdd); break;
    case 'map': writeHeader(out, length, 0x80, 15, undefined, 0xde, 0xdf); break;
  }
  return out.result();
}
