// The measured work of bench:txnlog, one piece per child process (so no engine's background threads or
// caches leak into another's figures). Each prints one JSON line on stdout.
import { randomBytes } from 'node:crypto';
import { OPEN_ACL_UNSAFE, type Txn } from '../../protocol/index.js';
import { openTxnStore } from '../../src/server/txn-store-open.js';
import type { TxnLogEngine } from '../../src/server/config.js';
import { DataTree } from '../../src/tree/index.js';
import { sample, since } from './proc-stats.js';

const VALUE_BYTES = 100;
const silent = { info: () => {}, warn: () => {} };

/** A create of a znode holding value, as the leader's prep would log it. */
export function createTxn(zxid: number, value: Uint8Array, path = `/bench/n${zxid.toString().padStart(10, '0')}`): Txn {
  return {
    zxid, time: 1_700_000_000_000 + zxid, sessionId: 0x1_0000_0001, xid: zxid,
    body: { type: 'create', path, data: value, acl: [...OPEN_ACL_UNSAFE], kind: 'persistent', ephemeralOwner: 0, ttlMs: 0 },
  };
}

function values(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(VALUE_BYTES)));
}

/** Appends `txns` txns in group-committed batches of `batch` (each batch submitted in one turn, then awaited). */
async function appendAll(dataDir: string, engine: TxnLogEngine, batch: number, txns: number, firstZxid: number): Promise<void> {
  const store = (await openTxnStore(dataDir, engine, silent)).store;
  await store.recover();
  const vals = values(1024);
  for (let z = firstZxid; z < firstZxid + txns; z += batch) {
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < batch && z + i < firstZxid + txns; i++) pending.push(store.append(createTxn(z + i, vals[(z + i) % vals.length]!)));
    await Promise.all(pending);
  }
  await store.close();
}

/** Appends with the counters running; the txns are built before the clock starts. */
export async function measureAppends(dataDir: string, engine: TxnLogEngine, batch: number, txns: number): Promise<object> {
  const warmup = Math.min(txns, 20 * batch);
  await appendAll(dataDir, engine, batch, warmup, 1);
  const store = (await openTxnStore(dataDir, engine, silent)).store;
  await store.recover();
  const vals = values(1024);
  const built = Array.from({ length: txns }, (_, i) => createTxn(warmup + 1 + i, vals[i % vals.length]!));
  const before = sample();
  for (let i = 0; i < built.length; i += batch) await Promise.all(built.slice(i, i + batch).map((t) => store.append(t)));
  const appended = since(before);
  await store.close();
  const closed = since(before);
  return { engine, batch, txns, appended, closed };
}

export async function writeLog(dataDir: string, engine: TxnLogEngine, txns: number): Promise<object> {
  const before = sample();
  await appendAll(dataDir, engine, 512, txns, 1);
  return { engine, txns, written: since(before) };
}

export async function measureRecovery(dataDir: string, engine: TxnLogEngine): Promise<object> {
  const before = sample();
  const store = (await openTxnStore(dataDir, engine, silent)).store;
  const state = await store.recover();
  const recovered = since(before);
  await store.close();
  return { engine, txns: state.txns.length, lastZxid: state.lastZxid, recovered };
}

/** A tree of `nodes` 100-byte znodes under /bench, snapshotted into each engine's store in dataDirs. */
export async function writeSnapshots(dataDirs: Record<TxnLogEngine, string>, nodes: number): Promise<object> {
  const tree = new DataTree();
  const vals = values(1024);
  tree.apply(createTxn(1, new Uint8Array(0), '/bench'));
  for (let i = 0; i < nodes; i++) tree.apply(createTxn(i + 2, vals[i % vals.length]!));
  const snapshot = tree.snapshot();
  const out: Record<string, object> = {};
  for (const engine of Object.keys(dataDirs) as TxnLogEngine[]) {
    const store = (await openTxnStore(dataDirs[engine], engine, silent)).store;
    await store.recover();
    const before = sample();
    await store.writeSnapshot(snapshot);
    out[engine] = since(before);
    await store.close();
  }
  return { nodes: tree.nodeCount, zxid: snapshot.zxid, written: out };
}
