// Hostile values to put where a frame expects something else: wrong types, objects that break
// String()/`+`/property lookups, special numbers, huge strings and arrays, deep nesting, headers claiming
// huge lengths and the msgpack extension types msgpackr decodes by default (cycles, Sets, RegExps, Errors,
// BigInts, Dates, typed arrays, records). Deep and broken values are raw bytes (Raw): building them as JS
// values would overflow the fuzzer's own stack when encoding.
import type { Prng } from '../sim/prng.js';
import { Float32, Pairs, Raw, lengthHeader } from './msgpack-writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** The value the server's codec returns for a frame it could not read: a frame shaped like it must not be mistaken for it. */
export function codecErrorShape(prng: Prng): unknown {
  return prng.pick<() => unknown>([
    () => ({ ok: false, fatal: true, message: [1] }),
    () => ({ ok: false, fatal: false, xid: 'x', err: 12345 }),
    () => ({ ok: false, fatal: true, message: new Pairs([['toString', 1]]) }),
    () => ({ ok: false, fatal: false, xid: 1, op: 4, err: -8, message: 'x' }),
    () => ({ ok: false, fatal: false, xid: 2 ** 40, err: null }),
    () => ({ ok: false }),
    () => ({ ok: true, value: { xid: 1, op: 4, path: '/' } }),
    () => ({ ok: false, fatal: true, message: 'x'.repeat(prng.int(100, 5000)) }),
  ])();
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', 'then', 'length', 'byteLength', 'ok', 'fatal'];

/** Maps whose keys shadow Object.prototype or trip naive code. */
export function hostileObject(prng: Prng): unknown {
  return prng.pick<() => unknown>([
    () => new Pairs([['toString', 1]]),
    () => new Pairs([['valueOf', {}]]),
    () => new Pairs([['toString', 1], ['valueOf', 1]]),
    () => new Pairs([['__proto__', { polluted: 1, toString: 1 }]]),
    () => new Pairs([['constructor', { prototype: { polluted: 1 } }]]),
    () => new Pairs([['prototype', 1]]),
    () => new Pairs([['hasOwnProperty', 1]]),
    () => new Pairs([['length', 2 ** 32], ['0', 'a']]),
    () => new Pairs([[prng.pick(HOSTILE_KEYS), hostileScalar(prng)], [prng.pick(HOSTILE_KEYS), hostileScalar(prng)]]),
    () => new Pairs([[1, 'int key'], [null, 'nil key'], [new Uint8Array([1]), 'bin key']]),
    () => new Pairs([[[1, 2], 'array key']]),
    () => new Pairs([[{ a: 1 }, 'map key']]),
    () => new Pairs([['a', 1], ['a', 'dup']]),
  ])();
}

/** Scalars of every type, and special numbers. */
export function hostileScalar(prng: Prng): unknown {
  return prng.pick<unknown>([
    '', 'x', '/', '/fuzz/a', '\u0000', '\ud800', '/a/\uffff', '%s%s%n', '${x}', 'null', '-1', '1e400',
    0, 1, -1, -2, -8, -11, 105, 2 ** 21 - 1, 2 ** 21, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 40, 2 ** 52 + 1,
    2 ** 53, -(2 ** 53), 2 ** 53 + 2, 2 ** 63, 2n ** 64n - 1n, -(2n ** 63n), -1e300, 1e300, Number.MAX_VALUE, Number.MIN_VALUE,
    NaN, Infinity, -Infinity, -0, 0.5, 1.5, -1.5, 1e-7, new Float32(NaN), new Float32(1.5), new Float32(-0),
    true, false, null, new Uint8Array(0), new Uint8Array([0xff]), [], {},
  ]);
}

/** msgpack extension values msgpackr decodes without being asked to, and unknown ones. */
export function extensionValue(prng: Prng): Raw {
  const e = (label: string, bytes: string): Raw => new Raw(hex(bytes), label);
  return prng.pick<() => Raw>([
    () => e('ext0 undefined', 'd4 00 00'),
    () => e('unknown fixext1 type 1', 'd4 01 00'),
    () => e('unknown ext8 type 0x7f', 'c7 03 7f 01 02 03'),
    () => e('negative ext type -2', 'd4 fe 00'),
    () => e('timestamp ext -1', 'd6 ff 00 00 00 01'),
    () => e('timestamp ext -1 bad length', 'c7 05 ff 00 00 00 00 01'),
    () => e('date 12 bytes', 'c7 0c ff 00 00 00 00 80 00 00 00 00 00 00 01'),
    () => e('bigint ext 0x42', 'c7 09 42 7f ff ff ff ff ff ff ff ff'),
    () => new Raw(cat(hex('c8 10 00 42'), new Uint8Array(4096).fill(0x7f)), 'bigint ext 0x42 of 4096 bytes'),
    () => e('error ext 0x65', 'd4 65 00 93 a9 54797065 4572726f72 a1 78 c0'),
    () => e('error ext 0x65 hostile name', 'd4 65 00 93 81 a8 746f537472696e67 01 01 01'),
    () => e('regexp ext 0x78', 'd4 78 00 92 a6 28612b292b24 a1 67'),
    () => e('regexp ext 0x78 invalid', 'd4 78 00 92 a1 28 a0'),
    () => e('set ext 0x73', 'd4 73 00 93 01 02 01'),
    () => e('set ext 0x73 of non-array', 'd4 73 00 81 a1 61 01'),
    () => e('typed array ext Float64', 'c7 09 74 08 00 00 00 00 00 00 f0 3f'),
    () => e('typed array ext misaligned', 'c7 04 74 08 00 00 00'),
    () => e('typed array ext ArrayBuffer', 'c7 03 74 10 01 02'),
    () => e('typed array ext unknown code', 'c7 02 74 7f 00'),
    () => e('structured-clone cycle 0x69/0x70', 'd6 69 00 00 00 01 81 a1 61 d6 70 00 00 00 01'),
    () => e('array cycle 0x69/0x70', 'd6 69 00 00 00 02 92 01 d6 70 00 00 00 02'),
    () => e('dangling pointer 0x70', 'd6 70 00 00 00 09'),
    () => e('record definition 0x72', 'd4 72 40 92 a1 61 a1 62 01 02'),
    () => e('record with __proto__ key', 'd4 72 41 91 a9 5f5f70726f746f5f5f 81 a1 78 01'),
    () => e('record reference without definition', '40'),
    () => e('bundled strings 0x62 lying size', 'd6 62 7f ff ff ff a1 61'),
    () => e('never-used byte 0xc1', 'c1'),
  ])();
}

/** Deeply nested arrays or maps, written directly as bytes. */
export function deepNesting(prng: Prng, minDepth = 10_000, maxDepth = 100_000): Raw {
  const depth = size(prng, minDepth, maxDepth);
  const kind = prng.pick(['array', 'map', 'mixed', 'unterminated']);
  if (kind === 'array' || kind === 'unterminated') {
    const b = new Uint8Array(kind === 'array' ? depth + 1 : depth).fill(0x91);
    if (kind === 'array') b[depth] = 0xc0;
    return new Raw(b, `${kind} nesting ${depth} deep`);
  }
  const unit = kind === 'map' ? hex('81 a1 61') : hex('91 81 a1 61');
  const b = new Uint8Array(unit.length * depth + 1);
  for (let i = 0; i < depth; i++) b.set(unit, i * unit.length);
  b[b.length - 1] = 0xc0;
  return new Raw(b, `${kind} nesting ${depth} deep`);
}

/** A str/bin/array/map header claiming a huge length, with only a few bytes behind it. */
export function hugeLengthClaim(prng: Prng): Raw {
  const kind = prng.pick(['str', 'bin', 'array', 'map'] as const);
  // Round numbers at the top of each header's range, and anything in between (log-uniform): a decoder
  // that trusts the count and allocates or loops for it before finding the bytes missing is slow in
  // some window of lengths, not only at the top.
  const length = prng.chance(0.8) ? prng.pick([0x7fffffff, 0xffffffff, 0x10000000, 0xffff]) : size(prng, 0x100, 0xffffffff);
  return new Raw(cat(lengthHeader(kind, length), hex('a1 61 01 02 03')), `${kind} claiming ${length} with 5 bytes behind`);
}

/** Log-uniform in [lo, hi]: mostly tens of KB, now and then the maximum. */
function size(prng: Prng, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + prng.next() * (Math.log(hi) - Math.log(lo))));
}

