// Znode data is bytes; strings are accepted for convenience and sent as UTF-8.

/** What the SDK accepts as znode data. */
export type Data = Uint8Array | string;

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Bytes are passed through without a copy. */
export function toBytes(data: Data | undefined): Uint8Array {
  if (data === undefined) return EMPTY;
  if (typeof data === 'string') return utf8.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError('data must be a Uint8Array or a string');
}
