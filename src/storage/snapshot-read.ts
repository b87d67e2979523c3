// Finding snapshots and loading one with every checksum verified against its meta.
import { CorruptStorageError } from './errors.js';
import type { KvStore } from './kv.js';
import {
  SCAN_PAGE_ENTRIES, SNAP_PREFIX, chunkIndexOfKey, prefixEnd, snapChunkKey, snapChunkPrefix, snapMetaKey, snapSessionsKey,
  zxidOfSnapKey, type SnapshotMeta,
} from './layout.js';
import { openRecord, openSnapshotMeta } from './record.js';
import { crcOfCrcs } from './snapshot-write.js';
import type { SnapshotInput, SnapshotNodeReviver, StoredSnapshot } from './types.js';

/** A snapshot found in the store: complete when its meta verified. */
export type SnapshotEntry =
  | { zxid: number; state: 'complete'; meta: SnapshotMeta }
  | { zxid: number; state: 'incomplete' }
  | { zxid: number; state: 'badMeta'; error: CorruptStorageError };

/** Every snapshot present, newest first. */
export async function listSnapshots(kv: KvStore): Promise<SnapshotEntry[]> {
  const zxids = new Set<number>();
  for await (const keys of kv.keys({ gte: SNAP_PREFIX, lt: prefixEnd(SNAP_PREFIX) }, SCAN_PAGE_ENTRIES)) {
    for (const key of keys) {
      const zxid = zxidOfSnapKey(key);
      if (zxid === undefined) throw new CorruptStorageError(key, 'key under snap/ is not shaped like a snapshot key');
      zxids.add(zxid);
    }
  }
  const out: SnapshotEntry[] = [];
  for (const zxid of [...zxids].sort((a, b) => b - a)) out.push(await readSnapshotEntry(kv, zxid));
  return out;
}

async function readSnapshotEntry(kv: KvStore, zxid: number): Promise<SnapshotEntry> {
  const key = snapMetaKey(zxid);
  const stored = await kv.get(key);
  if (stored === undefined) return { zxid, state: 'incomplete' };
  try {
    return { zxid, state: 'complete', meta: openSnapshotMeta(key, zxid, stored) };
  } catch (err) {
    if (err instanceof CorruptStorageError) return { zxid, state: 'badMeta', error: err };
    throw err;
  }
}

/**
 * Loads the snapshot a verified meta describes; CorruptStorageError if any part does not match. Its
 * elements are typed as what was written (S): every record checks against its checksum and the meta.
 * Each node goes through revive, if given, as its chunk is read.
 */
export async function loadSnapshot<S extends SnapshotInput>(
  kv: KvStore, meta: SnapshotMeta, revive: SnapshotNodeReviver | undefined,
): Promise<StoredSnapshot<S>> {
  const nodes: unknown[] = [];
  const chunkCrcs: number[] = [];
  const prefix = snapChunkPrefix(meta.zxid);
  for await (const page of kv.entries({ gte: prefix, lt: prefixEnd(prefix) }, SCAN_PAGE_ENTRIES)) {
    for (const [key, stored] of page) {
      if (chunkIndexOfKey(key) !== chunkCrcs.length) {
        throw new CorruptStorageError(key, `expected chunk ${snapChunkKey(meta.zxid, chunkCrcs.length)} here`);
      }
      const { value, crc } = openRecord(key, stored, revive === undefined ? 'copies' : 'views');
      if (!Array.isArray(value)) throw new CorruptStorageError(key, 'snapshot chunk is not an array');
      if (revive === undefined) for (const node of value) nodes.push(node);
      else for (const node of value) nodes.push(revive(node));
      chunkCrcs.push(crc);
    }
  }
  const metaKey = snapMetaKey(meta.zxid);
  if (chunkCrcs.length !== meta.chunks) throw new CorruptStorageError(metaKey, `meta lists ${meta.chunks} chunks, found ${chunkCrcs.length}`);
  if (nodes.length !== meta.nodeCount) throw new CorruptStorageError(metaKey, `meta counts ${meta.nodeCount} nodes, chunks hold ${nodes.length}`);
  if (crcOfCrcs(chunkCrcs) !== meta.crcOfChunkCrcs) throw new CorruptStorageError(metaKey, 'chunk checksums do not match the meta');
  const sessions = await loadSessions(kv, meta);
  return { zxid: meta.zxid, nodes, sessions } as StoredSnapshot<S>;
}

async function loadSessions(kv: KvStore, meta: SnapshotMeta): Promise<unknown[]> {
  const key = snapSessionsKey(meta.zxid);
  const stored = await kv.get(key);
  if (stored === undefined) throw new CorruptStorageError(key, 'sessions record is missing');
  const { value, crc } = openRecord(key, stored);
  if (!Array.isArray(value)) throw new CorruptStorageError(key, 'sessions record is not an array');
  if (crc !== meta.sessionsCrc || value.length !== meta.sessionCount) {
    throw new CorruptStorageError(key, 'sessions record does not match the meta');
  }
  return value;
}
