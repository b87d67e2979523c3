// The in-memory twin of LevelStorage for unit tests: the same KvTxnStore logic on a MemoryKv, with a
// disk that a test can crash and whose syncs it can hold back. Reopen after a crash (or a clean close)
// with MemoryStorage.open({ disk: old.disk }).
import { StorageClosedError } from './errors.js';
import { KvTxnStore } from './kv-storage.js';
import { MemoryDisk, MemoryKv, type SyncMode } from './memory-kv.js';
import type { SnapshotInput, StorageOptions } from './types.js';

export interface MemoryStorageOptions extends StorageOptions {
  /** The simulated disk to open; a fresh empty one by default. */
  disk?: MemoryDisk;
  /**
   * 'auto': a synced write completes on the next macrotask. 'manual': it completes only when
   * completeSync() is called, so a test decides when the disk catches up.
   */
  syncMode?: SyncMode;
}

export class MemoryStorage<S extends SnapshotInput = SnapshotInput> extends KvTxnStore<S> {
  private constructor(private readonly memKv: MemoryKv, opts: StorageOptions) {
    super(memKv, opts);
  }

  /**
   * Opens the disk (a fresh one by default). Opening itself syncs on its own (a new disk gets its
   * format record); in 'manual' mode everything after that, recover() included, waits for completeSync().
   */
  static async open<S extends SnapshotInput = SnapshotInput>(opts: MemoryStorageOptions = {}): Promise<MemoryStorage<S>> {
    const kv = new MemoryKv(opts.disk ?? new MemoryDisk(), 'auto');
    const store = new MemoryStorage<S>(kv, opts);
    await store.init();
    kv.setSyncMode(opts.syncMode ?? 'auto');
    return store;
  }

  /** What survives a crash. */
  get disk(): MemoryDisk {
    return this.memKv.disk;
  }

  /** Synced writes waiting for completeSync(). */
  get pendingSyncs(): number {
    return this.memKv.pendingSyncs;
  }

  /** Completes the oldest waiting synced write (it and every earlier write reach the disk). False if none waits. */
  completeSync(): boolean {
    return this.memKv.completeSync();
  }

  /** A clean shutdown: in 'manual' mode the syncs still waiting complete on their own first. */
  override async close(): Promise<void> {
    this.memKv.setSyncMode('auto');
    await super.close();
  }

  /**
   * Simulates a power failure: everything not yet synced is lost, every waiting write rejects with
   * StorageClosedError, and this instance refuses all further calls. The disk keeps what was synced.
   */
  crash(): void {
    const reason = new StorageClosedError('storage crashed');
    this.markClosed(reason);
    this.memKv.crash();
  }
}
