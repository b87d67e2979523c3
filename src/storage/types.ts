// The storage contract the server (and ZAB, later) programs against. Two implementations:
// LevelStorage (classic-level on disk) and MemoryStorage (the in-memory twin for unit tests and
// the simulator); both share every rule below because both run the same KvTxnStore logic.
import type { Txn } from '../../protocol/index.js';

/**
 * A snapshot to write. The tree's nodes and the sessions are opaque to storage: any values msgpack
 * can encode (plain objects, arrays, numbers, strings, Uint8Array). Maps come back as plain objects.
 * The arrays and the values in them must not change until writeSnapshot resolves: the write is
 * spread over many event-loop turns.
 */
export interface SnapshotInput {
  zxid: number;
  nodes: readonly unknown[];
  sessions: readonly unknown[];
}

export interface StoredSnapshot {
  zxid: number;
  nodes: unknown[];
  sessions: unknown[];
}

export interface RecoveredState {
  /** The newest snapshot that verified, or undefined when the state starts empty. */
  snapshot: StoredSnapshot | undefined;
  /** Every logged txn with zxid > snapshot zxid (or all of them without a snapshot), ascending. */
  txns: Txn[];
  /** The zxid of the last txn, or of the snapshot when no txn follows it; 0 when empty. */
  lastZxid: number;
}

export type MetaKey = 'acceptedEpoch' | 'currentEpoch';

export interface TxnStore {
  /** Resolves once the txn is durable. Txns must be appended in increasing zxid order (asserted). Group-committed. */
  append(txn: Txn): Promise<void>;
  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void>;
  /** Call once after opening, before appending: loads the snapshot and the log after it. */
  recover(): Promise<RecoveredState>;
  /**
   * Writes a snapshot without blocking the event loop for more than a few ms at a time, makes it the
   * latest (its meta record is written last, synced), then deletes every snapshot except this one and
   * the previous one, and log records with zxid <= the previous snapshot's zxid: the log since the
   * previous snapshot stays for followers' DIFF and for falling back if the new snapshot goes bad.
   * A zxid equal to the latest snapshot's is a no-op; a lower one is a StorageStateError.
   */
  writeSnapshot(snap: SnapshotInput): Promise<void>;
  /**
   * ZAB SNAP: replaces the whole state with a snapshot from the leader, at any zxid. Afterwards the
   * store holds only this snapshot and an empty log. Do not append until it resolves.
   */
  installSnapshot(snap: SnapshotInput): Promise<void>;
  /** Txns with zxid > afterZxid in order (for DIFF); undefined if the log no longer reaches back that far. */
  readTxnsAfter(afterZxid: number): Promise<Txn[] | undefined>;
  /** Drops every logged txn with zxid > zxid (ZAB TRUNC). Below the latest snapshot: StorageStateError. */
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

export interface StorageOptions {
  logger?: StorageLogger;
  /** Most writes one synced batch carries. */
  batchWritesMax?: number;
  /** Most bytes one synced batch carries (a single write larger than this still goes alone). */
  batchBytesMax?: number;
  /** Most writes waiting for disk before append/setMeta reject with StorageOverloadError. */
  pendingWritesMax?: number;
}
