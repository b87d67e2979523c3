// KvTxnStore: the TxnStore engine over a KvStore (layout.ts); every rule lives in TxnStoreCore.
// LevelStorage and MemoryStorage only choose the KvStore, so they behave the same. S is the snapshot
// type (types.ts): storage writes its zxid and lists, and reads them back as StoredSnapshot<S>.
import { txnToWire, type Txn } from '../../protocol/index.js';
import { StorageFormatError } from './errors.js';
import type { KvOp, KvStore } from './kv.js';
import {
  FORMAT_VERSION, LOG_PREFIX, META_FORMAT_KEY, META_PURGED_THROUGH_KEY, SCAN_PAGE_ENTRIES, logKey, metaKey, prefixEnd, snapMetaKey,
  zxidOfLogKey,
} from './layout.js';
import { scanLog } from './log-scan.js';
import { formatRecord, openNumberRecord, sealRecord } from './record.js';
import { listSnapshots, loadSnapshot } from './snapshot-read.js';
import { deleteRange, deleteSnapshot, writeSnapshotBody } from './snapshot-write.js';
import { type DurableBasics, type SnapshotCandidate, type Sized, TxnStoreCore } from './txn-store-core.js';
import type { MetaKey, SnapshotInput, StorageOptions } from './types.js';

/** A group-commit op: a plain put/delete, or "delete every log record above zxid" (resolved at write time). */
type StoreOp = KvOp | { type: 'delLogAfter'; zxid: number };

const META_KEYS: readonly MetaKey[] = ['acceptedEpoch', 'currentEpoch'];

export class KvTxnStore<S extends SnapshotInput = SnapshotInput> extends TxnStoreCore<S, StoreOp> {
  protected constructor(protected readonly kv: KvStore, opts: StorageOptions = {}) {
    super(opts);
  }

  protected async openDurable(): Promise<DurableBasics> {
    await this.checkFormat();
    const epochs = new Map<MetaKey, number>();
    for (const key of META_KEYS) {
      const value = await this.readNumber(metaKey(key));
      if (value !== undefined) epochs.set(key, value);
    }
    return { purgedThroughZxid: await this.readNumber(META_PURGED_THROUGH_KEY) ?? 0, epochs };
  }

  private async checkFormat(): Promise<void> {
    const stored = await this.kv.get(META_FORMAT_KEY);
    if (stored !== undefined) {
      const format = openNumberRecord(META_FORMAT_KEY, stored);
      if (format !== FORMAT_VERSION) throw new StorageFormatError(format, FORMAT_VERSION);
      return;
    }
    for await (const keys of this.kv.keys({ limit: 1 }, 1)) {
      if (keys.length > 0) throw new StorageFormatError(undefined, FORMAT_VERSION);
    }
    await this.kv.write([{ type: 'put', key: META_FORMAT_KEY, value: formatRecord(META_FORMAT_KEY).bytes }], { sync: true });
  }

  private async readNumber(key: string): Promise<number | undefined> {
    const stored = await this.kv.get(key);
    return stored === undefined ? undefined : openNumberRecord(key, stored);
  }

  protected appendOp(txn: Txn): Sized<StoreOp> {
    const key = logKey(txn.zxid);
    const value = sealRecord(key, txnToWire(txn)).bytes;
    return { op: { type: 'put', key, value }, bytes: value.length };
  }

  protected truncateOp(zxid: number): StoreOp {
    return { type: 'delLogAfter', zxid };
  }

  protected metaOp(key: MetaKey, value: number): Sized<StoreOp> {
    const storeKey = metaKey(key);
    const bytes = sealRecord(storeKey, value).bytes;
    return { op: { type: 'put', key: storeKey, value: bytes }, bytes: bytes.length };
  }

