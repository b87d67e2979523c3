// KvStore on classic-level (LevelDB). Keys utf8, values raw bytes.
import { ClassicLevel } from 'classic-level';
import type { KvOp, KvRange, KvStore } from './kv.js';

/**
 * Table files LevelDB keeps open. Its default (1000) is more than a server's whole descriptor reserve for
 * storage (fdReserve, 256 by default): the client listener refuses sockets before they could take the
 * descriptors LevelDB needs, which only works if LevelDB's own need is bounded well below the reserve.
 */
export const LEVELDB_OPEN_FILES_MAX = 128;

export class LevelKv implements KvStore {
  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  static async open(dir: string): Promise<LevelKv> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: true, maxOpenFiles: LEVELDB_OPEN_FILES_MAX });
    await db.open();
    return new LevelKv(db);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  write(ops: readonly KvOp[], opts: { sync: boolean }): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return this.db.batch(ops.slice(), { sync: opts.sync });
  }

  entries(range: KvRange, pageEntries: number): AsyncIterable<Array<[string, Uint8Array]>> {
    return pages(this.db.iterator(range), pageEntries);
  }

  keys(range: KvRange, pageEntries: number): AsyncIterable<string[]> {
    return pages(this.db.keys(range), pageEntries);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** A LevelDB iterator read `pageEntries` at a time; closed however the reader stops. */
async function* pages<T>(it: { nextv(size: number): Promise<T[]>; close(): Promise<void> }, pageEntries: number): AsyncIterable<T[]> {
  try {
    for (;;) {
      const page = await it.nextv(pageEntries);
      if (page.length === 0) return;
      yield page;
    }
  } finally {
    await it.close();
  }
}
