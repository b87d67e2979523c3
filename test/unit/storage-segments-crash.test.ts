// The segment store under crashes: on the in-memory disk, exactly (unsynced data lost, a prefix of it kept,
// the next write torn) and at random points of seeded runs checked against a model; and on real files, a
// process killed with SIGKILL. Run with the argument 'child <dir>', this file is the process that gets killed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNever } from '../../protocol/assert-never.js';
import type { Txn } from '../../protocol/index.js';
import { type CrashOptions, MemoryFileDisk, type MetaKey, SegmentStorage, StorageWriteError } from '../../src/storage/index.js';
import { Prng } from '../sim/prng.js';
import { makeTxn, openOn, range, untilTrue } from '../support/segment-store.js';
import { appendAndReportAcks, assertAckedPrefixRecovered, killAfterAcks } from '../support/kill-after-acks.js';

const EPOCH = 2 ** 32;

function zxids(txns: readonly Txn[]): number[] {
  return txns.map((t) => t.zxid);
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Bytes of the frame of one txn from makeTxn with a one-digit zxid. */
async function oneTxnFrameBytes(): Promise<number> {
  const disk = new MemoryFileDisk();
  const { store } = await openOn(disk);
  await store.recover();
  await store.append(makeTxn(1));
  await store.close();
  return disk.readFile('log.0000000000000001')!.length;
}

/** The logical state after a prefix of the writes: the log and the epochs. */
interface ModelState {
  log: Txn[];
  epochs: Partial<Record<MetaKey, number>>;
}

type ModelOp =
  | { type: 'append'; txn: Txn }
  | { type: 'truncate'; zxid: number }
  | { type: 'meta'; key: MetaKey; value: number };

function applyOp(state: ModelState, op: ModelOp): ModelState {
  switch (op.type) {
    case 'append': return { ...state, log: [...state.log, op.txn] };
    case 'truncate': return { ...state, log: state.log.filter((t) => t.zxid <= op.zxid) };
    case 'meta': return { ...state, epochs: { ...state.epochs, [op.key]: op.value } };
    default: return assertNever(op, 'model op');
  }
}

/**
 * One seeded run: appends in bursts, truncations, epoch updates and snapshots, with the disk's syncs
 * completing at random, then a crash that keeps a random prefix of the unsynced operations and may
 * tear the next. Recovery must give the state after some prefix of the writes that includes every
 * acknowledged one (or part-way through a truncation: a log cut anywhere above its point), and a
 * snapshot no older than the newest acknowledged.
 */
async function crashRun(seed: number): Promise<void> {
  const rng = new Prng(seed);
  const disk = new MemoryFileDisk();
  const { port, store } = await openOn(disk, { syncMode: 'manual', segmentBytesMax: rng.pick([1, 300, 2000, 1 << 20]) });
  await store.recover();
  const ops: ModelOp[] = [];
  const resolved: boolean[] = [];
  const snapshots = new Map<number, number[]>();
  let snapshotAcked = 0;
  let snapshotInFlight = false;
  let floor = 0;
  let last = 0;
  let tag = 0;
  const submit = (op: ModelOp, p: Promise<void>): void => {
    const index = ops.push(op) - 1;
    resolved.push(false);
    p.then(() => (resolved[index] = true), () => undefined);
  };
  for (let step = 0; step < 60; step++) {
    const roll = rng.next();
    if (roll < 0.35) {
      for (let n = rng.int(1, 6); n > 0; n--) {
        last = rng.chance(0.05) ? (Math.floor(last / EPOCH) + 1) * EPOCH + 1 : last + 1;
        const txn = makeTxn(last, ++tag);
        submit({ type: 'append', txn }, store.append(txn));
      }
    } else if (roll < 0.45 && last > floor) {
      const zxid = rng.int(floor, last);
      last = zxid;
      submit({ type: 'truncate', zxid }, store.truncateAfter(zxid));
    } else if (roll < 0.52) {
      const key = rng.pick<MetaKey>(['acceptedEpoch', 'currentEpoch']);
      const value = rng.int(0, 50);
      submit({ type: 'meta', key, value }, store.setMeta(key, value));
    } else if (roll < 0.6 && !snapshotInFlight && last > floor) {
      const model = ops.reduce(applyOp, { log: [], epochs: {} });
      const snap = { zxid: last, nodes: zxids(model.log), sessions: [] };
      snapshots.set(snap.zxid, snap.nodes);
      snapshotInFlight = true;
      floor = last;
      store.writeSnapshot(snap).then(() => (snapshotAcked = Math.max(snapshotAcked, snap.zxid)), () => undefined)
        .finally(() => (snapshotInFlight = false));
    } else if (port.pendingSyncs > 0) {
      port.completeSync();
    }
    await turn();
  }
  port.crash({ keepOps: rng.int(0, port.unsyncedOps), tearBytes: rng.chance(0.5) ? rng.int(1, 400) : 0 });
  await turn();
  const ackedCount = resolved.indexOf(false) === -1 ? resolved.length : resolved.indexOf(false);
  assert.ok(resolved.slice(ackedCount).every((r) => !r), 'writes are acknowledged in order');

  const after = await openOn(disk);
  const state = await after.store.recover();
  const epochs = { acceptedEpoch: await after.store.getMeta('acceptedEpoch'), currentEpoch: await after.store.getMeta('currentEpoch') };
  await after.store.close();
  const base = state.snapshot?.zxid ?? 0;
  assert.ok(base >= snapshotAcked, `recovered snapshot ${base} is older than the acknowledged ${snapshotAcked}`);
  if (state.snapshot !== undefined) assert.deepEqual(state.snapshot.nodes, snapshots.get(base), 'the snapshot is one that was written');
  assertPassedThrough(ops, ackedCount, { log: state.txns, epochs }, base);
}

/** The recovered log after base and epochs are the state after some prefix of ops that holds the first ackedCount. */
function assertPassedThrough(ops: readonly ModelOp[], ackedCount: number, recovered: ModelState, base: number): void {
  const { log: txns, epochs } = recovered;
  let model: ModelState = { log: [], epochs: {} };
  const matches = (m: ModelState): boolean =>
    (m.epochs.acceptedEpoch === epochs.acceptedEpoch && m.epochs.currentEpoch === epochs.currentEpoch) &&
    JSON.stringify(m.log.filter((t) => t.zxid > base).map((t) => [t.zxid, t.xid])) === JSON.stringify(txns.map((t) => [t.zxid, t.xid]));
  for (let k = 0; k <= ops.length; k++) {
    if (k >= ackedCount && matches(model)) return;
    const op = ops[k];
    // A truncation a crash interrupted may have dropped only the newest of the txns above its point.
    if (op?.type === 'truncate' && k >= ackedCount) {
      for (let keep = model.log.filter((t) => t.zxid <= op.zxid).length; keep < model.log.length; keep++) {
        if (matches({ ...model, log: model.log.slice(0, keep) })) return;
      }
    }
    if (op !== undefined) model = applyOp(model, op);
  }
  assert.fail(`recovered ${JSON.stringify(zxids(txns))} (snapshot ${base}, epochs ${JSON.stringify(epochs)}) is no state after ${ackedCount}..${ops.length} writes`);
}

// ---- on real files: a process killed with SIGKILL ----

/** The child: appends forever and prints each zxid once it is durable. */
async function runChild(dir: string): Promise<void> {
  await appendAndReportAcks(await SegmentStorage.openDir(dir, { segmentBytesMax: 64 * 1024 }), makeTxn);
}

if (process.argv[2] === 'child') {
  await runChild(process.argv[3]!);
} else {
  describe('SegmentStorage: a crash on the in-memory disk', () => {
    test('loses exactly what was not synced, keeps a prefix of it, and cuts a torn write', async () => {
      // Every variant replays the same run and crashes it at the same point, keeping more or less of the
      // last batch's unsynced operations: the new segment's name, then the write of txns 7 and 8.
      const frameBytes = await oneTxnFrameBytes();
      const variants: Array<{ crash: CrashOptions; recovered: number[]; torn: boolean }> = [
        { crash: { keepOps: 0 }, recovered: range(1, 6), torn: false },
        { crash: { keepOps: 1 }, recovered: range(1, 6), torn: true },
        { crash: { keepOps: 2 }, recovered: range(1, 8), torn: false },
        { crash: { keepOps: 1, tearBytes: 20 }, recovered: range(1, 6), torn: true },
        { crash: { keepOps: 1, tearBytes: frameBytes + 20 }, recovered: range(1, 7), torn: true },
      ];
      for (const { crash, recovered, torn } of variants) {
        const disk = new MemoryFileDisk();
        const { port, store } = await openOn(disk, { syncMode: 'manual', segmentBytesMax: 1 });
        await store.recover();
        const acked: number[] = [];
        const track = (z: number): Promise<void> => store.append(makeTxn(z)).then(() => void acked.push(z), () => undefined);
        // Three batches, each on a new segment, each synced: the data, then the segment's name.
        for (const batch of [[1, 2], [3], [4, 5, 6]]) {
          const done = Promise.all(batch.map(track));
          for (let syncs = 0; syncs < 2; syncs++) {
            await untilTrue(() => port.pendingSyncs > 0, 'a sync');
            port.completeSync();
          }
          await done;
        }
        const lost = [7, 8].map(track);
        await untilTrue(() => port.pendingSyncs > 0, 'the last batch to wait for its sync');
        port.crash(crash);
        await Promise.all(lost);
        assert.deepEqual(acked, range(1, 6));
        const after = await openOn(disk);
        const state = await after.store.recover();
        const label = JSON.stringify(crash);
        assert.deepEqual(zxids(state.txns), recovered, label);
        assert.equal(after.logger.warnings.length, torn ? 1 : 0, `${label}: a torn write (or an empty segment) is reported`);
        await after.store.close();
      }
    });

    test('a failed write or fdatasync fails the store for good; what was acknowledged survives the crash after', async () => {
      for (const failing of ['append', 'sync'] as const) {
        const disk = new MemoryFileDisk();
        const { port, store } = await openOn(disk);
        await store.recover();
        await Promise.all([1, 2].map((z) => store.append(makeTxn(z))));
        port.failNext(failing);
        await assert.rejects(store.append(makeTxn(3)), StorageWriteError, failing);
        await assert.rejects(store.append(makeTxn(4)), StorageWriteError, `${failing}: nothing is written after a failure`);
        await assert.rejects(store.setMeta('currentEpoch', 1), StorageWriteError);
        port.crash();
        const after = await openOn(disk);
        assert.deepEqual(zxids((await after.store.recover()).txns), [1, 2], failing);
        assert.equal(await after.store.getMeta('currentEpoch'), undefined);
        await after.store.close();
      }
    });

    test('seeded runs crashed at random points recover a state the store passed through, with every acknowledged write', async () => {
      const seeds = 150;
      for (let seed = 1; seed <= seeds; seed++) {
        try {
          await crashRun(seed);
        } catch (err) {
          throw new Error(`seed ${seed} failed (replay: crashRun(${seed})): ${err instanceof Error ? err.stack : String(err)}`);
        }
      }
    });
  });

  describe('SegmentStorage on real files', () => {
    test('every acknowledged append survives a SIGKILL, and the log is a gap-free prefix', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'canopy-segments-kill-'));
      try {
        const acked = await killAfterAcks(import.meta.url, dir, 3000, 60_000);
        const store = await SegmentStorage.openDir(dir);
        try {
          const { txns } = await store.recover();
          assertAckedPrefixRecovered(txns, acked, makeTxn);
        } finally {
          await store.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