  /** One synced batch; a truncation is turned into deletes of the log keys above it, on disk or earlier in this batch. */
  protected async writeBatch(ops: StoreOp[]): Promise<void> {
    const out: KvOp[] = [];
    for (const op of ops) {
      if (op.type !== 'delLogAfter') {
        out.push(op);
        continue;
      }
      const above = new Set<string>();
      for (const prev of out) if (prev.type === 'put' && (zxidOfLogKey(prev.key) ?? -1) > op.zxid) above.add(prev.key);
      for await (const keys of this.kv.keys({ gt: logKey(op.zxid), lt: prefixEnd(LOG_PREFIX) }, SCAN_PAGE_ENTRIES)) {
        for (const key of keys) above.add(key);
      }
      for (const key of above) out.push({ type: 'del', key });
    }
    await this.kv.write(out, { sync: true });
  }

  protected async listSnapshots(): Promise<Array<SnapshotCandidate<S>>> {
    return (await listSnapshots(this.kv)).map((entry): SnapshotCandidate<S> =>
      entry.state === 'complete' ? { zxid: entry.zxid, state: 'complete', load: () => loadSnapshot<S>(this.kv, entry.meta, this.reviveSnapshotNode) } : entry);
  }

  protected deleteSnapshot(zxid: number): Promise<void> {
    return deleteSnapshot(this.kv, zxid);
  }

  protected async readLog(afterZxid: number): Promise<Txn[]> {
    const scan = await scanLog(this.kv, afterZxid);
    if (scan.tornReason !== undefined) {
      this.logger.warn('storage: dropping torn tail of the txn log', {
        records: scan.tornKeys.length, firstKey: scan.tornKeys[0], reason: scan.tornReason.reason,
      });
      await this.kv.write(scan.tornKeys.map((key) => ({ type: 'del' as const, key })), { sync: true });
    }
    return scan.txns;
  }

  /** Writes chunks and sessions, then the meta (synced) that makes the snapshot the latest. */
  protected async writeCompleteSnapshot(snap: S): Promise<number> {
    // Leftovers of an interrupted write at the same zxid must not mix with the new chunks.
    await deleteSnapshot(this.kv, snap.zxid);
    const meta = await writeSnapshotBody(this.kv, snap);
    const key = snapMetaKey(snap.zxid);
    await this.kv.write([{ type: 'put', key, value: sealRecord(key, meta).bytes }], { sync: true });
    return meta.chunks;
  }

  protected async purgeLogThrough(zxid: number): Promise<number> {
    const sealed = sealRecord(META_PURGED_THROUGH_KEY, zxid);
    await this.kv.write([{ type: 'put', key: META_PURGED_THROUGH_KEY, value: sealed.bytes }], { sync: true });
    return deleteRange(this.kv, LOG_PREFIX, logKey(zxid), true);
  }

  /**
   * The snapshot's meta goes in the same synced batch as the deletion of the old log and snapshot metas:
   * a snapshot that became complete on its own would be followed, after a crash, by the old local log.
   */
  protected async replaceWithSnapshot(snap: S): Promise<void> {
    await deleteSnapshot(this.kv, snap.zxid);
    const meta = await writeSnapshotBody(this.kv, snap);
    const others = (await listSnapshots(this.kv)).filter((e) => e.zxid !== snap.zxid);
    const metaKeyOfSnap = snapMetaKey(snap.zxid);
    const ops: KvOp[] = others.map((e) => ({ type: 'del', key: snapMetaKey(e.zxid) }));
    ops.push({ type: 'put', key: META_PURGED_THROUGH_KEY, value: sealRecord(META_PURGED_THROUGH_KEY, snap.zxid).bytes });
    for await (const keys of this.kv.keys({ gt: logKey(snap.zxid), lt: prefixEnd(LOG_PREFIX) }, SCAN_PAGE_ENTRIES)) {
      for (const key of keys) ops.push({ type: 'del', key });
    }
    ops.push({ type: 'put', key: metaKeyOfSnap, value: sealRecord(metaKeyOfSnap, meta).bytes });
    await this.kv.write(ops, { sync: true });
    for (const e of others) await deleteSnapshot(this.kv, e.zxid);
    await deleteRange(this.kv, LOG_PREFIX, logKey(snap.zxid), true);
    this.logger.info('storage: snapshot installed', { zxid: `0x${snap.zxid.toString(16)}`, nodes: meta.nodeCount, chunks: meta.chunks });
  }

  protected closeDurable(): Promise<void> {
    return this.kv.close();
  }
}

