// The in-memory twin's simulated disk (manual syncs, crashes), its sorted map, and group commit's
// batching and failure rules, checked step by step without timing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Txn } from '../../protocol/index.js';
import { GroupCommitter } from '../../src/storage/group-commit.js';
import { SortedMap } from '../../src/storage/sorted-map.js';
import { MemoryStorage, StorageClosedError, StorageOverloadError, StorageWriteError } from '../../src/storage/index.js';

function makeTxn(zxid: number): Txn {
  return { zxid, time: zxid, sessionId: 1, xid: zxid, body: { type: 'setData', path: '/a', data: new Uint8Array([zxid & 0xff]) } };
}

const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('MemoryStorage with manual syncs', () => {
  test('appends made while a batch is on its way join the next single batch', async () => {
    const store = await MemoryStorage.open({ syncMode: 'manual' });
    await recoverManual(store);
    const done = new Set<number>();
    const track = (z: number): Promise<void> => store.append(makeTxn(z)).then(() => void done.add(z));
    const first = track(1);
    await microtasks();
    assert.equal(store.pendingSyncs, 1, 'the first batch is in flight');
    const rest = Array.from({ length: 999 }, (_, i) => track(i + 2));
    await microtasks();
    assert.equal(store.pendingSyncs, 1, 'the others wait for it instead of writing alone');
    assert.equal(done.size, 0);
    assert.ok(store.completeSync());
    await first;
    assert.deepEqual([...done], [1]);
    await microtasks();
    assert.equal(store.pendingSyncs, 1, 'one batch carries the 999 that waited');
    assert.ok(store.completeSync());
    await Promise.all(rest);
    assert.equal(done.size, 1000);
    assert.equal(store.stats.syncedBatches, 2);
    assert.equal(store.stats.largestBatchWrites, 999);
    store.crash();
  });

  test('a crash loses exactly what was not synced; every resolved append survives', async () => {
    const store = await MemoryStorage.open({ syncMode: 'manual' });
    await recoverManual(store);
    const acked: number[] = [];
    const appends = [1, 2, 3].map((z) => store.append(makeTxn(z)).then(() => void acked.push(z)));
    await microtasks();
    store.completeSync();
    await Promise.all(appends);
    const lost = [4, 5].map((z) => store.append(makeTxn(z)));
    await microtasks();
    assert.equal(store.pendingSyncs, 1);
    store.crash();
    for (const p of lost) await assert.rejects(p, StorageClosedError);
    await assert.rejects(store.append(makeTxn(6)), StorageClosedError);

    const reopened = await MemoryStorage.open({ disk: store.disk });
    const state = await reopened.recover();
    assert.deepEqual(state.txns.map((t) => t.zxid), acked);
    await reopened.close();
  });

  test('snapshot chunks not yet synced are lost in a crash, leaving no snapshot', async () => {
    const store = await MemoryStorage.open({ syncMode: 'manual' });
    await recoverManual(store);
    const appended = store.append(makeTxn(1));
    await microtasks();
    store.completeSync();
    await appended;
    const snapshot = store.writeSnapshot({ zxid: 1, nodes: Array.from({ length: 3000 }, (_, i) => i), sessions: [] });
    await until(() => store.pendingSyncs === 1);
    store.crash();
    await assert.rejects(snapshot, StorageClosedError);
    const reopened = await MemoryStorage.open({ disk: store.disk });
    const state = await reopened.recover();
    assert.equal(state.snapshot, undefined);
    assert.deepEqual(state.txns.map((t) => t.zxid), [1]);
    assert.deepEqual(reopened.disk.keys({ gte: 'snap/', lt: 'snap0' }), []);
    await reopened.close();
  });

  test('an install crashed after any sync leaves the old state or the new, never the snapshot followed by the old log', async () => {
    for (let syncs = 0; syncs < 4; syncs++) {
      const store = await MemoryStorage.open({ syncMode: 'manual' });
      await recoverManual(store);
      const appends = [1, 2, 3, 4, 5, 6].map((z) => store.append(makeTxn(z)));
      await until(() => store.pendingSyncs === 1);
      store.completeSync();
      await Promise.all(appends);
      let done = false;
      const install = store.installSnapshot({ zxid: 3, nodes: ['leader'], sessions: [] });
      install.then(() => (done = true), () => undefined);
      for (let i = 0; i < syncs && !done; i++) {
        await until(() => store.pendingSyncs > 0 || done);
        store.completeSync();
      }
      await until(() => store.pendingSyncs > 0 || done);
      store.crash();
      const reopened = await MemoryStorage.open({ disk: store.disk });
      const state = await reopened.recover();
      if (state.snapshot === undefined) assert.deepEqual(state.txns.map((t) => t.zxid), [1, 2, 3, 4, 5, 6], `after ${syncs} syncs`);
      else assert.deepEqual([state.snapshot.nodes, state.txns], [['leader'], []], `after ${syncs} syncs: 4..6 are not the leader's`);
      await reopened.close();
    }
  });

  test('a clean close keeps what was written', async () => {
    const store = await MemoryStorage.open();
    await store.recover();
    await store.append(makeTxn(1));
    await store.writeSnapshot({ zxid: 1, nodes: [{ p: '/' }], sessions: [] });
    await store.close();
    const reopened = await MemoryStorage.open({ disk: store.disk });
    assert.equal((await reopened.recover()).snapshot?.zxid, 1);
    await reopened.close();
  });
});

