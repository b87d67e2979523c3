// Canopy storage layout, format 1.
//
// One key-value store (LevelDB via classic-level, or the in-memory twin). Keys are UTF-8 strings that
// sort bytewise; every zxid in a key is 16 lowercase hex digits, zero-padded, so key order is zxid order.
//
//   meta/format                      → record(1)                 format version; written on first open
//   meta/acceptedEpoch               → record(number)            ZAB: epoch this peer accepted (NEWEPOCH)
//   meta/currentEpoch                → record(number)            ZAB: epoch this peer acknowledged (NEWLEADER)
//   meta/purgedThroughZxid           → record(number)            every log record with zxid <= this was deleted
//   log/<zxid>                       → record(Txn)               the txn log, one record per txn
//   snap/<zxid>/chunk/<n>            → record([node, ...])       n = 8 hex digits from 0; <= 1000 nodes or ~4 MiB each
//   snap/<zxid>/sessions             → record([session, ...])
//   snap/<zxid>/meta                 → record(SnapshotMeta)      written LAST, in its own synced batch
//
// record(v) = msgpack(v) ++ crc32(utf8(key) ++ msgpack(v)) as 4 bytes big-endian. The key is inside the
// checksum so a record that ends up under another key does not verify. msgpack uses plain maps (no
// records extension); integers up to 2^53 decode as numbers; binary decodes as Uint8Array. A znode's data
// (a create's or setData's, in a multi too, and a snapshot node's) is nil for null data (protocol/null-data.ts),
// binary otherwise; nil goes nowhere else. Stores written before null data existed hold no nil and read the
// same, so the format stays 1 (a server older than null data cannot read a store that holds some).
//
// SnapshotMeta = { zxid, chunks, nodeCount, sessionCount, crcOfChunkCrcs, sessionsCrc } where
// crcOfChunkCrcs = crc32 of the chunk records' crcs (4 bytes big-endian each, in chunk order) and
// sessionsCrc = the sessions record's crc. A snapshot without a verifying meta is incomplete: recovery
// ignores it and the next snapshot deletes it.
//
// Retention (retention.ts): after writing a snapshot the store keeps the newest snapRetainCount complete
// snapshots (2 by default: it and the previous one) and the log after the oldest of them (recovery falls
// back on those if the newest snapshot fails verification); older snapshots, incomplete ones and older log
// records are deleted, at every snapshot or, with purgeIntervalMs, at most once per interval. installSnapshot (ZAB SNAP) keeps
// only the installed snapshot and an empty log, with meta/purgedThroughZxid = its zxid.
//
// Durability: txns, epochs, truncations and snapshot metas go in synced batches; snapshot chunks,
// deletions of old snapshots and of purged log records are unsynced. The meta's checksums catch a
// chunk that did not survive a crash; meta/purgedThroughZxid is synced before any log record is
// purged, so recovery knows when the log no longer reaches back to a snapshot.

export const FORMAT_VERSION = 1;

/** Nodes per snapshot chunk: small enough that encoding one chunk takes a few ms. */
export const SNAPSHOT_CHUNK_NODES_MAX = 1000;
/** Bytes per snapshot chunk, so large znodes do not make one chunk (and one event-loop turn) huge. */
export const SNAPSHOT_CHUNK_BYTES_MAX = 4 * 1024 * 1024;
/** Entries read from the store per page while scanning. */
export const SCAN_PAGE_ENTRIES = 1000;
/** Keys deleted per unsynced batch while purging. */
export const PURGE_BATCH_KEYS = 2000;

/** Defaults for group commit (StorageOptions overrides them). */
export const DEFAULT_BATCH_WRITES_MAX = 10_000;
export const DEFAULT_BATCH_BYTES_MAX = 64 * 1024 * 1024;
export const DEFAULT_PENDING_WRITES_MAX = 200_000;

const ZXID_HEX_DIGITS = 16;
const CHUNK_HEX_DIGITS = 8;

export const LOG_PREFIX = 'log/';
export const SNAP_PREFIX = 'snap/';
/** '0' is the character after '/', so [prefix, prefixEnd) covers exactly the keys under a prefix. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export const META_FORMAT_KEY = 'meta/format';
export const META_PURGED_THROUGH_KEY = 'meta/purgedThroughZxid';
export function metaKey(name: 'acceptedEpoch' | 'currentEpoch'): string {
  return `meta/${name}`;
}

export function assertZxid(zxid: number, what = 'zxid'): void {
  if (!Number.isSafeInteger(zxid) || zxid < 0) throw new RangeError(`${what} must be a safe non-negative integer, got ${zxid}`);
}

export function zxidHex(zxid: number): string {
  assertZxid(zxid);
  return zxid.toString(16).padStart(ZXID_HEX_DIGITS, '0');
}

/** Parses 16 lowercase hex digits back to a zxid, or undefined if `hex` is not one. */
export function parseZxidHex(hex: string): number | undefined {
  if (hex.length !== ZXID_HEX_DIGITS || !/^[0-9a-f]+$/.test(hex)) return undefined;
  const zxid = parseInt(hex, 16);
  return Number.isSafeInteger(zxid) ? zxid : undefined;
}

export function logKey(zxid: number): string {
  return LOG_PREFIX + zxidHex(zxid);
}

export function zxidOfLogKey(key: string): number | undefined {
  return key.startsWith(LOG_PREFIX) ? parseZxidHex(key.slice(LOG_PREFIX.length)) : undefined;
}

export function snapPrefix(zxid: number): string {
  return `${SNAP_PREFIX}${zxidHex(zxid)}/`;
}
export function snapChunkPrefix(zxid: number): string {
  return `${snapPrefix(zxid)}chunk/`;
}
export function snapChunkKey(zxid: number, index: number): string {
  return snapChunkPrefix(zxid) + index.toString(16).padStart(CHUNK_HEX_DIGITS, '0');
}
export function snapSessionsKey(zxid: number): string {
  return `${snapPrefix(zxid)}sessions`;
}
export function snapMetaKey(zxid: number): string {
  return `${snapPrefix(zxid)}meta`;
}

/** The zxid of any key under snap/, or undefined if the key is not shaped like one. */
export function zxidOfSnapKey(key: string): number | undefined {
  if (!key.startsWith(SNAP_PREFIX)) return undefined;
  const rest = key.slice(SNAP_PREFIX.length);
  if (rest.charAt(ZXID_HEX_DIGITS) !== '/') return undefined;
  return parseZxidHex(rest.slice(0, ZXID_HEX_DIGITS));
}

/** The chunk index in a snap/<zxid>/chunk/<n> key, or undefined. */
export function chunkIndexOfKey(key: string): number | undefined {
  const at = key.lastIndexOf('/');
  const hex = key.slice(at + 1);
  if (hex.length !== CHUNK_HEX_DIGITS || !/^[0-9a-f]+$/.test(hex)) return undefined;
  return parseInt(hex, 16);
}

export interface SnapshotMeta {
  zxid: number;
  chunks: number;
  nodeCount: number;
  sessionCount: number;
  crcOfChunkCrcs: number;
  sessionsCrc: number;
}
