// The durable TxnStore: KvTxnStore on classic-level (LevelDB) in a data directory.
import { LevelKv } from './level-kv.js';
import { KvTxnStore } from './kv-storage.js';
import type { SnapshotInput, StorageOptions } from './types.js';

export class LevelStorage<S extends SnapshotInput = SnapshotInput> extends KvTxnStore<S> {
  private constructor(kv: LevelKv, readonly dir: string, opts: StorageOptions) {
    super(kv, opts);
  }

  /** Opens (creating if needed) the store in `dir`. Call recover() next, before appending. */
  static async open<S extends SnapshotInput = SnapshotInput>(dir: string, opts: StorageOptions = {}): Promise<LevelStorage<S>> {
    const kv = await LevelKv.open(dir);
    const store = new LevelStorage<S>(kv, dir, opts);
    try {
      await store.init();
    } catch (err) {
      await kv.close().catch(() => undefined);
      throw err;
    }
    return store;
  }
}
