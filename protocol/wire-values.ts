// How code reads a value that came off the wire: only plain maps count as maps, only own properties count
// as fields, and keys that name or reach a prototype are hostile. One owner for these rules, used by the
// client codec, the peer handshake, the ZAB message validator and the forwarding checks.

/** Keys that name or reach a prototype (msgpackr renames a wire '__proto__' to '__proto_'). */
export const HOSTILE_KEYS: readonly string[] = ['__proto__', '__proto_', 'constructor', 'prototype'];

export type WireMap = Readonly<Record<string, unknown>>;

/** A plain map as a decoder builds it: not an array, binary, Date, Set, Error or other object type. */
export function isPlainMap(v: unknown): v is WireMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain map with no hostile key of its own. */
export function isSafeMap(v: unknown): v is WireMap {
  return isPlainMap(v) && !HOSTILE_KEYS.some((k) => Object.hasOwn(v, k));
}

/** An own property only: a missing key must never find something on Object.prototype. */
export function ownField(o: WireMap, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
