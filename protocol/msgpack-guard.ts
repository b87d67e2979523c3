// A structural check of msgpack bytes before they are decoded. A decoder trusts a container's header: an
// array header of 9 bytes claiming 2^24 elements makes msgpackr allocate the whole array (hundreds of MB,
// most of a second of CPU) before it finds the bytes missing. This pass builds nothing and does not
// recurse: it walks the headers once, refusing a container that claims more elements than there are bytes
// left (each element takes at least one), nesting deeper than a bound, extension types (neither protocol
// uses any but msgpackr's encoding of undefined; decoders turn others into Dates, Errors or RegExps), and
// anything but exactly one value.

/** Bytes after the header byte, for the fixed-size formats (ints, floats). */
const FIXED_BYTES: Readonly<Record<number, number>> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
};
const EXTENSION_TYPES = new Set([0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]);

interface Header {
  /** Payload bytes to skip (strings, binaries, numbers). */
  skip: number;
  /** Values that follow as this one's elements (2 per map entry). */
  children: number;
}

/** Reads the header at pos; returns its size and what follows, or a problem. */
function readHeader(b: Uint8Array, view: DataView, pos: number): { header: Header; size: number } | string {
  const t = b[pos]!;
  const len = (bytes: 1 | 2 | 4): number | undefined => {
    if (pos + 1 + bytes > b.length) return undefined;
    return bytes === 1 ? b[pos + 1]! : bytes === 2 ? view.getUint16(pos + 1) : view.getUint32(pos + 1);
  };
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return { header: { skip: 0, children: 0 }, size: 1 };
  if (t <= 0x8f) return { header: { skip: 0, children: 2 * (t & 0x0f) }, size: 1 };
  if (t <= 0x9f) return { header: { skip: 0, children: t & 0x0f }, size: 1 };
  if (t <= 0xbf) return { header: { skip: t & 0x1f, children: 0 }, size: 1 };
  const fixed = FIXED_BYTES[t];
  if (fixed !== undefined) return { header: { skip: fixed, children: 0 }, size: 1 };
  // msgpackr writes undefined (an optional field left unset) as fixext1 type 0, data 0: it decodes to undefined.
  if (t === 0xd4 && b[pos + 1] === 0 && b[pos + 2] === 0) return { header: { skip: 2, children: 0 }, size: 1 };
  if (EXTENSION_TYPES.has(t)) return 'extension types are not accepted';
  const widths: Readonly<Record<number, [1 | 2 | 4, 'skip' | 'items' | 'pairs']>> = {
    0xc4: [1, 'skip'], 0xc5: [2, 'skip'], 0xc6: [4, 'skip'], 0xd9: [1, 'skip'], 0xda: [2, 'skip'], 0xdb: [4, 'skip'],
    0xdc: [2, 'items'], 0xdd: [4, 'items'], 0xde: [2, 'pairs'], 0xdf: [4, 'pairs'],
  };
  const w = widths[t];
  if (w === undefined) return `byte 0x${t.toString(16)} is not a msgpack type`;
  const n = len(w[0]);
  if (n === undefined) return 'truncated header';
  const header = w[1] === 'skip' ? { skip: n, children: 0 } : { skip: 0, children: w[1] === 'items' ? n : 2 * n };
  return { header, size: 1 + w[0] };
}

/** Why these bytes are not exactly one well-formed msgpack value within depthMax, or undefined. */
export function msgpackShapeProblem(b: Uint8Array, depthMax: number): string | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Elements still due at each open level; the bottom entry is the one top-level value.
  const due: number[] = [1];
  let pos = 0;
  while (due.length > 0) {
    if (due[due.length - 1] === 0) {
      due.pop();
      continue;
    }
    if (pos >= b.length) return 'truncated value';
    due[due.length - 1] = due[due.length - 1]! - 1;
    const read = readHeader(b, view, pos);
    if (typeof read === 'string') return read;
    pos += read.size;
    if (read.header.skip > b.length - pos) return 'truncated value';
    pos += read.header.skip;
    if (read.header.children === 0) continue;
    if (read.header.children > b.length - pos) return `a container claims ${read.header.children} elements with ${b.length - pos} bytes left`;
    if (due.length > depthMax) return `nested deeper than ${depthMax} levels`;
    due.push(read.header.children);
  }
  return pos === b.length ? undefined : `${b.length - pos} bytes after the value`;
}
