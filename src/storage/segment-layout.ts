// Canopy segment storage layout, format 1 (txnLogEngine=segments). One flat directory of files, or two:
//
//   meta                 frame(0, SegmentMeta)            replaced atomically: meta.tmp, fsync, rename, fsync dir
//   log.<zxid>           frame(zxid, Txn) ...              a segment: txns in ascending zxid order, the first one <zxid>
//   snap.<zxid>          frame(0, header) frame(1, chunk) ... frame(n, trailer)    a complete snapshot
//   logmeta              frame(0, LogDirMeta)              only in a separate log directory (below)
//   <name>.tmp           a file being written: deleted on open (an install in progress keeps its snapshot, below)
//
// <zxid> is 16 lowercase hex digits, so names sort in zxid order.
//
// Two directories (ZooKeeper's dataLogDir, to put the log on its own device): the store directory (the
// server's <dataDir>/txnlog) holds meta and the snapshots; the log directory (<dataLogDir>/txnlog) holds the
// segments and logmeta, and nothing else. logmeta = { format, engine, salt } names the store the segments
// belong to (meta's salt), and meta.logDir records where the log was when the store was last opened.
// Opening checks that the two agree, so a store never silently starts from an empty log:
// - meta without logDir, opened with a log directory: refused (it was written without one; its log is beside meta);
// - meta with logDir, opened without one: refused, naming meta.logDir;
// - a log directory without logmeta, or with another store's salt: refused (the wrong dataLogDir); a log
//   directory that moved but holds this store's logmeta is taken, and meta.logDir updated;
// - a log directory in single-directory mode (a logmeta beside meta), or log segments beside meta in
//   two-directory mode: refused.
// A new store writes logmeta (synced, directory synced) before meta: a crash between leaves a logmeta with no
// segments and no meta, which the next open replaces. Every rule below holds across the two directories: each
// directory is fsynced where names are created or removed in it, and an operation that spans both (a purge:
// meta first, then segments; an install: the snapshot and meta first, then segments unlinked and both
// directories synced before installingZxid is cleared) is ordered so that a crash between leaves what it
// would in one directory.
//
// frame(tag, v) = length u32 BE ++ crc u32 BE ++ tag u64 BE ++ payload, where payload = msgpack(v) (as
// record.ts encodes it: null znode data is nil, as layout.ts says), length = payload bytes (1 .. FRAME_PAYLOAD_BYTES_MAX) and crc = CRC-32 of
// tag ++ payload, continued from the store's salt (a random u32 in meta; 0 for the meta file itself). A
// log frame's tag is its txn's zxid (checked against the txn inside), so a record copied to another place
// does not verify; a snapshot frame's tag is its position in the file. The salt keeps frames that come
// from elsewhere (another store, or bytes a client chose as znode data) from ever verifying here.
//
// A snapshot file: header { format, zxid }, the nodes in chunks (msgpack arrays, <= 1000 nodes or ~4 MiB
// each), the sessions in chunks, and a trailer SnapshotMeta { zxid, chunks (node chunks), nodeCount,
// sessionCount, crcOfChunkCrcs (of the node chunk frames' crcs), sessionsCrc (of the session chunk
// frames' crcs) }, with crcOfCrcs as in layout.ts. It is written as snap.<zxid>.tmp in chunks, fsynced,
// renamed, and the directory fsynced: a snap.<zxid> file is complete unless the disk damaged it, which
// its checksums catch.
//
// The log: one group-committed batch is one write (pwritev) of all its frames to the last segment, which
// is open O_DSYNC: the write is durable when it returns, one syscall where write + fdatasync are two. The
// last segment is extended with zeros (sparse, up to 16 MiB at a time, never past segmentBytesMax) ahead of
// its appends, so a synced write does not change the file's length; closing a segment cuts the zeros off,
// and a crash may leave them: a record header of zeros with nothing but zeros after it ends the records of
// any segment. A batch starts a new segment (named by its first zxid; the directory is fsynced) when the
// last one holds segmentBytesMax or more. Recovery reads every segment: a frame that fails at the very
// end of the last segment (cut short, or a bad checksum with nothing but zeros after it) is a torn write
// and is cut off with a warning, unless a frame that verifies follows it (then its length field is what
// was damaged); any other failure is CorruptStorageError naming the file and offset. truncateAfter
// unlinks later segments newest first, fsyncs the directory, then cuts the segment holding the
// truncation point and fdatasyncs it, so a crash part-way always leaves a prefix of the log that holds
// every txn at or below the truncation point.
//
// SegmentMeta = { format, engine: 'segments', purgedThroughZxid, salt, acceptedEpoch?, currentEpoch?,
// installingZxid?, logDir? }. Retention is as in retention.ts (the newest snapRetainCount snapshots, the log
// after the oldest of them): purgedThroughZxid is made durable before the segments wholly at or below it are
// unlinked; the last segment is never unlinked by a purge. installSnapshot (ZAB SNAP) writes snap.<zxid>.tmp
// completely, then commits by writing meta with installingZxid = purgedThroughZxid = zxid; from then on the
// old log is dead: the install finishes (rename the snapshot, unlink every segment and other snapshot, fsync
// the directories, clear installingZxid) now, or on the next open after a crash.
import { parseZxidHex, zxidHex } from './layout.js';

