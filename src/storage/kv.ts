// The narrow key-value interface under KvTxnStore: LevelDB on disk, or the in-memory twin.
// All storage rules live above it, so both backends behave the same by construction.

export type KvOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** A key range; bounds are compared bytewise (keys are ASCII, so the same as string order). */
export interface KvRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse?: boolean;
  limit?: number;
}

export interface KvStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Applies ops atomically, in order (a later op on the same key wins). With sync, resolves only once
   * these ops and every earlier write are durable; without, they are visible but may be lost in a crash.
   */
  write(ops: readonly KvOp[], opts: { sync: boolean }): Promise<void>;
  /** Entries in the range, in pages of at most pageEntries, in key order (or reverse). */
  entries(range: KvRange, pageEntries: number): AsyncIterable<Array<[string, Uint8Array]>>;
  /** Keys in the range, in pages of at most pageEntries. */
  keys(range: KvRange, pageEntries: number): AsyncIterable<string[]>;
  close(): Promise<void>;
}
