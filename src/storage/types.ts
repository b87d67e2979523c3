// The storage contract the server's ZAB driver programs against: it persists what the peer's persist
// actions ask for (txns, truncations, installed snapshots, epochs) and the server's own snapshots. Two
// engines share every rule below because both build on TxnStoreCore: KvTxnStore (LevelStorage on
// classic-level, MemoryStorage its in-memory twin) and SegmentStorage (segment files, on real files or
// on an in-memory disk that can crash).
import type { Txn } from '../../protocol/index.js';
import type { RetentionPolicy } from './retention.js';

/**
 * What storage needs of a snapshot: its zxid and two lists, the tree's nodes (written in chunks) and the
 * sessions. Their elements are opaque to storage: any values msgpack can encode (plain objects, arrays,
 * numbers, strings, Uint8Array). The arrays and the values in them must not change until the write
 * resolves: it is spread over many event-loop turns.
 */
export interface SnapshotInput {
  zxid: number;
  nodes: readonly unknown[];
  sessions: readonly unknown[];
}

/**
 * A snapshot as recovery reads it back: the zxid and the two lists of S, nothing else of S. Elements come
 * back as msgpack decodes what was written (maps as plain objects), checksums verified.
 */
export interface StoredSnapshot<S extends SnapshotInput = SnapshotInput> {
  zxid: number;
  nodes: Array<S['nodes'][number]>;
  sessions: Array<S['sessions'][number]>;
}

/** S is the snapshot type the store writes (the tree's TreeSnapshot in the server). */
export interface RecoveredState<S extends SnapshotInput = SnapshotInput> {
  /** The newest snapshot that verified, or undefined when the state starts empty. */
  snapshot: StoredSnapshot<S> | undefined;
  /** Every logged txn with zxid > snapshot zxid (or all of them without a snapshot), ascending. */
  txns: Txn[];
  /** The zxid of the last txn, or of the snapshot when no txn follows it; 0 when empty. */
  lastZxid: number;
}

export type MetaKey = 'acceptedEpoch' | 'currentEpoch';

/** A durable txn log with snapshots of type S (the tree's TreeSnapshot in the server). */
export interface TxnStore<S extends SnapshotInput = SnapshotInput> {
  /** Resolves once the txn is durable. Txns must be appended in increasing zxid order (asserted). Group-committed. */
  append(txn: Txn): Promise<void>;
  /** Appends txns (increasing zxids) as one write: all of them or, on failure, none. Resolves once durable. */
  appendBatch(txns: readonly Txn[]): Promise<void>;
  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void>;
  /** Call once after opening, before appending: loads the snapshot and the log after it. */
  recover(): Promise<RecoveredState<S>>;
  /**
   * Writes a snapshot without blocking the event loop for more than a few ms at a time, makes it the
   * latest (its meta record is written last, synced), then purges as StorageOptions.retention says
   * (retention.ts): it keeps this snapshot and the snapRetainCount - 1 newest before it, and the log
   * after the oldest kept one, so that recovery can fall back on it if newer snapshots go bad.
   * A zxid equal to the latest snapshot's is a no-op; a lower one is a StorageStateError.
   */
  writeSnapshot(snap: S): Promise<void>;
  /**
   * ZAB SNAP: replaces the whole state with a snapshot from the leader, at any zxid. Afterwards the
   * store holds only this snapshot and an empty log. Do not append until it resolves.
   */
  installSnapshot(snap: S): Promise<void>;
  /**
   * Drops every logged txn with zxid > zxid (ZAB TRUNC), durably once it resolves. Below the latest snapshot:
   * StorageStateError. A crash before it resolves may leave the log cut anywhere above zxid: always a
   * prefix of the log, never one with a gap.
   */
  truncateAfter(zxid: number): Promise<void>;
  getMeta(key: MetaKey): Promise<number | undefined>;
  /** Synced, and ordered with appends: it is durable after every txn appended before the call. */
  setMeta(key: MetaKey, value: number): Promise<void>;
  /** Flushes what was appended, then releases the store. */
  close(): Promise<void>;
}

export interface StorageLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
}

/** Counters for tests and metrics. */
export interface StorageStats {
  /** Synced batches written by group commit (txns, truncations and epoch updates). */
  syncedBatches: number;
  /** Writes (an appended txn, a setMeta, a truncateAfter) that those batches carried. */
  syncedWrites: number;
  /** The most writes one synced batch carried. */
  largestBatchWrites: number;
  snapshotsWritten: number;
  /** Highest zxid known durable in the log (0 if none since open). */
  durableZxid: number;
}

/** Turns a snapshot node as decoded into the form the caller keeps (see StorageOptions.reviveSnapshotNode). */
export type SnapshotNodeReviver = (node: unknown) => unknown;

export interface StorageOptions {
  logger?: StorageLogger;
  /**
   * Applied to every snapshot node as its chunk is read back, after its checksum verified: recovery then
   * holds the nodes in the caller's own (smaller) form, never the whole decoded snapshot at once. The
   * nodes recover() returns are what it made of them. Its byte strings may be views into the chunk's
   * buffer (no copy per node): what the reviver keeps of them must be copies.
   */
  reviveSnapshotNode?: SnapshotNodeReviver;
  /** Most writes one synced batch carries. */
  batchWritesMax?: number;
  /** Most bytes one synced batch carries (a single write larger than this still goes alone). */
  batchBytesMax?: number;
  /** Most writes waiting for disk before append/setMeta reject with StorageOverloadError. */
  pendingWritesMax?: number;
  /** How many snapshots are kept and how often old ones and the log before them are purged (default: 2, at every snapshot). */
  retention?: Partial<RetentionPolicy>;
  /** The clock purgeIntervalMs is measured on (default Date.now). */
  nowMs?: () => number;
  /** Told of every synced batch write: how long it took to be durable, and how many writes it carried (metrics). */
  onSyncedBatch?: (durationMs: number, writes: number) => void;
}
