// Shared pieces of the segment store's tests: txns, a logger that remembers warnings, and opening a store
// on an in-memory disk (or a copy of one) with its log recovered.
import type { Txn } from '../../protocol/index.js';
import {
  MemoryFileDisk, MemoryFilePort, SegmentStorage, type SegmentStorageOptions, type StorageLogger, type SyncMode,
} from '../../src/storage/index.js';

/** A create txn; `tag` tells apart two txns given the same zxid (after a truncation). */
export function makeTxn(zxid: number, tag = 0): Txn {
  return {
    zxid, time: 1_700_000_000_000 + zxid, sessionId: 0x1234, xid: tag,
    body: {
      type: 'create', path: `/n/${zxid}-${tag}`, data: new Uint8Array([zxid & 0xff, tag & 0xff, 1, 2]),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], kind: 'persistent', ephemeralOwner: 0, ttlMs: 0,
    },
  };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export class RecordingLogger implements StorageLogger {
  readonly warnings: string[] = [];
  info(): void {}
  warn(msg: string): void {
    this.warnings.push(msg);
  }
}

export function cloneDisk(disk: MemoryFileDisk): MemoryFileDisk {
  const copy = new MemoryFileDisk();
  for (const name of disk.fileNames()) copy.writeFile(name, disk.readFile(name)!);
  return copy;
}

export interface OpenedStore {
  port: MemoryFilePort;
  store: SegmentStorage;
  logger: RecordingLogger;
}

/**
 * Opens a store on disk. Opening syncs on its own (a new store writes its meta file); in 'manual' mode
 * everything after that waits for completeSync(). recover() is the caller's, so it can expect it to fail.
 */
export async function openOn(disk: MemoryFileDisk, opts: SegmentStorageOptions & { syncMode?: SyncMode } = {}): Promise<OpenedStore> {
  const port = new MemoryFilePort(disk, 'auto');
  const logger = new RecordingLogger();
  const store = await SegmentStorage.open(port, { logger, ...opts });
  port.setSyncMode(opts.syncMode ?? 'auto');
  return { port, store, logger };
}

/** Appends each batch of zxids as one group-committed batch, one after the other. */
export async function appendBatches(store: SegmentStorage, batches: ReadonlyArray<readonly number[]>): Promise<void> {
  for (const batch of batches) await Promise.all(batch.map((z) => store.append(makeTxn(z))));
}

/** Waits for a condition, turning the event loop; fails after a generous deadline. */
export async function untilTrue(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
