// The behaviour every TxnStore must have, run against LevelStorage (a real LevelDB in a temp dir),
// MemoryStorage (its in-memory twin), and SegmentStorage on real files and on the in-memory file port,
// so no engine and no twin can drift from the others. What a store holds is checked the way the server
// sees it, by recover() after a reopen, or through the subject's raw view of its storage.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Txn } from '../../protocol/index.js';
import {
  CorruptStorageError, SnapshotInProgressError, StorageClosedError, StorageFormatError, StorageStateError, type StorageLogger,
  type StorageOptions,
} from '../../src/storage/index.js';
import {
  type Implementation, type Store, type Subject, levelImpl, memoryImpl, segmentFilesImpl, segmentMemoryImpl,
} from '../support/storage-subjects.js';

const EPOCH = 2 ** 32;

function makeTxn(zxid: number, tag = 0): Txn {
  const i = zxid % 1000;
  return {
    zxid, time: 1_700_000_000_000 + i, sessionId: 0x1234, xid: i + tag,
    body: {
      type: 'create', path: `/n/${zxid}-${tag}`, data: new Uint8Array([i & 0xff, tag & 0xff, 0, 255]),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], kind: 'persistent', ephemeralOwner: 0, ttlMs: 0,
    },
  };
}

function makeNodes(count: number): Array<{ path: string; data: Uint8Array; version: number }> {
  return Array.from({ length: count }, (_, i) => ({ path: `/n/${i}`, data: new Uint8Array([i & 0xff, (i >> 8) & 0xff]), version: i % 7 }));
}

/** A logger that remembers warnings, to check that a torn tail is reported. */
class RecordingLogger implements StorageLogger {
  readonly warnings: string[] = [];
  info(): void {}
  warn(msg: string): void {
    this.warnings.push(msg);
  }
}

/**
 * The raw log holds exactly `expected`, except that an engine that purges whole segments may also keep
 * records at or below `purgedThrough`, as long as they are records that were logged.
 */
async function assertLog(s: Subject, expected: readonly number[], purgedThrough = 0, logged: readonly number[] = expected): Promise<void> {
  const actual = await s.loggedZxids();
  if (!s.purgesWholeSegments) {
    assert.deepEqual(actual, expected);
    return;
  }
  assert.deepEqual(actual.filter((z) => z > purgedThrough), expected.filter((z) => z > purgedThrough));
  for (const z of actual) if (z <= purgedThrough) assert.ok(logged.includes(z), `record ${z} was never logged`);
}

async function appendAll(store: Store, txns: readonly Txn[]): Promise<void> {
  await Promise.all(txns.map((t) => store.append(t)));
}

