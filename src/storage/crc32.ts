// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum on every stored record.
// zlib's native crc32 where Node has it (20.15 and later): every txn and snapshot chunk is checksummed on the
// write path. Elsewhere table-driven, four tables letting the main loop take four bytes per step
// ("slicing by 4"), which roughly halves the time recovery spends checksumming.
import * as zlib from 'node:zlib';

const POLYNOMIAL_REFLECTED = 0xedb88320;

function buildTables(): [Uint32Array, Uint32Array, Uint32Array, Uint32Array] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? POLYNOMIAL_REFLECTED ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  // tk[n] is the CRC state after byte n followed by k zero bytes.
  const next = (prev: Uint32Array): Uint32Array => prev.map((v) => (t0[v & 0xff]! ^ (v >>> 8)) >>> 0);
  const t1 = next(t0);
  const t2 = next(t1);
  return [t0, t1, t2, next(t2)];
}

const [T0, T1, T2, T3] = buildTables();

/**
 * CRC-32 of `bytes`. Pass a previous result as `previous` to continue a checksum over
 * several pieces: crc32(b, crc32(a)) === crc32(a ++ b).
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  // zlib answers 0 for no bytes whatever the starting value; continuing over nothing changes nothing.
  if (bytes.length === 0) return previous >>> 0;
  return nativeCrc32 !== undefined ? nativeCrc32(bytes, previous) : tableCrc32(bytes, previous);
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The table-driven CRC-32 (exported for the test that checks the native one agrees with it). */
export function tableCrc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  let i = 0;
  for (const end = bytes.length - 3; i < end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
  }
  for (; i < bytes.length; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const textEncoder = new TextEncoder();

/** CRC-32 of the UTF-8 bytes of `text`, without allocating when it is ASCII (every storage key is). */
export function crc32Text(text: string, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return crc32(textEncoder.encode(text.slice(i)), (c ^ 0xffffffff) >>> 0);
    c = T0[(c ^ code) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
