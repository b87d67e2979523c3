// The segment store with its log in a directory of its own (dataLogDir), on two in-memory disks: files land
// where segment-layout.ts says, recovery, purge, truncation and install hold across the two directories
// (also when both crash at any point), and a store opened with the wrong log directory refuses to start.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Txn } from '../../protocol/index.js';
import { LogDirMismatchError, MemoryFileDisk, MemoryFilePort, SegmentStorage, type SegmentStorageOptions, type SyncMode } from '../../src/storage/index.js';
import { Prng } from '../sim/prng.js';
import { RecordingLogger, appendBatches, cloneDisk, makeTxn, range, untilTrue } from '../support/segment-store.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function zxids(txns: readonly Txn[]): number[] {
  return txns.map((t) => t.zxid);
}

interface SplitStore {
  store: SegmentStorage;
  dataPort: MemoryFilePort;
  logPort: MemoryFilePort;
  logger: RecordingLogger;
}

/** Opens a store with meta and snapshots on dataDisk and the segments on logDisk (logWhere names that directory). */
async function openSplit(
  dataDisk: MemoryFileDisk, logDisk: MemoryFileDisk | undefined, opts: SegmentStorageOptions & { syncMode?: SyncMode; logWhere?: string } = {},
): Promise<SplitStore> {
  const dataPort = new MemoryFilePort(dataDisk, 'auto', 'data');
  const logPort = new MemoryFilePort(logDisk ?? dataDisk, 'auto', opts.logWhere ?? 'log');
  const logger = new RecordingLogger();
  const store = await SegmentStorage.open(dataPort, { logger, ...opts, ...(logDisk !== undefined ? { logPort } : {}) });
  dataPort.setSyncMode(opts.syncMode ?? 'auto');
  logPort.setSyncMode(opts.syncMode ?? 'auto');
  return { store, dataPort, logPort, logger };
}

const isSegment = (n: string): boolean => n.startsWith('log.');

