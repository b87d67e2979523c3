// A cheap structural scan of msgpack bytes: whether they are exactly one complete value. No value is
// built and nothing recurses, so a header claiming millions of elements or nesting 100k deep costs
// nothing here. The plan uses it to set aside frames the server will refuse as unreadable without
// decoding them (a decoder may be slow on exactly those). msgpackr extensions that read a further value
// after their header (Error, Set, RegExp) scan as 'trailing': the plan then treats them as refused too,
// which only moves them to the end of their connection.

export type Scan = 'ok' | 'truncated' | 'invalid' | 'trailing';

/** Bytes of the data after the header, for the fixed-size formats. */
const FIXED: Readonly<Record<number, number>> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  // fixext 1, 2, 4, 8, 16: a type byte and the data.
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
};

export function scanMsgpack(b: Uint8Array): Scan {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  let pending = 1;
  /** Reads a big-endian length of `bytes` bytes at pos; undefined if the bytes are missing. */
  const len = (bytes: 1 | 2 | 4): number | undefined => {
    if (pos + bytes > b.length) return undefined;
    const v = bytes === 1 ? b[pos]! : bytes === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += bytes;
    return v;
  };
  while (pending > 0) {
    if (pos >= b.length) return 'truncated';
    const t = b[pos++]!;
    pending--;
    let skip = 0;
    let children = 0;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
      // A value in its header byte.
    } else if (t <= 0x8f) children = 2 * (t & 0x0f);
    else if (t <= 0x9f) children = t & 0x0f;
    else if (t <= 0xbf) skip = t & 0x1f;
    else if (FIXED[t] !== undefined) skip = FIXED[t]!;
    else {
      let n: number | undefined;
      switch (t) {
        case 0xc4: case 0xd9: n = len(1); skip = n ?? 0; break;
        case 0xc5: case 0xda: n = len(2); skip = n ?? 0; break;
        case 0xc6: case 0xdb: n = len(4); skip = n ?? 0; break;
        case 0xc7: n = len(1); skip = (n ?? 0) + 1; break;
        case 0xc8: n = len(2); skip = (n ?? 0) + 1; break;
        case 0xc9: n = len(4); skip = (n ?? 0) + 1; break;
        case 0xdc: n = len(2); children = n ?? 0; break;
        case 0xdd: n = len(4); children = n ?? 0; break;
        case 0xde: n = len(2); children = 2 * (n ?? 0); break;
        case 0xdf: n = len(4); children = 2 * (n ?? 0); break;
        default: return 'invalid';
      }
      if (n === undefined) return 'truncated';
    }
    if (skip > b.length - pos) return 'truncated';
    pos += skip;
    pending += children;
    // Every value still to come takes at least one byte.
    if (pending > b.length - pos) return 'truncated';
  }
  return pos === b.length ? 'ok' : 'trailing';
}
