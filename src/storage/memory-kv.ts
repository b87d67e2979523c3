// The in-memory KvStore: a simulated disk with LevelDB's durability rules. Writes apply in the order
// issued. An unsynced write is visible at once but only reaches the MemoryDisk together with the next
// synced write; a synced write completes on the next macrotask ('auto') or when the test calls
// completeSync() ('manual'). crash() throws away everything that has not reached the disk.
import { StorageClosedError } from './errors.js';
import type { KvOp, KvRange, KvStore } from './kv.js';
import { SortedMap } from './sorted-map.js';

export type SyncMode = 'auto' | 'manual';

/** What survives a crash. Raw access (get/set/delete/keys) is for fault injection in tests. */
export class MemoryDisk {
  private readonly records = new SortedMap<Uint8Array>();

  get(key: string): Uint8Array | undefined {
    return this.records.get(key);
  }
  set(key: string, value: Uint8Array): void {
    this.records.set(key, value);
  }
  delete(key: string): void {
    this.records.delete(key);
  }
  keys(range: KvRange = {}): string[] {
    return this.records.keysIn(range);
  }
  get size(): number {
    return this.records.size;
  }
  /** Applies ops in order, as one synced batch reaching the disk. */
  apply(ops: readonly KvOp[]): void {
    for (const op of ops) {
      if (op.type === 'put') this.records.set(op.key, op.value);
      else this.records.delete(op.key);
    }
  }
}

interface QueuedWrite {
  ops: readonly KvOp[];
  sync: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class MemoryKv implements KvStore {
  private readonly visible = new SortedMap<Uint8Array>();
  /** Applied to `visible`, not yet on the disk. */
  private unsynced: KvOp[] = [];
  /** Writes not yet applied, oldest first; the head is a synced write waiting for its sync. */
  private readonly queue: QueuedWrite[] = [];
  private autoSyncScheduled = false;
  private closed: Error | undefined;

  constructor(readonly disk: MemoryDisk, private syncMode: SyncMode) {
    for (const key of disk.keys()) this.visible.set(key, disk.get(key)!);
  }

  /** Switching to 'auto' lets every waiting synced write complete on the next macrotask. */
  setSyncMode(mode: SyncMode): void {
    this.syncMode = mode;
    this.pump();
  }

  /** Synced writes waiting for completeSync() (always 0 in 'auto' mode once the loop has turned). */
  get pendingSyncs(): number {
    return this.queue.filter((w) => w.sync).length;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.reject(this.closed);
    return Promise.resolve(this.visible.get(key));
  }

  write(ops: readonly KvOp[], opts: { sync: boolean }): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops: ops.slice(), sync: opts.sync, resolve, reject });
      this.pump();
    });
  }

  /** Completes the oldest synced write: it and every earlier write reach the disk. False if none waits. */
  completeSync(): boolean {
    const head = this.queue[0];
    if (head === undefined || !head.sync || this.closed) return false;
    this.queue.shift();
    this.applyVisible(head.ops);
    this.disk.apply(this.unsynced);
    this.disk.apply(head.ops);
    this.unsynced = [];
    head.resolve();
    this.pump();
    return true;
  }

  /** Loses everything not on the disk and rejects every waiting write; the disk stays as it is. */
  crash(): void {
    if (this.closed) return;
    this.closed = new StorageClosedError('storage crashed');
    for (const w of this.queue.splice(0)) w.reject(this.closed);
    this.unsynced = [];
  }

  async *entries(range: KvRange, pageEntries: number): AsyncIterable<Array<[string, Uint8Array]>> {
    const all = this.rangeEntries(range);
    for (let i = 0; i < all.length; i += pageEntries) {
      yield all.slice(i, i + pageEntries);
    }
  }

  async *keys(range: KvRange, pageEntries: number): AsyncIterable<string[]> {
    if (this.closed) throw this.closed;
    // Read up front, like a LevelDB iterator's implicit snapshot.
    const all = this.visible.keysIn(range);
    for (let i = 0; i < all.length; i += pageEntries) yield all.slice(i, i + pageEntries);
  }

  /**
   * A clean shutdown: what was written reaches the disk, as LevelDB's unsynced writes survive a
   * process exit in the OS cache. Writes still waiting for a manual sync are rejected.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = new StorageClosedError();
    for (const w of this.queue.splice(0)) w.reject(this.closed);
    this.disk.apply(this.unsynced);
    this.unsynced = [];
  }

  private rangeEntries(range: KvRange): Array<[string, Uint8Array]> {
    if (this.closed) throw this.closed;
    return this.visible.keysIn(range).map((k) => [k, this.visible.get(k)!]);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.queue[0]!.sync) {
      const w = this.queue.shift()!;
      this.applyVisible(w.ops);
      for (const op of w.ops) this.unsynced.push(op);
      w.resolve();
    }
    if (this.queue.length > 0 && this.syncMode === 'auto' && !this.autoSyncScheduled) {
      this.autoSyncScheduled = true;
      setImmediate(() => {
        this.autoSyncScheduled = false;
        this.completeSync();
      });
    }
  }

  private applyVisible(ops: readonly KvOp[]): void {
    for (const op of ops) {
      if (op.type === 'put') this.visible.set(op.key, op.value);
      else this.visible.delete(op.key);
    }
  }
}
