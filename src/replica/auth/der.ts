// A minimal DER reader for the parts of a client certificate the x509 scheme needs (subject, subject
// alternative names). The bytes come from a client: every length is checked against its container before
// it is used, and a reader never recurses on its own, so malformed input costs a loop over the bytes at
// most and ends in `undefined`, never in an exception or an out-of-range read.

/** One tag-length-value: the content is bytes[start, end). */
export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number below 31). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly head: number;
  readonly start: number;
  readonly end: number;
}

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  GENERAL_STRING: 0x1b,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Longest OID accepted, in content bytes (Java accepts at most 4096; real ones are under 30). */
const OID_BYTES_MAX = 64;

/** The TLV at `offset`, which must end by `limit`; undefined when it is malformed or overruns. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit || limit > bytes.length) return undefined;
  const tag = bytes[offset]!;
  // High tag numbers (a second identifier octet) occur nowhere in what we read.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // Four length octets cover any certificate; 0 would be BER's indefinite length.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    start += count;
  }
  const end = start + length;
  if (end > limit) return undefined;
  return { tag, head: offset, start, end };
}

/** The TLVs inside a constructed one, at most `max` of them; undefined when they do not tile its content. */
export function childrenOf(bytes: Uint8Array, parent: Tlv, max: number): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    if (out.length >= max) return undefined;
    const child = readTlv(bytes, at, parent.end);
    if (child === undefined) return undefined;
    out.push(child);
    at = child.end;
  }
  return out;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** The whole encoding (identifier, length and content) of a TLV. */
export function encodingOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.head, tlv.end);
}

/**
 * The identifier and minimal DER length octets for `contentLength` bytes of content with this tag: what a
 * re-encoding writes (Java prints a value's re-encoded bytes, so a non-minimal length must not show).
 */
export function headerOf(tag: number, contentLength: number): number[] {
  if (contentLength < 0x80) return [tag, contentLength];
  const lengthOctets: number[] = [];
  for (let n = contentLength; n > 0; n = Math.floor(n / 256)) lengthOctets.unshift(n % 256);
  return [tag, 0x80 | lengthOctets.length, ...lengthOctets];
}

/** Dotted text of an OBJECT IDENTIFIER's content ("2.5.4.3"), or undefined when malformed. */
export function oidText(content: Uint8Array): string | undefined {
  if (content.length === 0 || content.length > OID_BYTES_MAX) return undefined;
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const byte of content) {
    // A leading 0x80 pads an arc, which DER forbids.
    if (fresh && byte === 0x80) return undefined;
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) return undefined;
  const first = arcs[0]!;
  const top = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [top, first - top * 40n, ...arcs.slice(1)].map(String).join('.');
}

/** Lowercase hex of some bytes. */
export function hexOf(bytes: Iterable<number>): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