export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_ENGINE = 'segments';

export const META_NAME = 'meta';
/** In a separate log directory: which store its segments belong to. */
export const LOG_META_NAME = 'logmeta';
const SEGMENT_PREFIX = 'log.';
const SNAPSHOT_PREFIX = 'snap.';
const TEMP_SUFFIX = '.tmp';

/** Bytes of a frame's header: length, crc, tag. */
export const FRAME_HEADER_BYTES = 16;
/**
 * The largest payload a frame may carry. A txn is bounded by the largest request frame (maxFrameBytes, at most
 * 512 MiB), a snapshot chunk by ~4 MiB plus one node; a length field above this is corruption, never an allocation.
 */
export const FRAME_PAYLOAD_BYTES_MAX = 1024 * 1024 * 1024;
/** The meta file is a few numbers. */
export const META_PAYLOAD_BYTES_MAX = 64 * 1024;
/** Bytes read from a file at a time while scanning it. */
export const READ_BLOCK_BYTES = 1024 * 1024;
/** A new segment starts once the last one holds this many bytes. */
export const DEFAULT_SEGMENT_BYTES_MAX = 64 * 1024 * 1024;
/** Snapshot frames gathered into one write while writing a snapshot. */
export const SNAPSHOT_WRITE_BYTES = 1024 * 1024;

export type FileKind =
  | { kind: 'meta' }
  | { kind: 'logMeta' }
  | { kind: 'segment'; zxid: number }
  | { kind: 'snapshot'; zxid: number }
  | { kind: 'temp'; of: string };

export function segmentName(firstZxid: number): string {
  return SEGMENT_PREFIX + zxidHex(firstZxid);
}

export function snapshotName(zxid: number): string {
  return SNAPSHOT_PREFIX + zxidHex(zxid);
}

export function tempName(name: string): string {
  return name + TEMP_SUFFIX;
}

/** What a file in the directory is, or undefined for a name this format never writes. */
export function parseFileName(name: string): FileKind | undefined {
  if (name === META_NAME) return { kind: 'meta' };
  if (name === LOG_META_NAME) return { kind: 'logMeta' };
  if (name.endsWith(TEMP_SUFFIX)) {
    const of = name.slice(0, -TEMP_SUFFIX.length);
    const inner = parseFileName(of);
    return inner !== undefined && inner.kind !== 'temp' ? { kind: 'temp', of } : undefined;
  }
  for (const [prefix, kind] of [[SEGMENT_PREFIX, 'segment'], [SNAPSHOT_PREFIX, 'snapshot']] as const) {
    if (!name.startsWith(prefix)) continue;
    const zxid = parseZxidHex(name.slice(prefix.length));
    return zxid === undefined ? undefined : { kind, zxid };
  }
  return undefined;
}
