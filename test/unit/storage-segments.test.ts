// What is particular to the segment store: torn tails at every byte of the last record, corruption at
// every byte of an earlier one, hostile length fields, segment roll-over, truncation across segments,
// purges of whole segments, an install interrupted by a crash. On the in-memory disk, raw bytes in hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptStorageError, MemoryFileDisk } from '../../src/storage/index.js';
import { FRAME_HEADER, type RawFrame, framesOf } from '../support/segment-files.js';
import { appendBatches, cloneDisk, makeTxn, openOn, range, untilTrue } from '../support/segment-store.js';

const SEGMENT_0 = 'log.0000000000000001';

function zxids(txns: ReadonlyArray<{ zxid: number }>): number[] {
  return txns.map((t) => t.zxid);
}

function segmentNames(disk: MemoryFileDisk): string[] {
  return disk.fileNames().filter((n) => n.startsWith('log.'));
}

/** A disk holding txns 1..4 in one segment (4 alone in the last batch), and the frames of that segment. */
async function fourTxns(): Promise<{ disk: MemoryFileDisk; frames: RawFrame[] }> {
  const disk = new MemoryFileDisk();
  const { store } = await openOn(disk);
  await store.recover();
  await appendBatches(store, [[1, 2, 3], [4]]);
  await store.close();
  return { disk, frames: framesOf(disk.readFile(SEGMENT_0)!) };
}

function withBytes(disk: MemoryFileDisk, name: string, change: (bytes: Uint8Array) => Uint8Array): MemoryFileDisk {
  const copy = cloneDisk(disk);
  copy.writeFile(name, change(copy.readFile(name)!));
  return copy;
}

function flipped(index: number): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const out = Uint8Array.from(bytes);
    out[index] = out[index]! ^ 0x5a;
    return out;
  };
}

function withLength(offset: number, length: number): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const out = Uint8Array.from(bytes);
    new DataView(out.buffer).setUint32(offset, length, false);
    return out;
  };
}

describe('SegmentStorage: the end of the log', () => {
  test('a last record cut at any byte is a torn tail: warned, cut off, and the log goes on from there', async () => {
    const { disk, frames } = await fourTxns();
    const last = frames[3]!;
    const end = last.offset + FRAME_HEADER + last.length;
    for (let cut = last.offset; cut < end; cut++) {
      const torn = withBytes(disk, SEGMENT_0, (b) => b.slice(0, cut));
      // A cut inside the length field's leading zero bytes leaves only zeros: reserved space, not a torn record.
      const zeroTail = disk.readFile(SEGMENT_0)!.subarray(last.offset, cut).every((b) => b === 0);
      const { store, logger } = await openOn(torn);
      const state = await store.recover();
      assert.deepEqual(zxids(state.txns), [1, 2, 3], `cut at ${cut}`);
      assert.equal(logger.warnings.length, zeroTail ? 0 : 1, `cut at ${cut}: one warning for a torn record`);
      assert.equal(torn.readFile(SEGMENT_0)!.length, zeroTail ? cut : last.offset, `cut at ${cut}: the file is cut back to the last good record`);
      await store.append(makeTxn(4, 1));
      await store.close();
      const { store: again } = await openOn(torn);
      assert.deepEqual((await again.recover()).txns[3], makeTxn(4, 1), `cut at ${cut}: the new record is read back`);
      await again.close();
    }
  });

  test('a flipped byte anywhere in the last record is a torn tail or CorruptStorageError, never a wrong txn', async () => {
    const { disk, frames } = await fourTxns();
    const last = frames[3]!;
    const outcomes = { torn: 0, corrupt: 0 };
    for (let at = last.offset; at < last.offset + FRAME_HEADER + last.length; at++) {
      const { store, logger } = await openOn(withBytes(disk, SEGMENT_0, flipped(at)));
      try {
        const state = await store.recover();
        assert.deepEqual(state.txns, [1, 2, 3].map((z) => makeTxn(z)), `flip at ${at}`);
        assert.equal(logger.warnings.length, 1, `flip at ${at}`);
        outcomes.torn++;
      } catch (err) {
        assert.ok(err instanceof CorruptStorageError, `flip at ${at}: ${String(err)}`);
        assert.equal(err.offset, last.offset);
        outcomes.corrupt++;
      }
      await store.close();
    }
    // A shortened length leaves bytes after the record that are not zeros: that is not a torn write.
    assert.ok(outcomes.torn > 0 && outcomes.corrupt > 0, JSON.stringify(outcomes));
  });

  test('a flipped byte anywhere in an earlier record is CorruptStorageError naming the segment and the record offset', async () => {
    const { disk, frames } = await fourTxns();
    const second = frames[1]!;
    for (let at = second.offset; at < second.offset + FRAME_HEADER + second.length; at++) {
      const { store } = await openOn(withBytes(disk, SEGMENT_0, flipped(at)));
      await assert.rejects(store.recover(), (err) => {
        assert.ok(err instanceof CorruptStorageError, `flip at ${at}: ${String(err)}`);
        assert.equal(err.key, SEGMENT_0, `flip at ${at}`);
        assert.equal(err.offset, second.offset, `flip at ${at}: ${err.message}`);
        return true;
      });
      await store.close();
    }
  });

  test('zeros after the last good record (space a crash left unwritten) are a torn tail', async () => {
    const { disk, frames } = await fourTxns();
    const last = frames[3]!;
    const zeroed = withBytes(disk, SEGMENT_0, (b) => {
      const out = Uint8Array.from([...b, ...new Uint8Array(100)]);
      out.fill(0, last.offset + FRAME_HEADER + 5);
      return out;
    });
    const { store, logger } = await openOn(zeroed);
    assert.deepEqual(zxids((await store.recover()).txns), [1, 2, 3]);
    assert.equal(logger.warnings.length, 1);
    await store.close();
  });
});

