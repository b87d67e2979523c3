// Null znode data. ZooKeeper keeps a znode's data null when a create or setData (also inside a multi) gave
// a null buffer (jute length -1): getData then answers a null buffer and Stat.dataLength is 0. Canopy keeps
// data typed Uint8Array everywhere and lets one frozen empty instance, NULL_DATA, mean null: code that only
// reads bytes sees an empty array, and whatever must keep the difference (the tree, txns, snapshots, the
// jute encoder) asks isNullData(). Anything that copies data (new Uint8Array(x), slice, Buffer.from) loses
// the identity, so the data path passes the instance on and never copies it.
//
// msgpack has no sentinel: where data may be null (txn records, proposals, DIFFs, snapshot nodes, forwarded
// writes, a client's data field) the encoded value is nil, and decoding turns nil back into NULL_DATA. No
// other field accepts nil.

/** Null data: an empty array that means "no data at all", told apart by identity alone. */
export const NULL_DATA: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;

/** Whether data is null (NULL_DATA itself), not merely empty. */
export function isNullData(data: Uint8Array): boolean {
  return data === NULL_DATA;
}

/** Data as msgpack carries it where it may be null: nil for null. */
export type WireData = Uint8Array | null;

export function dataToWire(data: Uint8Array): WireData {
  return isNullData(data) ? null : data;
}

export function dataFromWire(data: WireData): Uint8Array {
  return data === null ? NULL_DATA : data;
}

/** Whether a decoded value may stand where data goes: binary, or nil for null data. */
export function isWireData(v: unknown): v is WireData {
  return v === null || v instanceof Uint8Array;
}
