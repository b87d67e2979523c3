// A structural check of msgpack bytes before they are decoded. A decoder trusts a container's header: an
// array header of 9 bytes claiming 2^24 elements makes msgpackr allocate the whole array (hundreds of MB,
// most of a second of CPU) before it finds the bytes missing. This pass builds nothing and does not
// recurse: it walks the headers once, refusing a container that claims more elements than there are bytes
// left (each element takes at least one), nesting deeper than a bound, extension types (neither protocol
// uses any but msgpackr's encoding of undefined; decoders turn others into Dates, Errors or RegExps), and
// anything but exactly one value. It runs on every frame, so it allocates nothing per header.

/** Bytes after the header byte for the fixed-size formats (ints, floats); 0 elsewhere. */
const FIXED_BYTES = new Uint8Array(256);
for (const [t, n] of [[0xca, 4], [0xcb, 8], [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8], [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8]] as const) FIXED_BYTES[t] = n;

/** For the variable-length formats: how many bytes the length takes, and what the length counts. */
const enum Counts { Bytes = 1, Items = 2, Pairs = 3 }
const LENGTH_WIDTH = new Uint8Array(256);
const LENGTH_COUNTS = new Uint8Array(256);
for (const [t, width, counts] of [
  [0xc4, 1, Counts.Bytes], [0xc5, 2, Counts.Bytes], [0xc6, 4, Counts.Bytes], [0xd9, 1, Counts.Bytes], [0xda, 2, Counts.Bytes], [0xdb, 4, Counts.Bytes],
  [0xdc, 2, Counts.Items], [0xdd, 4, Counts.Items], [0xde, 2, Counts.Pairs], [0xdf, 4, Counts.Pairs],
] as const) {
  LENGTH_WIDTH[t] = width;
  LENGTH_COUNTS[t] = counts;
}

function isExtension(t: number): boolean {
  return t === 0xc7 || t === 0xc8 || t === 0xc9 || (t >= 0xd4 && t <= 0xd8);
}

/** Elements still due at each open level (level 0 is the one top-level value); reused, as calls never overlap. */
const due: number[] = [];

/** Why these bytes are not exactly one well-formed msgpack value within depthMax, or undefined. */
export function msgpackShapeProblem(b: Uint8Array, depthMax: number): string | undefined {
  const end = b.length;
  due[0] = 1;
  let depth = 0;
  let pos = 0;
  while (depth >= 0) {
    if (due[depth] === 0) {
      depth--;
      continue;
    }
    if (pos >= end) return 'truncated value';
    due[depth]!--;
    const t = b[pos]!;
    pos++;
    let skip = 0;
    let children = 0;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
      // nil, booleans, fixints: nothing follows
    } else if (t <= 0x8f) {
      children = 2 * (t & 0x0f);
    } else if (t <= 0x9f) {
      children = t & 0x0f;
    } else if (t <= 0xbf) {
      skip = t & 0x1f;
    } else if (FIXED_BYTES[t] !== 0) {
      skip = FIXED_BYTES[t]!;
    } else if (t === 0xd4 && pos + 1 < end && b[pos] === 0 && b[pos + 1] === 0) {
      // msgpackr writes undefined (an optional field left unset) as fixext1 type 0, data 0: it decodes to undefined.
      skip = 2;
    } else if (isExtension(t)) {
      return 'extension types are not accepted';
    } else {
      const width = LENGTH_WIDTH[t]!;
      if (width === 0) return `byte 0x${t.toString(16)} is not a msgpack type`;
      if (pos + width > end) return 'truncated header';
      const n = width === 1 ? b[pos]! : width === 2 ? (b[pos]! << 8) | b[pos + 1]! : ((b[pos]! << 24) >>> 0) + ((b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!);
      pos += width;
      const counts = LENGTH_COUNTS[t];
      if (counts === Counts.Bytes) skip = n;
      else children = counts === Counts.Items ? n : 2 * n;
    }
    if (skip > end - pos) return 'truncated value';
    pos += skip;
    if (children === 0) continue;
    if (children > end - pos) return `a container claims ${children} elements with ${end - pos} bytes left`;
    if (depth + 1 > depthMax) return `nested deeper than ${depthMax} levels`;
    depth++;
    due[depth] = children;
  }
  return pos === end ? undefined : `${end - pos} bytes after the value`;
}
