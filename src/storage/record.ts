// Sealing and opening records: msgpack payload + CRC-32 over key and payload (layout.ts).
// Every read of a stored value goes through openRecord, so every checksum written is checked.
import { Packr } from 'msgpackr';
import { isWireData, txnFromWire, type MultiSubTxn, type Txn, type TxnBody, type WireTxn } from '../../protocol/index.js';
import { crc32, crc32Text } from './crc32.js';
import { CorruptStorageError } from './errors.js';
import { FORMAT_VERSION, type SnapshotMeta } from './layout.js';

// copyBuffers: decoded binaries must not alias the (large, store-owned) record buffer.
const PACKR_OPTIONS = { mapsAsObjects: true, int64AsType: 'number', moreTypes: false, bundleStrings: false, copyBuffers: true } as const;
const packr = new Packr({ ...PACKR_OPTIONS, useRecords: false });
/** For a reader that copies what it keeps (a snapshot node reviver): binaries come back as views, not copies. */
const viewingPackr = new Packr({ ...PACKR_OPTIONS, useRecords: false, copyBuffers: false });

/** How decoded binaries relate to the record's buffer: their own copies, or views into it. */
export type DecodedBinaries = 'copies' | 'views';

const CRC_BYTES = 4;

export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * An encoder for the values of one snapshot chunk, in order. Maps of the same keys after the first are
 * written as msgpackr records: the keys once, inline where first used, then only the values. The chunk
 * is a third smaller and decodes in under half the time, and any msgpackr unpacker reads it as one
 * array (decodePayload, and so also a server that wrote snapshots of plain maps).
 */
export function chunkValueEncoder(): (value: unknown) => Uint8Array {
  const sequential = new Packr({ ...PACKR_OPTIONS, sequential: true });
  return (value) => sequential.pack(value);
}

function keyCrc(key: string, payload: Uint8Array): number {
  return crc32(payload, crc32Text(key));
}

/** A sealed record and its checksum (snapshot metas need the chunk checksums). */
export interface Sealed {
  bytes: Uint8Array;
  crc: number;
}

/** Seals an already msgpack-encoded payload under `key`. */
export function sealPayload(key: string, payload: Uint8Array): Sealed {
  const crc = keyCrc(key, payload);
  const bytes = new Uint8Array(payload.length + CRC_BYTES);
  bytes.set(payload, 0);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(payload.length, crc, false);
  return { bytes, crc };
}

export function sealRecord(key: string, value: unknown): Sealed {
  return sealPayload(key, encodeValue(value));
}

export interface Opened {
  value: unknown;
  crc: number;
}

/** Verifies and decodes a record; CorruptStorageError names the key and the problem. */
export function openRecord(key: string, stored: Uint8Array, binaries: DecodedBinaries = 'copies'): Opened {
  if (stored.length < CRC_BYTES + 1) throw new CorruptStorageError(key, `record is ${stored.length} bytes, too short`);
  // A plain Uint8Array view: msgpackr then returns plain Uint8Array binaries, not Buffers.
  const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  const payload = bytes.subarray(0, bytes.length - CRC_BYTES);
  const expected = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(payload.length, false);
  const actual = keyCrc(key, payload);
  if (actual !== expected) throw new CorruptStorageError(key, `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`);
  return { value: decodePayload(key, payload, binaries), crc: actual };
}

/** Decodes a payload whose checksum was verified; CorruptStorageError if msgpack cannot. */
export function decodePayload(key: string, payload: Uint8Array, binaries: DecodedBinaries = 'copies'): unknown {
  try {
    return (binaries === 'views' ? viewingPackr : packr).unpack(payload);
  } catch (err) {
    throw new CorruptStorageError(key, `checksum matches but msgpack does not decode: ${String(err)}`);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Opens a log/<zxid> record and checks it is a txn carrying that zxid. */
export function openTxnRecord(key: string, expectedZxid: number, stored: Uint8Array): Txn {
  return asTxn(key, expectedZxid, openRecord(key, stored).value);
}

/** Checks that a decoded record is a txn carrying expectedZxid; nil data comes back as NULL_DATA. */
export function asTxn(key: string, expectedZxid: number, value: unknown): Txn {
  if (!isObject(value) || !isObject(value['body']) || typeof value['body']['type'] !== 'string') {
    throw new CorruptStorageError(key, 'record is not a txn');
  }
  for (const field of ['time', 'sessionId', 'xid'] as const) {
    if (typeof value[field] !== 'number') throw new CorruptStorageError(key, `txn field '${field}' is not a number`);
  }
  if (value['zxid'] !== expectedZxid) throw new CorruptStorageError(key, `txn zxid ${String(value['zxid'])} does not match its key`);
  const problem = txnBodyProblem(value['body']);
  if (problem !== undefined) throw new CorruptStorageError(key, problem);
  return txnFromWire(value as unknown as WireTxn);
}

const TXN_TYPES: ReadonlySet<unknown> = new Set<TxnBody['type']>(['create', 'delete', 'setData', 'setACL', 'check', 'multi', 'createSession', 'closeSession']);
const SUB_TXN_TYPES: ReadonlySet<unknown> = new Set<MultiSubTxn['type']>(['create', 'delete', 'setData', 'check']);

/** Where a txn holds data, it is binary or nil (null data). */
function dataProblem(body: Record<string, unknown>): string | undefined {
  const holdsData = body['type'] === 'create' || body['type'] === 'setData';
  return holdsData && !isWireData(body['data']) ? `txn ${String(body['type'])} data is not binary or nil` : undefined;
}

/** What txnFromWire relies on: a known type, and data where a type holds data (multi sub-txns included). */
function txnBodyProblem(body: Record<string, unknown>): string | undefined {
  if (!TXN_TYPES.has(body['type'])) return 'txn type is not a txn type';
  if (body['type'] !== 'multi') return dataProblem(body);
  const txns = body['txns'];
  if (!Array.isArray(txns)) return 'multi txn has no list of sub-txns';
  for (const sub of txns as unknown[]) {
    if (!isObject(sub) || !SUB_TXN_TYPES.has(sub['type'])) return 'multi sub-txn is not a sub-txn';
    const problem = dataProblem(sub);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function openNumberRecord(key: string, stored: Uint8Array): number {
  const { value } = openRecord(key, stored);
  if (!isCount(value)) throw new CorruptStorageError(key, `expected a non-negative integer, found ${JSON.stringify(value)}`);
  return value;
}

export function openSnapshotMeta(key: string, expectedZxid: number, stored: Uint8Array): SnapshotMeta {
  return asSnapshotMeta(key, expectedZxid, openRecord(key, stored).value);
}

/** Checks that a decoded record is a SnapshotMeta for expectedZxid. */
export function asSnapshotMeta(key: string, expectedZxid: number, value: unknown): SnapshotMeta {
  if (!isObject(value)) throw new CorruptStorageError(key, 'snapshot meta is not a map');
  const fields = ['zxid', 'chunks', 'nodeCount', 'sessionCount', 'crcOfChunkCrcs', 'sessionsCrc'] as const;
  for (const f of fields) if (!isCount(value[f])) throw new CorruptStorageError(key, `snapshot meta field '${f}' is missing or invalid`);
  if (value['zxid'] !== expectedZxid) throw new CorruptStorageError(key, `snapshot meta zxid ${String(value['zxid'])} does not match its key`);
  return value as unknown as SnapshotMeta;
}

export function formatRecord(key: string): Sealed {
  return sealRecord(key, FORMAT_VERSION);
}
