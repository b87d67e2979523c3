// Mutators. On the value tree of a valid frame: pick a field path and replace the value there with a
// hostile one, delete it, add an extra field, duplicate a key, or replace the whole frame. On the encoded
// bytes: truncation, bit flips, byte insert/delete/duplication, trailing bytes, a header claiming a huge
// length spliced in. And whole frames that start from nothing: random bytes, empty, text.
import type { Prng } from '../sim/prng.js';
import { HOSTILE_KEYS, codecErrorShape, hostileValue, hugeLengthClaim } from './hostile.js';
import { Pairs, Raw, writeMsgpack } from './msgpack-writer.js';

type Key = string | number;
type Obj = Record<string, unknown>;

/** A plain JS object (a msgpack map with string keys); not Raw, Pairs, Float32 or a binary. */
const isPlainObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Paths of every node below the root (containers and leaves), breadth-first, at most `max`. */
export function fieldPaths(root: unknown, max = 400): Key[][] {
  const paths: Key[][] = [];
  const queue: Array<[unknown, Key[]]> = [[root, []]];
  while (queue.length > 0 && paths.length < max) {
    const [node, path] = queue.shift()!;
    const children: Array<[Key, unknown]> = Array.isArray(node)
      ? node.slice(0, 50).map((v, i) => [i, v])
      : isPlainObject(node) ? Object.entries(node) : [];
    for (const [k, v] of children) {
      paths.push([...path, k]);
      queue.push([v, [...path, k]]);
    }
  }
  return paths;
}

function parentOf(root: unknown, path: readonly Key[]): unknown {
  let node = root;
  for (const k of path.slice(0, -1)) node = (node as Record<Key, unknown>)[k];
  return node;
}

/** Replaces the value at path; an empty path replaces the root (the new root is returned). */
function setAt(root: unknown, path: readonly Key[], value: unknown): unknown {
  if (path.length === 0) return value;
  (parentOf(root, path) as Record<Key, unknown>)[path[path.length - 1]!] = value;
  return root;
}

/** What a value mutation did, for the failure report. */
export interface MutationNote {
  path: string;
  what: string;
}

function describe(v: unknown): string {
  if (v instanceof Raw) return v.label;
  if (v instanceof Pairs) return `map {${v.entries.slice(0, 4).map(([k]) => String(k instanceof Uint8Array ? '<bin>' : typeof k === 'object' ? '<obj>' : k)).join(', ')}}`;
  if (typeof v === 'string') return v.length > 40 ? `string of ${v.length} chars` : JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `binary of ${v.length} bytes`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'object' && v !== null) return `{${Object.keys(v).slice(0, 4).join(', ')}}`;
  return String(v);
}

/** Applies 1 to 3 value mutations to a tree (which it may modify) and returns the new root. */
export function mutateValue(prng: Prng, root: unknown, notes: MutationNote[]): unknown {
  let tree = root;
  const count = prng.pick([1, 1, 1, 2, 3]);
  for (let i = 0; i < count; i++) {
    const paths = fieldPaths(tree);
    const roll = prng.next();
    if (roll < 0.04 || paths.length === 0) {
      const v = prng.chance(0.5) ? codecErrorShape(prng) : hostileValue(prng);
      notes.push({ path: '(frame)', what: `frame replaced by ${describe(v)}` });
      tree = v;
      continue;
    }
    const path = prng.pick(paths);
    const where = path.join('.');
    const parent = parentOf(tree, path);
    if (roll < 0.14 && isPlainObject(parent)) {
      delete parent[path[path.length - 1] as string];
      notes.push({ path: where, what: 'field removed' });
    } else if (roll < 0.24 && isPlainObject(parent)) {
      const key = prng.chance(0.6) ? prng.pick(HOSTILE_KEYS) : `extra${prng.int(0, 9)}`;
      const v = hostileValue(prng);
      const entries: Array<[unknown, unknown]> = [...Object.entries(parent), [key, v]];
      tree = setAt(tree, path.slice(0, -1), new Pairs(entries));
      notes.push({ path: path.slice(0, -1).join('.') || '(frame)', what: `extra field ${key} = ${describe(v)}` });
    } else if (roll < 0.3 && isPlainObject(parent)) {
      const key = path[path.length - 1] as string;
      const v = hostileValue(prng);
      const entries: Array<[unknown, unknown]> = Object.entries(parent);
      if (prng.chance(0.5)) entries.push([key, v]);
      else entries.unshift([key, v]);
      tree = setAt(tree, path.slice(0, -1), new Pairs(entries));
      notes.push({ path: where, what: `duplicate key ${key} = ${describe(v)}` });
    } else {
      const v = hostileValue(prng);
      tree = setAt(tree, path, v);
      notes.push({ path: where, what: describe(v) });
    }
  }
  return tree;
}

function randomBytes(prng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = prng.int(0, 255);
  return b;
}

