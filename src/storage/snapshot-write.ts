// Writing a snapshot's chunks and sessions, one chunk per event-loop turn. The caller writes the
// meta record this returns, last and synced: until then the snapshot is incomplete and ignored.
import { crc32 } from './crc32.js';
import type { KvStore } from './kv.js';
import {
  PURGE_BATCH_KEYS, SNAPSHOT_CHUNK_BYTES_MAX, SNAPSHOT_CHUNK_NODES_MAX, prefixEnd, snapChunkKey, snapMetaKey, snapPrefix,
  snapSessionsKey, type SnapshotMeta,
} from './layout.js';
import { chunkValueEncoder, sealPayload, sealRecord } from './record.js';
import type { SnapshotInput } from './types.js';
import { yieldToEventLoop } from './yield.js';

const MSGPACK_ARRAY32 = 0xdd;
const ARRAY32_HEADER_BYTES = 5;

/** Encodes nodes[from..] as one msgpack array, stopping at the chunk limits. */
export function encodeChunk(nodes: readonly unknown[], from: number): { payload: Uint8Array; next: number } {
  const encodeValue = chunkValueEncoder();
  const parts: Uint8Array[] = [];
  let bytes = ARRAY32_HEADER_BYTES;
  let i = from;
  while (i < nodes.length && parts.length < SNAPSHOT_CHUNK_NODES_MAX && bytes < SNAPSHOT_CHUNK_BYTES_MAX) {
    const part = encodeValue(nodes[i]);
    parts.push(part);
    bytes += part.length;
    i++;
  }
  const payload = new Uint8Array(bytes);
  payload[0] = MSGPACK_ARRAY32;
  new DataView(payload.buffer).setUint32(1, parts.length, false);
  let at = ARRAY32_HEADER_BYTES;
  for (const part of parts) {
    payload.set(part, at);
    at += part.length;
  }
  return { payload, next: i };
}

/** Writes every chunk and the sessions record (unsynced) and returns the meta that completes them. */
export async function writeSnapshotBody(kv: KvStore, snap: SnapshotInput): Promise<SnapshotMeta> {
  const chunkCrcs: number[] = [];
  for (let from = 0; from < snap.nodes.length; ) {
    const { payload, next } = encodeChunk(snap.nodes, from);
    const key = snapChunkKey(snap.zxid, chunkCrcs.length);
    const sealed = sealPayload(key, payload);
    await kv.write([{ type: 'put', key, value: sealed.bytes }], { sync: false });
    chunkCrcs.push(sealed.crc);
    from = next;
    await yieldToEventLoop();
  }
  const sessionsKey = snapSessionsKey(snap.zxid);
  const sessions = sealRecord(sessionsKey, snap.sessions);
  await kv.write([{ type: 'put', key: sessionsKey, value: sessions.bytes }], { sync: false });
  return {
    zxid: snap.zxid,
    chunks: chunkCrcs.length,
    nodeCount: snap.nodes.length,
    sessionCount: snap.sessions.length,
    crcOfChunkCrcs: crcOfCrcs(chunkCrcs),
    sessionsCrc: sessions.crc,
  };
}

export function crcOfCrcs(crcs: readonly number[]): number {
  const bytes = new Uint8Array(crcs.length * 4);
  const view = new DataView(bytes.buffer);
  crcs.forEach((crc, i) => view.setUint32(i * 4, crc, false));
  return crc32(bytes);
}

/**
 * Deletes every key of a snapshot, the meta first: a crash part-way leaves an incomplete snapshot,
 * which recovery ignores, never a complete-looking one with chunks missing.
 */
export async function deleteSnapshot(kv: KvStore, zxid: number): Promise<void> {
  await kv.write([{ type: 'del', key: snapMetaKey(zxid) }], { sync: false });
  const prefix = snapPrefix(zxid);
  await deleteRange(kv, prefix, prefixEnd(prefix), false);
}

/** Deletes keys in [gte, lt) (or [gte, lte] with inclusive) in unsynced batches, yielding between them. */
export async function deleteRange(kv: KvStore, gte: string, end: string, inclusiveEnd: boolean): Promise<number> {
  let deleted = 0;
  const range = inclusiveEnd ? { gte, lte: end } : { gte, lt: end };
  for await (const keys of kv.keys(range, PURGE_BATCH_KEYS)) {
    await kv.write(keys.map((key) => ({ type: 'del' as const, key })), { sync: false });
    deleted += keys.length;
    await yieldToEventLoop();
  }
  return deleted;
}