describe('SegmentStorage with a separate log directory', () => {
  test('segments and logmeta go to the log directory; meta and snapshots stay; a reopen recovers both', async () => {
    const dataDisk = new MemoryFileDisk();
    const logDisk = new MemoryFileDisk();
    const { store } = await openSplit(dataDisk, logDisk, { segmentBytesMax: 1 });
    await store.recover();
    await appendBatches(store, [[1, 2], [3], [4, 5]]);
    await store.writeSnapshot({ zxid: 3, nodes: ['at3'], sessions: [] });
    await store.append(makeTxn(6));
    await store.close();
    assert.deepEqual(dataDisk.fileNames(), ['meta', 'snap.0000000000000003']);
    assert.deepEqual(logDisk.fileNames(), ['log.0000000000000001', 'log.0000000000000003', 'log.0000000000000004', 'log.0000000000000006', 'logmeta']);
    const again = await openSplit(dataDisk, logDisk);
    const state = await again.store.recover();
    assert.deepEqual(state.snapshot, { zxid: 3, nodes: ['at3'], sessions: [] });
    assert.deepEqual(zxids(state.txns), [4, 5, 6]);
    await again.store.close();
  });

  test('purge unlinks segments in the log directory; truncation cuts there; recovery falls back across both', async () => {
    const dataDisk = new MemoryFileDisk();
    const logDisk = new MemoryFileDisk();
    const { store } = await openSplit(dataDisk, logDisk, { segmentBytesMax: 1, retention: { snapRetainCount: 2 } });
    await store.recover();
    await appendBatches(store, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    await store.writeSnapshot({ zxid: 5, nodes: [5], sessions: [] });
    await store.writeSnapshot({ zxid: 11, nodes: [11], sessions: [] });
    assert.deepEqual(logDisk.fileNames().filter(isSegment), ['log.0000000000000004', 'log.0000000000000007', 'log.000000000000000a']);
    await store.truncateAfter(11);
    await store.close();
    // The newest snapshot fails verification: the older one and the log after it are still there.
    const snap = dataDisk.readFile('snap.000000000000000b')!;
    snap[30] = snap[30]! ^ 0xff;
    dataDisk.writeFile('snap.000000000000000b', snap);
    const again = await openSplit(dataDisk, logDisk);
    const state = await again.store.recover();
    assert.equal(state.snapshot?.zxid, 5);
    assert.deepEqual(zxids(state.txns), range(6, 11), 'truncated after 11');
    await again.store.close();
  });

  test('an install empties the log directory, and a crash at any sync leaves the old state or the new, whole', async () => {
    for (let crashAfter = 0; crashAfter < 12; crashAfter++) {
      const dataDisk = new MemoryFileDisk();
      const logDisk = new MemoryFileDisk();
      const setup = await openSplit(dataDisk, logDisk, { segmentBytesMax: 1 });
      await setup.store.recover();
      await appendBatches(setup.store, [[1, 2, 3], [4, 5, 6]]);
      await setup.store.writeSnapshot({ zxid: 2, nodes: ['old'], sessions: [] });
      await setup.store.close();
      const run = await openSplit(dataDisk, logDisk, { syncMode: 'manual', segmentBytesMax: 1 });
      await run.store.recover();
      let settled = false;
      run.store.installSnapshot({ zxid: 4, nodes: ['new'], sessions: [] }).then(() => (settled = true), () => (settled = true));
      for (let done = 0; done < crashAfter && !settled; done++) {
        await untilTrue(() => run.dataPort.pendingSyncs + run.logPort.pendingSyncs > 0 || settled, 'a sync');
        if (!run.dataPort.completeSync()) run.logPort.completeSync();
      }
      run.dataPort.crash();
      run.logPort.crash();
      await turn();
      const after = await openSplit(dataDisk, logDisk);
      const state = await after.store.recover();
      const label = `crash after ${crashAfter} syncs`;
      if (state.snapshot?.zxid === 4) {
        assert.deepEqual(state.txns, [], `${label}: the old log is gone, 5 and 6 with it`);
        await after.store.close();
        assert.deepEqual(logDisk.fileNames().filter(isSegment), [], label);
      } else {
        assert.equal(state.snapshot?.zxid, 2, label);
        assert.deepEqual(zxids(state.txns), range(3, 6), `${label}: the old state is whole`);
        await after.store.close();
      }
    }
  });

  test('seeded crashes of both directories: recovery gives an acknowledged prefix and a snapshot that was written', async () => {
    for (let seed = 1; seed <= 40; seed++) await crashRun(seed);
  });
});

/**
 * One seeded run: appends, snapshots (each purging across the two directories), syncs completing at random on
 * either disk, then both crash, each keeping a random prefix of its unsynced operations and maybe a torn write.
 */
async function crashRun(seed: number): Promise<void> {
  const rng = new Prng(seed);
  const dataDisk = new MemoryFileDisk();
  const logDisk = new MemoryFileDisk();
  const segmentBytesMax = rng.pick([1, 300, 1 << 20]);
  const { store, dataPort, logPort } = await openSplit(dataDisk, logDisk, { syncMode: 'manual', segmentBytesMax, retention: { snapRetainCount: rng.int(2, 4) } });
  await store.recover();
  let last = 0;
  let ackedThrough = 0;
  let snapshotAcked = 0;
  let snapshotting = false;
  for (let step = 0; step < 80; step++) {
    const roll = rng.next();
    if (roll < 0.35) {
      const batch = range(last + 1, last + rng.int(1, 4));
      last = batch[batch.length - 1]!;
      const top = last;
      void Promise.all(batch.map((z) => store.append(makeTxn(z)))).then(() => (ackedThrough = Math.max(ackedThrough, top)), () => undefined);
    } else if (roll < 0.45 && !snapshotting && last > snapshotAcked) {
      const zxid = last;
      snapshotting = true;
      store.writeSnapshot({ zxid, nodes: [zxid], sessions: [] })
        .then(() => (snapshotAcked = zxid), () => undefined).finally(() => (snapshotting = false));
    } else {
      const port = rng.chance(0.5) ? dataPort : logPort;
      if (!port.completeSync()) (port === dataPort ? logPort : dataPort).completeSync();
    }
    await turn();
  }
  for (const port of [dataPort, logPort]) port.crash({ keepOps: rng.int(0, port.unsyncedOps), tearBytes: rng.chance(0.5) ? rng.int(1, 200) : 0 });
  await turn();
  const after = await openSplit(dataDisk, logDisk);
  const state = await after.store.recover();
  await after.store.close();
  const base = state.snapshot?.zxid ?? 0;
  const label = `seed ${seed}`;
  assert.ok(base >= snapshotAcked, `${label}: recovered snapshot ${base} is older than the acknowledged ${snapshotAcked}`);
  if (state.snapshot !== undefined) assert.deepEqual(state.snapshot.nodes, [base], `${label}: the snapshot is one that was written`);
  assert.deepEqual(zxids(state.txns), range(base + 1, state.lastZxid), `${label}: the log after the snapshot has no gap`);
  assert.ok(state.lastZxid >= ackedThrough, `${label}: recovered through ${state.lastZxid}, acknowledged through ${ackedThrough}`);
}

describe('SegmentStorage refuses a log directory that does not belong to its store', () => {
  async function writtenSplit(): Promise<{ dataDisk: MemoryFileDisk; logDisk: MemoryFileDisk }> {
    const dataDisk = new MemoryFileDisk();
    const logDisk = new MemoryFileDisk();
    const { store } = await openSplit(dataDisk, logDisk);
    await store.recover();
    await appendBatches(store, [[1, 2, 3]]);
    await store.close();
    return { dataDisk, logDisk };
  }

  const mismatch = (pattern: RegExp) => (e: unknown): boolean => e instanceof LogDirMismatchError && pattern.test(e.message);

  test('written with a log directory, opened without one', async () => {
    const { dataDisk } = await writtenSplit();
    await assert.rejects(openSplit(dataDisk, undefined), mismatch(/separate log directory \(log\)/));
  });

  test('written without a log directory, opened with one', async () => {
    const dataDisk = new MemoryFileDisk();
    const { store } = await openSplit(dataDisk, undefined);
    await store.recover();
    await store.append(makeTxn(1));
    await store.close();
    await assert.rejects(openSplit(dataDisk, new MemoryFileDisk()), mismatch(/written without dataLogDir/));
  });

  test('opened with an empty log directory, or with another store\'s', async () => {
    const { dataDisk } = await writtenSplit();
    await assert.rejects(openSplit(dataDisk, new MemoryFileDisk()), mismatch(/holds no txn log of data; it was last opened with log/));
    const other = await writtenSplit();
    await assert.rejects(openSplit(dataDisk, other.logDisk), mismatch(/another data directory/));
    // A new store never takes a log directory that holds segments.
    await assert.rejects(openSplit(new MemoryFileDisk(), other.logDisk), mismatch(/holds txn log segments/));
  });

  test('a log directory that moved but holds this store\'s log is taken, and meta records where it is now', async () => {
    const { dataDisk, logDisk } = await writtenSplit();
    const moved = await openSplit(dataDisk, cloneDisk(logDisk), { logWhere: 'elsewhere' });
    assert.deepEqual(zxids((await moved.store.recover()).txns), [1, 2, 3]);
    await moved.store.close();
    await assert.rejects(openSplit(dataDisk, undefined), mismatch(/\(elsewhere\)/));
  });

  test('a crash between logmeta and meta of a new store leaves a log directory the next open takes', async () => {
    const logDisk = new MemoryFileDisk();
    const logPort = new MemoryFilePort(logDisk, 'auto', 'log');
    const file = await logPort.create('logmeta');
    await file.append([new Uint8Array([1, 2, 3])]);
    await file.sync();
    await logPort.close();
    const { store } = await openSplit(new MemoryFileDisk(), logDisk);
    await store.recover();
    await store.close();
  });
});