/** One byte-level mutation of an encoded frame. */
export function mutateBytes(prng: Prng, frame: Uint8Array, notes: MutationNote[]): Uint8Array {
  const at = (): number => prng.int(0, Math.max(0, frame.length - 1));
  const pick = prng.int(0, 7);
  switch (pick) {
    case 0: {
      const cut = prng.int(0, Math.max(0, frame.length - 1));
      notes.push({ path: '(bytes)', what: `truncated to ${cut} of ${frame.length} bytes` });
      return frame.slice(0, cut);
    }
    case 1: {
      const b = frame.slice();
      const flips = prng.int(1, 8);
      for (let i = 0; i < flips && b.length > 0; i++) b[at()]! ^= 1 << prng.int(0, 7);
      notes.push({ path: '(bytes)', what: `${flips} bit flips` });
      return b;
    }
    case 2: {
      const i = at();
      const ins = randomBytes(prng, prng.int(1, 8));
      notes.push({ path: '(bytes)', what: `${ins.length} random bytes inserted at ${i}` });
      return concat(frame.subarray(0, i), ins, frame.subarray(i));
    }
    case 3: {
      const i = at();
      const n = prng.int(1, 8);
      notes.push({ path: '(bytes)', what: `${n} bytes deleted at ${i}` });
      return concat(frame.subarray(0, i), frame.subarray(i + n));
    }
    case 4: {
      const i = at();
      const j = Math.min(frame.length, i + prng.int(1, 64));
      notes.push({ path: '(bytes)', what: `bytes ${i}..${j} duplicated` });
      return concat(frame.subarray(0, j), frame.subarray(i, j), frame.subarray(j));
    }
    case 5: {
      const tail = prng.chance(0.5) ? randomBytes(prng, prng.int(1, 16)) : frame;
      notes.push({ path: '(bytes)', what: `${tail.length} trailing bytes` });
      return concat(frame, tail);
    }
    case 6: {
      const i = at();
      const claim = hugeLengthClaim(prng);
      notes.push({ path: '(bytes)', what: `${claim.label} spliced at ${i}` });
      return concat(frame.subarray(0, i), claim.bytes, frame.subarray(i + 1));
    }
    default: {
      const i = at();
      const b = frame.slice();
      b[i] = prng.pick([0xc1, 0xc0, 0xdb, 0xdd, 0xdf, 0xc6, 0xc9, 0xd4, 0xd9, 0x9f, 0x8f, 0xbf, 0xff, 0x00]);
      notes.push({ path: '(bytes)', what: `byte ${i} set to 0x${b[i]!.toString(16)}` });
      return b;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A frame to send: binary, or a text WebSocket frame. */
export interface Frame {
  data: Uint8Array | string;
  /** What was done to the valid frame it came from. */
  notes: MutationNote[];
}

/** A frame made from nothing: random bytes, empty, text, a bare hostile value. */
export function frameFromNothing(prng: Prng): Frame {
  const roll = prng.next();
  if (roll < 0.02) {
    // Over the client port's maxFrameBytes (1.1 MB): refused by the WebSocket layer before decoding.
    const n = prng.int(1_200_000, 2_000_000);
    return { data: new Uint8Array(n).fill(prng.int(0, 255)), notes: [{ path: '(bytes)', what: `oversized frame of ${n} bytes` }] };
  }
  if (roll < 0.45) {
    const n = prng.pick([1, 2, 5, 16, 64, 512, 4096]);
    return { data: randomBytes(prng, prng.int(1, n)), notes: [{ path: '(bytes)', what: 'random bytes' }] };
  }
  if (roll < 0.55) return { data: new Uint8Array(0), notes: [{ path: '(bytes)', what: 'empty frame' }] };
  if (roll < 0.7) {
    const text = prng.pick(['', '{"xid":1,"op":4,"path":"/"}', 'hello', '\u0000\uffff', 'x'.repeat(prng.int(1, 10_000))]);
    return { data: text, notes: [{ path: '(frame)', what: `text frame of ${text.length} chars` }] };
  }
  const notes: MutationNote[] = [];
  const v = prng.chance(0.4) ? codecErrorShape(prng) : hostileValue(prng);
  notes.push({ path: '(frame)', what: `bare value ${describe(v)}` });
  return { data: writeMsgpack(v), notes };
}

/**
 * A mutated frame from a valid value tree (built fresh by `valid`): value mutations, byte mutations or
 * both, some unmutated frames, and some frames from nothing. Without `damage`, only value mutations:
 * frames that usually leave the connection open.
 */
export function mutatedFrame(prng: Prng, valid: () => unknown, opts: { pValid?: number; damage?: boolean } = {}): Frame {
  const pValid = opts.pValid ?? 0.05;
  const damage = opts.damage ?? true;
  const roll = prng.next();
  if (roll < pValid) return { data: writeMsgpack(valid()), notes: [] };
  if (damage && roll < pValid + 0.07) return frameFromNothing(prng);
  const notes: MutationNote[] = [];
  const byteOnly = damage && roll > 0.85;
  const tree = byteOnly ? valid() : mutateValue(prng, valid(), notes);
  let bytes = writeMsgpack(tree);
  if (byteOnly || (damage && prng.chance(0.1))) bytes = mutateBytes(prng, bytes, notes);
  return { data: bytes, notes };
}