describe('SegmentStorage: hostile length fields', () => {
  test('a length over the limit is corruption, wherever it is', async () => {
    const { disk, frames } = await fourTxns();
    for (const frame of [frames[1]!, frames[3]!]) {
      const { store } = await openOn(withBytes(disk, SEGMENT_0, withLength(frame.offset, 0xfffffff0)));
      await assert.rejects(store.recover(), (err) => err instanceof CorruptStorageError && err.offset === frame.offset && /over the limit/.test(err.reason));
      await store.close();
    }
  });

  test('a length past the end of the file is a torn write only when no valid record follows it', async () => {
    const { disk, frames } = await fourTxns();
    const middle = await openOn(withBytes(disk, SEGMENT_0, withLength(frames[1]!.offset, 100_000_000)));
    await assert.rejects(middle.store.recover(), (err) => err instanceof CorruptStorageError && err.offset === frames[1]!.offset && /valid record follows/.test(err.reason));
    await middle.store.close();
    // The last record's length cannot be told from a write cut short: its bytes are the ones a crash loses.
    const last = await openOn(withBytes(disk, SEGMENT_0, withLength(frames[3]!.offset, 100_000_000)));
    assert.deepEqual(zxids((await last.store.recover()).txns), [1, 2, 3]);
    assert.equal(last.logger.warnings.length, 1);
    await last.store.close();
  });

  test('a frame copied from elsewhere (another store, or a client\'s znode data) does not verify here', async () => {
    const { disk } = await fourTxns();
    const other = (await fourTxns()).disk;
    const foreign = other.readFile(SEGMENT_0)!;
    const { store } = await openOn(withBytes(disk, SEGMENT_0, () => foreign));
    await assert.rejects(store.recover(), CorruptStorageError, 'the stores\' salts differ');
    await store.close();
  });
});