/** recover() in manual mode: it writes nothing on a clean store, so no sync needs completing. */
async function recoverManual(store: MemoryStorage): Promise<void> {
  const state = await store.recover();
  assert.equal(state.lastZxid, 0);
}

/** Waits for a condition, turning the event loop; fails after a generous deadline. */
async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

describe('GroupCommitter', () => {
  const limits = { batchEntriesMax: 100, batchBytesMax: 1000, pendingEntriesMax: 50 };

  test('a failed batch rejects it and everything after it, for good', async () => {
    const batches: number[][] = [];
    let failNext = false;
    const committer = new GroupCommitter<number>(async (ops) => {
      batches.push(ops);
      if (failNext) throw new Error('disk full');
    }, limits);
    await committer.submit([1], 1);
    failNext = true;
    const a = committer.submit([2], 1);
    const b = committer.submit([3, 4], 1);
    const flushed = committer.flush();
    await assert.rejects(a, StorageWriteError);
    await assert.rejects(b, StorageWriteError);
    await assert.rejects(flushed, StorageWriteError);
    await assert.rejects(committer.submit([5], 1), StorageWriteError);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
  });

  test('byte limit splits batches but never an entry', async () => {
    const batches: number[][] = [];
    const committer = new GroupCommitter<number>(async (ops) => void batches.push(ops), limits);
    await Promise.all([committer.submit([1], 600), committer.submit([2], 600), committer.submit([3, 4], 2000)]);
    assert.deepEqual(batches, [[1], [2], [3, 4]]);
  });

  test('too many waiting writes are refused', async () => {
    const committer = new GroupCommitter<number>(async () => {}, limits);
    const ok = Array.from({ length: 50 }, (_, i) => committer.submit([i], 1));
    await assert.rejects(committer.submit([99], 1), StorageOverloadError);
    await Promise.all(ok);
    await committer.submit([100], 1);
  });
});

describe('SortedMap', () => {
  test('range queries match a brute-force model under random changes', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const map = new SortedMap<number>();
    const model = new Map<string, number>();
    const key = (): string => `k${rand(200).toString().padStart(3, '0')}`;
    for (let step = 0; step < 3000; step++) {
      const k = key();
      if (rand(3) === 0) {
        map.delete(k);
        model.delete(k);
      } else {
        map.set(k, step);
        model.set(k, step);
      }
      const lo = key();
      const hi = key();
      const expected = [...model.keys()].sort().filter((x) => x > lo && x <= hi);
      assert.deepEqual(map.keysIn({ gt: lo, lte: hi }), expected);
      assert.deepEqual(map.keysIn({ gte: lo, reverse: true, limit: 3 }), [...model.keys()].sort().filter((x) => x >= lo).reverse().slice(0, 3));
    }
  });
});