function zxids(txns: readonly Txn[]): number[] {
  return txns.map((t) => t.zxid);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Runs `body` with a fresh subject and a store opened on it; closes and cleans up afterwards. */
async function withStore(impl: Implementation, body: (s: Subject, store: Store) => Promise<Store | void>): Promise<void> {
  const s = await impl.subject();
  let store = await s.open();
  try {
    await store.recover();
    store = (await body(s, store)) ?? store;
  } finally {
    await store.close();
    await s.dispose();
  }
}

/** Closes the store (LevelDB allows one opener), runs fn with raw access, and reopens and recovers it. */
async function whileClosed(s: Subject, store: Store, fn: () => Promise<void>): Promise<Store> {
  await store.close();
  await fn();
  const reopened = await s.open();
  await reopened.recover();
  return reopened;
}

async function reopen(s: Subject, store: Store, opts?: StorageOptions): Promise<Store> {
  await store.close();
  return s.open(opts);
}

for (const impl of [levelImpl, memoryImpl, segmentFilesImpl, segmentMemoryImpl]) {
  describe(`${impl.name}: txn log`, () => {
    test('append, close, reopen, recover returns the same txns in order', () => withStore(impl, async (s, store) => {
      const txns = [1, 2, 3, EPOCH + 1, EPOCH + 2, 3 * EPOCH + 7].map((z) => makeTxn(z));
      txns.push({ zxid: 3 * EPOCH + 8, time: 5, sessionId: 0, xid: -1, body: { type: 'multi', txns: [
        { type: 'setData', path: '/a', data: new Uint8Array(0) }, { type: 'delete', path: '/b' }, { type: 'check', path: '/c' },
      ] } });
      txns.push({ zxid: 3 * EPOCH + 9, time: 6, sessionId: 77, xid: 3,
        body: { type: 'createSession', sessionId: 77, timeoutMs: 4000, passwd: new Uint8Array(16).fill(9) } });
      await appendAll(store, txns);
      store = await reopen(s, store);
      const state = await store.recover();
      assert.deepEqual(state.txns, txns);
      assert.equal(state.snapshot, undefined);
      assert.equal(state.lastZxid, 3 * EPOCH + 9);
      return store;
    }));

    test('empty store recovers to nothing', () => withStore(impl, async (_s, store) => {
      assert.deepEqual(await store.recover(), { snapshot: undefined, txns: [], lastZxid: 0 });
    }));

    test('zxids must increase', () => withStore(impl, async (s, store) => {
      await store.append(makeTxn(5));
      await assert.rejects(store.append(makeTxn(5)), StorageStateError);
      await assert.rejects(store.append(makeTxn(4)), StorageStateError);
      await assert.rejects(store.append(makeTxn(-1)), RangeError);
      await store.append(makeTxn(6));
      store = await reopen(s, store);
      assert.deepEqual(zxids((await store.recover()).txns), [5, 6]);
      return store;
    }));

    test('appendBatch writes a batch as one durable write, and refuses a whole batch whose zxids do not increase', () => withStore(impl, async (s, store) => {
      const before = store.stats.syncedBatches;
      await store.appendBatch(range(1, 300).map((z) => makeTxn(z)));
      assert.equal(store.stats.syncedBatches - before, 1);
      assert.equal(store.stats.durableZxid, 300);
      await assert.rejects(store.appendBatch([makeTxn(301), makeTxn(303), makeTxn(302)]), StorageStateError);
      await assert.rejects(store.appendBatch([makeTxn(301), makeTxn(300)]), StorageStateError);
      await store.appendBatch([]);
      await store.appendBatch([makeTxn(301), makeTxn(302)]);
      store = await reopen(s, store);
      assert.deepEqual(zxids((await store.recover()).txns), range(1, 302), 'nothing of a refused batch was written');
      return store;
    }));

    test('group commit: 1000 appends without awaiting share a few synced batches', () => withStore(impl, async (s, store) => {
      const resolved: number[] = [];
      const before = store.stats.syncedBatches;
      const promises = range(1, 1000).map((z) => store.append(makeTxn(z)).then(() => {
        assert.ok(store.stats.durableZxid >= z, 'resolved before its batch completed');
        resolved.push(z);
      }));
      await Promise.all(promises);
      const batches = store.stats.syncedBatches - before;
      assert.ok(batches >= 1 && batches <= 10, `expected a few batches, got ${batches}`);
      assert.deepEqual(resolved, range(1, 1000), 'promises resolve in append order');
      store = await reopen(s, store);
      assert.deepEqual(zxids((await store.recover()).txns), range(1, 1000));
      return store;
    }));

    test('group commit: appends in bursts across event-loop turns never need more batches than bursts', () => withStore(impl, async (_s, store) => {
      const before = store.stats.syncedBatches;
      const promises: Array<Promise<void>> = [];
      for (let burst = 0; burst < 10; burst++) {
        for (let i = 1; i <= 100; i++) promises.push(store.append(makeTxn(burst * 100 + i)));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(promises);
      const batches = store.stats.syncedBatches - before;
      assert.ok(batches <= 10, `expected at most 10 batches, got ${batches}`);
    }));

    test('group commit respects batchWritesMax', () => withStore(impl, async (s, store) => {
      store = await reopen(s, store, { batchWritesMax: 100 });
      await store.recover();
      await appendAll(store, range(1, 1000).map((z) => makeTxn(z)));
      assert.ok(store.stats.largestBatchWrites <= 100);
      assert.ok(store.stats.syncedBatches >= 10);
      return store;
    }));

    test('flush resolves after everything appended so far', () => withStore(impl, async (_s, store) => {
      for (const z of range(1, 50)) void store.append(makeTxn(z));
      await store.flush();
      assert.equal(store.stats.durableZxid, 50);
      await store.flush();
    }));

    test('closed store refuses appends', () => withStore(impl, async (s, store) => {
      await store.close();
      await assert.rejects(store.append(makeTxn(1)), StorageClosedError);
      return s.open();
    }));
  });

  describe(`${impl.name}: snapshots`, () => {
    test('snapshot + recover gives the snapshot and only later txns; old log and snapshots are purged', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      const nodes = makeNodes(2500);
      const sessions = [{ id: 1, timeoutMs: 3000 }, { id: 2, timeoutMs: 5000 }];
      await store.writeSnapshot({ zxid: 5, nodes, sessions });
      await appendAll(store, [makeTxn(11), makeTxn(12)]);
      store = await reopen(s, store);
      const state = await store.recover();
      assert.deepEqual(state.snapshot, { zxid: 5, nodes, sessions });
      assert.deepEqual(zxids(state.txns), range(6, 12));
      store = await whileClosed(s, store, async () => {
        await assertLog(s, range(1, 12));
      });

      await store.writeSnapshot({ zxid: 10, nodes: makeNodes(3), sessions: [] });
      store = await whileClosed(s, store, async () => {
        await assertLog(s, range(6, 12), 5, range(1, 12));
      });
      const second = await store.recover();
      assert.equal(second.snapshot?.zxid, 10);
      assert.deepEqual(zxids(second.txns), [11, 12]);

      await store.writeSnapshot({ zxid: 12, nodes: makeNodes(1), sessions: [] });
      store = await whileClosed(s, store, async () => {
        assert.deepEqual(await s.snapshotZxids(), [10, 12], 'the previous snapshot is kept, older ones are deleted');
        await assertLog(s, [11, 12], 10, range(1, 12));
      });
      assert.deepEqual(zxids((await store.recover()).txns), []);
      return store;
    }));

    test('reviveSnapshotNode turns every node, and only nodes, into the caller\'s form as it is read back', () => withStore(impl, async (s, store) => {
      const nodes = makeNodes(2500);
      const sessions = [{ id: 1, timeoutMs: 3000 }];
      await store.writeSnapshot({ zxid: 5, nodes, sessions });
      const seen: unknown[] = [];
      store = await reopen(s, store, { reviveSnapshotNode: (n) => (seen.push(n), { revived: (n as { path: string }).path }) });
      const state = await store.recover();
      assert.deepEqual(seen, nodes, 'each node once, in order, as written');
      assert.deepEqual(state.snapshot, { zxid: 5, nodes: nodes.map((n) => ({ revived: n.path })), sessions });
      return store;
    }));

    test('an incomplete snapshot (no meta) is ignored and deleted by the next snapshot', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 5, nodes: makeNodes(10), sessions: [] });
      await store.writeSnapshot({ zxid: 8, nodes: makeNodes(20), sessions: [] });
      await store.close();
      await s.makeSnapshotIncomplete(8);
      store = await s.open();
      const state = await store.recover();
      assert.equal(state.snapshot?.zxid, 5);
      assert.deepEqual(zxids(state.txns), range(6, 10));
      await store.writeSnapshot({ zxid: 10, nodes: makeNodes(5), sessions: [] });
      return whileClosed(s, store, async () => {
        assert.deepEqual(await s.snapshotZxids(), [5, 10]);
      });
    }));

    test('a flipped byte in the newest snapshot falls back to the previous one', () => withStore(impl, async (s, store) => {
      const logger = new RecordingLogger();
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 4, nodes: makeNodes(1500), sessions: [] });
      await store.writeSnapshot({ zxid: 8, nodes: makeNodes(1500), sessions: [] });
      await store.close();
      await s.corruptSnapshot(8, 'secondChunk');
      store = await s.open({ logger });
      const state = await store.recover();
      assert.equal(state.snapshot?.zxid, 4);
      assert.deepEqual(zxids(state.txns), range(5, 10));
      assert.ok(logger.warnings.length > 0, 'the corrupt snapshot is reported');
      return whileClosed(s, store, async () => {
        assert.deepEqual(await s.snapshotZxids(), [4], 'the corrupt snapshot is deleted');
      });
    }));

    test('a corrupt only snapshot is CorruptStorageError', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 8, nodes: makeNodes(100), sessions: [{ id: 1 }] });
      await store.close();
      await s.corruptSnapshot(8, 'sessions');
      store = await s.open();
      await assert.rejects(store.recover(), (err) => err instanceof CorruptStorageError && err.key === s.snapshotPartKey(8, 'sessions'));
      return store;
    }));

    test('snapshot zxid rules: same zxid is a no-op, older is refused, one at a time', () => withStore(impl, async (_s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 6, nodes: makeNodes(3), sessions: [] });
      await store.writeSnapshot({ zxid: 6, nodes: makeNodes(4), sessions: [] });
      assert.equal(store.stats.snapshotsWritten, 1);
      await assert.rejects(store.writeSnapshot({ zxid: 5, nodes: [], sessions: [] }), StorageStateError);
      const first = store.writeSnapshot({ zxid: 8, nodes: makeNodes(3000), sessions: [] });
      await assert.rejects(store.writeSnapshot({ zxid: 9, nodes: [], sessions: [] }), SnapshotInProgressError);
      await first;
    }));

    test('writeSnapshot of 200k nodes gives the event loop a turn between its chunks', (t) => withStore(impl, async (s, store) => {
      await store.append(makeTxn(1));
      const nodes = makeNodes(200_000);
      // Counted in turns, not timed: the write must let other work run at least once per chunk of 1000 nodes.
      let turns = 0;
      let maxGapMs = 0;
      let last = performance.now();
      let running = true;
      const tick = (): void => {
        const now = performance.now();
        maxGapMs = Math.max(maxGapMs, now - last);
        last = now;
        turns++;
        if (running) setImmediate(tick);
      };
      setImmediate(tick);
      await store.writeSnapshot({ zxid: 1, nodes, sessions: [] });
      running = false;
      t.diagnostic(`event-loop turns during the write: ${turns}; longest stall ${maxGapMs.toFixed(1)} ms`);
      assert.ok(turns >= 200, `the write let the event loop turn only ${turns} times for 200 chunks`);
      store = await reopen(s, store);
      const state = await store.recover();
      assert.equal(state.snapshot?.nodes.length, 200_000);
      assert.deepEqual(state.snapshot?.nodes[123_456], nodes[123_456]);
      return store;
    }));
  });

  describe(`${impl.name}: corruption in the log`, () => {
    test('a corrupt last record is a torn tail: warned, dropped, and the log goes on', () => withStore(impl, async (s, store) => {
      const logger = new RecordingLogger();
      await appendAll(store, range(1, 5).map((z) => makeTxn(z)));
      await store.close();
      await s.corruptLogRecord(5, 3);
      store = await s.open({ logger });
      const state = await store.recover();
      assert.deepEqual(zxids(state.txns), range(1, 4));
      assert.equal(state.lastZxid, 4);
      assert.equal(logger.warnings.length, 1);
      await store.append(makeTxn(5, 1));
      store = await reopen(s, store);
      assert.deepEqual((await store.recover()).txns[4], makeTxn(5, 1));
      return store;
    }));

    test('a corrupt record followed by valid ones is CorruptStorageError', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 5).map((z) => makeTxn(z)));
      await store.close();
      await s.corruptLogRecord(3, 10);
      const key = await s.logRecordKey(3);
      store = await s.open();
      await assert.rejects(store.recover(), (err) => err instanceof CorruptStorageError && err.key === key);
      return store;
    }));

    test('a record moved under another key does not verify', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 3).map((z) => makeTxn(z)));
      await store.close();
      await s.moveLogRecord(1, 2);
      store = await s.open();
      await assert.rejects(store.recover(), CorruptStorageError);
      return store;
    }));
  });

  describe(`${impl.name}: ZAB support`, () => {
    test('truncateAfter drops later txns, on disk and still pending, and lowers the append bar', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.truncateAfter(6);
      store = await reopen(s, store);
      assert.deepEqual(zxids((await store.recover()).txns), range(1, 6));
      await assert.rejects(store.append(makeTxn(6, 2)), StorageStateError);
      const pending = [store.append(makeTxn(7, 1)), store.append(makeTxn(8, 1))];
      const truncated = store.truncateAfter(7);
      const later = store.append(makeTxn(9, 1));
      await Promise.all([...pending, truncated, later]);
      store = await reopen(s, store);
      const state = await store.recover();
      assert.deepEqual(state.txns, [...range(1, 6).map((z) => makeTxn(z)), makeTxn(7, 1), makeTxn(9, 1)]);
      return store;
    }));

    test('truncateAfter below the latest snapshot is refused', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 8, nodes: [], sessions: [] });
      await assert.rejects(store.truncateAfter(7), StorageStateError);
      await store.truncateAfter(8);
      return whileClosed(s, store, async () => {
        await assertLog(s, range(1, 8));
      });
    }));

    test('installSnapshot replaces the state: only that snapshot and an empty log remain', () => withStore(impl, async (s, store) => {
      await appendAll(store, range(1, 10).map((z) => makeTxn(z)));
      await store.writeSnapshot({ zxid: 5, nodes: makeNodes(10), sessions: [] });
      const nodes = makeNodes(1200);
      await store.installSnapshot({ zxid: 8, nodes, sessions: [{ id: 3 }] });
      store = await whileClosed(s, store, async () => {
        assert.deepEqual(await s.loggedZxids(), [], 'the local log is dropped, below the snapshot too');
      });
      await store.recover();
      await store.append(makeTxn(9, 1));
      store = await reopen(s, store);
      const state = await store.recover();
      assert.deepEqual(state.snapshot, { zxid: 8, nodes, sessions: [{ id: 3 }] });
      assert.deepEqual(state.txns, [makeTxn(9, 1)]);

      await store.installSnapshot({ zxid: 3, nodes: [], sessions: [] });
      store = await whileClosed(s, store, async () => {
        assert.deepEqual(await s.loggedZxids(), []);
        assert.deepEqual(await s.snapshotZxids(), [3]);
      });
      assert.deepEqual(await store.recover(), { snapshot: { zxid: 3, nodes: [], sessions: [] }, txns: [], lastZxid: 3 });
      return store;
    }));

    test('epochs round-trip across reopen', () => withStore(impl, async (s, store) => {
      assert.equal(await store.getMeta('acceptedEpoch'), undefined);
      await store.setMeta('acceptedEpoch', 3);
      await store.setMeta('currentEpoch', 2);
      await store.setMeta('acceptedEpoch', 4);
      await assert.rejects(store.setMeta('currentEpoch', -1), RangeError);
      store = await reopen(s, store);
      assert.equal(await store.getMeta('acceptedEpoch'), 4);
      assert.equal(await store.getMeta('currentEpoch'), 2);
      return store;
    }));

    test('a store of another format is refused', () => withStore(impl, async (s, store) => {
      await store.close();
      const restore = await s.breakFormat();
      await assert.rejects(s.open(), StorageFormatError);
      await restore();
      return s.open();
    }));
  });
}
