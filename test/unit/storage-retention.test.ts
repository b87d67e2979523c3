// Retention (autopurge): a store keeps the snapRetainCount newest snapshots and the log after the oldest of
// them, purged at every snapshot or at most once per purgeIntervalMs; recovery can fall back on each kept one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError } from '../../src/storage/index.js';
import { planRetention, purgeDue } from '../../src/storage/retention.js';
import { type Store, type Subject, levelImpl, memoryImpl, segmentMemoryImpl } from '../support/storage-subjects.js';
import { makeTxn, range } from '../support/segment-store.js';

const SNAPSHOT_ZXIDS = [10, 20, 30, 40, 50, 60, 70];
const LAST_ZXID = 75;
/** More than one chunk's worth, so that corruptSnapshot('secondChunk') has a second chunk to hit. */
const NODES = range(1, 1500).map((i) => `/node/${i}`);

function zxids(txns: readonly Txn[]): number[] {
  return txns.map((t) => t.zxid);
}

describe('planRetention', () => {
  const complete = (...list: number[]) => list.map((zxid) => ({ zxid, complete: true }));

  test('keeps the newest count and purges the log through the oldest kept', () => {
    for (const count of [2, 3, 5]) {
      const plan = planRetention(complete(...SNAPSHOT_ZXIDS), 70, 0, { snapRetainCount: count, purgeIntervalMs: 0 });
      assert.deepEqual(plan.deleteSnapshots, SNAPSHOT_ZXIDS.slice(0, -count), `count ${count}`);
      assert.equal(plan.purgeLogThrough, SNAPSHOT_ZXIDS.slice(-count)[0], `count ${count}`);
    }
  });

  test('incomplete snapshots and those below the purge point never count, and are deleted', () => {
    const plan = planRetention([...complete(10, 30, 50), { zxid: 40, complete: false }], 50, 20, { snapRetainCount: 3, purgeIntervalMs: 0 });
    assert.deepEqual(plan.deleteSnapshots.sort((a, b) => a - b), [10, 40]);
    assert.equal(plan.purgeLogThrough, 30);
  });

  test('the first snapshot purges nothing: there is no older one to keep the log for', () => {
    assert.deepEqual(planRetention(complete(10), 10, 0, { snapRetainCount: 2, purgeIntervalMs: 0 }), { deleteSnapshots: [], purgeLogThrough: undefined });
  });

  test('purgeDue: always at interval 0; otherwise the first time, then once the interval has passed', () => {
    const hourly = { snapRetainCount: 2, purgeIntervalMs: 1000 };
    assert.equal(purgeDue({ ...hourly, purgeIntervalMs: 0 }, 5, 5), true);
    assert.equal(purgeDue(hourly, undefined, 0), true);
    assert.equal(purgeDue(hourly, 0, 999), false);
    assert.equal(purgeDue(hourly, 0, 1000), true);
  });
});

/** Txns 1..75, and a snapshot at each of SNAPSHOT_ZXIDS once the log reaches it. */
async function fill(store: Store): Promise<void> {
  for (const zxid of range(1, LAST_ZXID)) {
    await store.append(makeTxn(zxid));
    if (SNAPSHOT_ZXIDS.includes(zxid)) await store.writeSnapshot({ zxid, nodes: NODES, sessions: [] });
  }
}

async function recoverOnce(s: Subject): Promise<{ snapshotZxid: number | undefined; txns: number[] }> {
  const store = await s.open();
  try {
    const state = await store.recover();
    return { snapshotZxid: state.snapshot?.zxid, txns: zxids(state.txns) };
  } finally {
    await store.close();
  }
}

for (const impl of [memoryImpl, levelImpl, segmentMemoryImpl]) {
  describe(`${impl.name}: retention`, () => {
    for (const count of [2, 3, 5]) {
      test(`snapRetainCount ${count}: the newest ${count} snapshots are kept, and recovery falls back on each of them in turn`, async () => {
        const s = await impl.subject();
        try {
          const store = await s.open({ retention: { snapRetainCount: count } });
          await store.recover();
          await fill(store);
          await store.close();
          const kept = SNAPSHOT_ZXIDS.slice(-count);
          assert.deepEqual(await s.snapshotZxids(), kept);
          const logged = await s.loggedZxids();
          assert.deepEqual(logged.filter((z) => z > kept[0]!), range(kept[0]! + 1, LAST_ZXID), 'the log reaches back to the oldest kept snapshot');
          for (let i = count - 1; i > 0; i--) {
            await s.corruptSnapshot(kept[i]!, 'secondChunk');
            assert.deepEqual(await recoverOnce(s), { snapshotZxid: kept[i - 1], txns: range(kept[i - 1]! + 1, LAST_ZXID) }, `with ${kept[i]} damaged`);
          }
          await s.corruptSnapshot(kept[0]!, 'secondChunk');
          await assert.rejects(recoverOnce(s), CorruptStorageError, 'nothing older was kept');
        } finally {
          await s.dispose();
        }
      });
    }

    test('purgeIntervalMs: snapshots pile up within the interval; the first snapshot after it purges', async () => {
      const s = await impl.subject();
      let now = 0;
      try {
        const store = await s.open({ retention: { snapRetainCount: 2, purgeIntervalMs: 1000 }, nowMs: () => now });
        await store.recover();
        for (const zxid of range(1, 50)) await store.append(makeTxn(zxid));
        for (const zxid of [10, 20, 30, 40]) {
          now += 100;
          await store.writeSnapshot({ zxid, nodes: [zxid], sessions: [] });
        }
        now = 1100;
        await store.writeSnapshot({ zxid: 50, nodes: [50], sessions: [] });
        await store.close();
        assert.deepEqual(await s.snapshotZxids(), [40, 50], 'the purge at 1100 ms keeps the newest two');
        // The first purge, at 100 ms, had nothing to delete; the next three snapshots came within its interval.
        const piled = await s.open({ retention: { snapRetainCount: 2, purgeIntervalMs: 1000 }, nowMs: () => now });
        await piled.recover();
        for (const zxid of range(51, 60)) await piled.append(makeTxn(zxid));
        await piled.writeSnapshot({ zxid: 55, nodes: [55], sessions: [] });
        now += 10;
        await piled.writeSnapshot({ zxid: 60, nodes: [60], sessions: [] });
        await piled.close();
        assert.deepEqual(await s.snapshotZxids(), [50, 55, 60], 'the first snapshot after opening purged; the next did not');
      } finally {
        await s.dispose();
      }
    });
  });
}