describe('SegmentStorage: segments', () => {
  test('a batch goes whole into one segment; a new one, named by its first zxid, starts once the last is full', async () => {
    const frameBytes = (await fourTxns()).frames[0]!.length + FRAME_HEADER;
    // Three records fit below the limit; the fourth crosses it.
    const segmentBytesMax = Math.floor(3.5 * frameBytes);
    const disk = new MemoryFileDisk();
    const { store } = await openOn(disk, { segmentBytesMax });
    await store.recover();
    await appendBatches(store, [[1, 2], [3], [4, 5, 6, 7, 8, 9], [10], [11], [12, 13, 14, 15], [16]]);
    await store.close();
    const names = segmentNames(disk);
    const sizes = names.map((n) => disk.readFile(n)!.length);
    assert.deepEqual(names, ['log.0000000000000001', 'log.000000000000000a', 'log.0000000000000010']);
    assert.deepEqual(framesOf(disk.readFile(names[0]!)!).map((f) => f.tag), range(1, 9), 'the batch 4..9 went whole into the first segment');
    for (const [i, name] of names.entries()) {
      const frames = framesOf(disk.readFile(name)!);
      assert.equal(frames[0]!.tag, parseInt(name.slice(4), 16), `${name} starts with its own zxid`);
      if (i < names.length - 1) assert.ok(sizes[i]! >= segmentBytesMax, `${name} was rolled over only when full (${sizes[i]} bytes)`);
    }
    const batchStarts = new Set([1, 3, 4, 10, 11, 12, 16]);
    for (const name of names) assert.ok(batchStarts.has(parseInt(name.slice(4), 16)), `${name} starts at a batch`);
    const { store: again } = await openOn(disk, { segmentBytesMax });
    assert.deepEqual(zxids((await again.recover()).txns), range(1, 16));
    await again.close();
  });

  test('truncateAfter across segment boundaries, durable once it resolves', async () => {
    const disk = new MemoryFileDisk();
    const { port, store } = await openOn(disk, { segmentBytesMax: 1 });
    await store.recover();
    await appendBatches(store, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    await store.truncateAfter(5);
    port.crash();
    assert.deepEqual(segmentNames(disk), ['log.0000000000000001', 'log.0000000000000004']);
    const second = await openOn(disk, { segmentBytesMax: 1 });
    assert.deepEqual(zxids((await second.store.recover()).txns), range(1, 5));
    await second.store.truncateAfter(3);
    second.port.crash();
    assert.deepEqual(segmentNames(disk), ['log.0000000000000001'], 'a segment wholly above the point is unlinked');
    const third = await openOn(disk, { segmentBytesMax: 1 });
    assert.deepEqual(zxids((await third.store.recover()).txns), range(1, 3));
    await appendBatches(third.store, [[4]]);
    await third.store.close();
    const fourth = await openOn(disk);
    assert.deepEqual(zxids((await fourth.store.recover()).txns), range(1, 4));
    await fourth.store.close();
  });

  test('a truncation crashed at any point leaves a prefix of the log, never one with a gap', async () => {
    const base = new MemoryFileDisk();
    const { store } = await openOn(base, { segmentBytesMax: 1 });
    await store.recover();
    await appendBatches(store, [[1, 2], [3, 4], [5, 6], [7, 8]]);
    await store.close();
    let points = 0;
    for (let syncs = 0; ; syncs++) {
      // Replays the truncation on a copy, lets `syncs` syncs complete, then crashes keeping `keep` unsynced ops.
      const replay = async (disk: MemoryFileDisk, keep: number | undefined): Promise<{ done: boolean; unsynced: number }> => {
        const run = await openOn(disk, { syncMode: 'manual', segmentBytesMax: 1 });
        await run.store.recover();
        let done = false;
        run.store.truncateAfter(3).then(() => (done = true), () => undefined);
        for (let i = 0; i < syncs && !done; i++) {
          await untilTrue(() => run.port.pendingSyncs > 0 || done, 'a sync');
          run.port.completeSync();
        }
        await untilTrue(() => run.port.pendingSyncs > 0 || done, 'the truncation to wait or finish');
        const unsynced = run.port.unsyncedOps;
        run.port.crash({ keepOps: keep ?? 0 });
        return { done, unsynced };
      };
      const { done, unsynced } = await replay(cloneDisk(base), undefined);
      for (let keep = 0; keep <= unsynced; keep++) {
        const disk = cloneDisk(base);
        await replay(disk, keep);
        const { store: after } = await openOn(disk);
        const got = zxids((await after.recover()).txns);
        await after.close();
        assert.ok(got.length >= 3 && got.every((z, i) => z === i + 1), `after ${syncs} syncs, keeping ${keep} ops: ${got.join(',')}`);
        if (done) assert.deepEqual(got, [1, 2, 3], 'once it resolved the truncation is durable');
        points++;
      }
      if (done) break;
    }
    assert.ok(points > 4, `crashed at only ${points} points`);
  });

  test('purge unlinks only segments wholly at or below the older kept snapshot, never the last', async () => {
    const disk = new MemoryFileDisk();
    const { store } = await openOn(disk, { segmentBytesMax: 1 });
    await store.recover();
    await appendBatches(store, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    await store.writeSnapshot({ zxid: 5, nodes: [1], sessions: [] });
    assert.equal(segmentNames(disk).length, 4, 'nothing is purged until a second snapshot');
    await store.writeSnapshot({ zxid: 11, nodes: [2], sessions: [] });
    assert.deepEqual(segmentNames(disk), ['log.0000000000000004', 'log.0000000000000007', 'log.000000000000000a'], '6 is above 5: its segment stays');
    await store.writeSnapshot({ zxid: 12, nodes: [3], sessions: [] });
    assert.deepEqual(segmentNames(disk), ['log.000000000000000a'], 'the last segment stays even when wholly below');
    await store.close();
    // The newest snapshot fails: recovery falls back to the previous one, and the log still reaches back to it.
    const broken = withBytes(disk, 'snap.000000000000000c', flipped(30));
    const { store: again, logger } = await openOn(broken);
    const state = await again.recover();
    assert.equal(state.snapshot?.zxid, 11);
    assert.deepEqual(zxids(state.txns), [12]);
    assert.equal(logger.warnings.length, 1);
    await again.close();
  });
});

describe('SegmentStorage: an install interrupted by a crash', () => {
  test('before its commit the old state stays; after it the install completes on the next open', async () => {
    for (const crashAtSync of range(1, 6)) {
      const disk = new MemoryFileDisk();
      const { store } = await openOn(disk, { segmentBytesMax: 1 });
      await store.recover();
      await appendBatches(store, [[1, 2, 3], [4, 5, 6]]);
      await store.writeSnapshot({ zxid: 2, nodes: ['old'], sessions: [] });
      await store.close();
      const run = await openOn(disk, { syncMode: 'manual', segmentBytesMax: 1 });
      await run.store.recover();
      let settled = false;
      const install = run.store.installSnapshot({ zxid: 4, nodes: ['new'], sessions: [{ id: 9 }] });
      install.then(() => (settled = true), () => (settled = true));
      let completed = 0;
      while (completed < crashAtSync && !settled) {
        await untilTrue(() => run.port.pendingSyncs > 0 || settled, 'a sync');
        if (settled) break;
        run.port.completeSync();
        completed++;
      }
      run.port.crash({ keepOps: 0 });
      const after = await openOn(disk);
      const state = await after.store.recover();
      if (state.snapshot?.zxid === 4) {
        assert.deepEqual(state.snapshot, { zxid: 4, nodes: ['new'], sessions: [{ id: 9 }] }, `crash after sync ${crashAtSync}`);
        assert.deepEqual(state.txns, [], `crash after sync ${crashAtSync}: the old log is gone, 5 and 6 with it`);
      } else {
        assert.equal(state.snapshot?.zxid, 2, `crash after sync ${crashAtSync}`);
        assert.deepEqual(zxids(state.txns), range(3, 6), `crash after sync ${crashAtSync}: the old state is whole`);
      }
      await after.store.close();
    }
  });
});