/** Big but well-formed values: strings up to ~1 MB, arrays up to 100k elements, big maps and binaries. */
export function hugeValue(prng: Prng): unknown {
  return prng.pick<() => unknown>([
    () => 'x'.repeat(size(prng, 5_000, 1_000_000)),
    () => '/fuzz/' + 'a'.repeat(size(prng, 4_000, 200_000)),
    () => Array.from({ length: size(prng, 1_001, 100_000) }, (_, i) => `/fuzz/${i}`),
    () => new Array(size(prng, 1_001, 100_000)).fill(0),
    () => new Uint8Array(size(prng, 4_097, 1_100_000)),
    () => new Pairs(Array.from({ length: size(prng, 1_000, 20_000) }, (_, i) => [`k${i}`, i] as const)),
  ])();
}

/** Any hostile value, weighted toward the cheap ones. */
export function hostileValue(prng: Prng): unknown {
  const roll = prng.next();
  if (roll < 0.42) return hostileScalar(prng);
  if (roll < 0.64) return hostileObject(prng);
  if (roll < 0.78) return extensionValue(prng);
  if (roll < 0.86) return hugeLengthClaim(prng);
  if (roll < 0.92) return prng.pick<unknown>([[hostileScalar(prng)], [[[]]], { a: hostileScalar(prng) }, [{ op: hostileObject(prng) }]]);
  if (roll < 0.97) return codecErrorShape(prng);
  if (roll < 0.985) return hugeValue(prng);
  return deepNesting(prng, prng.chance(0.5) ? 100 : 10_000, prng.chance(0.5) ? 10_000 : 100_000);
}

export { HOSTILE_KEYS };
