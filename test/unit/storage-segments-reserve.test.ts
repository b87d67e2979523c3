// The space a segment reserves ahead of its appends (zeros past its last record): appends land in it, a
// crash leaves it, recovery reads it as the end of the records, and whatever closes or cuts a segment gives it
// back. On the in-memory disk, and on real files for the lengths the file system reports.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptStorageError, MemoryFileDisk, type MemoryFilePort, SegmentStorage } from '../../src/storage/index.js';
import { FRAME_HEADER, framesOf } from '../support/segment-files.js';
import { appendBatches, cloneDisk, makeTxn, openOn, range } from '../support/segment-store.js';

const SEGMENT_0 = 'log.0000000000000001';

function zxids(txns: ReadonlyArray<{ zxid: number }>): number[] {
  return txns.map((t) => t.zxid);
}

/** Where a segment's records end (the zeros after them are reserved space). */
function recordsEnd(bytes: Uint8Array): number {
  const frames = framesOf(bytes);
  const last = frames[frames.length - 1];
  return last === undefined ? 0 : last.offset + FRAME_HEADER + last.length;
}

function segmentNames(disk: MemoryFileDisk): string[] {
  return disk.fileNames().filter((n) => n.startsWith('log.'));
}

/** A copy of disk whose segment `name` has `zeros` more zero bytes at its end. */
function withZeroTail(disk: MemoryFileDisk, name: string, zeros: number): MemoryFileDisk {
  const copy = cloneDisk(disk);
  const bytes = copy.readFile(name)!;
  const out = new Uint8Array(bytes.length + zeros);
  out.set(bytes);
  copy.writeFile(name, out);
  return copy;
}

/** Bytes of one record of makeTxn(z), z from 1 to 9. */
async function oneFrameBytes(): Promise<number> {
  const disk = new MemoryFileDisk();
  const { store } = await openOn(disk);
  await store.recover();
  await store.append(makeTxn(1));
  await store.close();
  return disk.readFile(SEGMENT_0)!.length;
}

/** Completes one waiting sync after letting the store issue it; false once none comes. */
async function completeOne(port: MemoryFilePort): Promise<boolean> {
  for (let turns = 0; turns < 20; turns++) {
    if (port.completeSync()) return true;
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

describe('SegmentStorage: space reserved ahead of appends', () => {
  test('appends land in reserved zeros; after a crash the zeros read as the end, and the next append follows the last record', async () => {
    const disk = new MemoryFileDisk();
    const first = await openOn(disk);
    await first.store.recover();
    await appendBatches(first.store, [[1, 2], [3]]);
    const held = disk.readFile(SEGMENT_0)!;
    assert.ok(held.length > recordsEnd(held), `the segment reserved space past its records (${held.length} > ${recordsEnd(held)} bytes)`);
    first.port.crash();

    const second = await openOn(disk);
    assert.deepEqual(zxids((await second.store.recover()).txns), [1, 2, 3]);
    assert.deepEqual(second.logger.warnings, [], 'reserved zeros are not a torn write');
    await appendBatches(second.store, [[4]]);
    second.port.crash();

    const third = await openOn(disk);
    assert.deepEqual(zxids((await third.store.recover()).txns), [1, 2, 3, 4], 'the append after the crash followed record 3, not the zeros');
    assert.deepEqual(third.logger.warnings, []);
    await appendBatches(third.store, [[5]]);
    await third.store.close();
    const closed = disk.readFile(SEGMENT_0)!;
    assert.equal(closed.length, recordsEnd(closed), 'a segment closed after appending gives its reserved space back');
    assert.deepEqual(framesOf(closed).map((f) => f.tag), [1, 2, 3, 4, 5]);
  });

  test('a crash after the reserve but before the write loses only the unacknowledged batch', async () => {
    const disk = new MemoryFileDisk();
    const { port, store } = await openOn(disk, { syncMode: 'manual' });
    await store.recover();
    const lost = store.append(makeTxn(1)).then(() => 'acked', () => 'failed');
    // The journal holds the new segment's name, its reserve and the write: keep the first two.
    while (port.unsyncedOps < 3) await new Promise((r) => setImmediate(r));
    port.crash({ keepOps: 2 });
    assert.equal(await lost, 'failed');
    const after = await openOn(disk);
    assert.deepEqual(zxids((await after.store.recover()).txns), []);
    await appendBatches(after.store, [[1]]);
    await after.store.close();
    const again = await openOn(disk);
    assert.deepEqual(zxids((await again.store.recover()).txns), [1]);
    await again.store.close();
  });

  test('a roll cuts the reserved zeros off its segment durably, so zeros after the records of an earlier segment are damage', async () => {
    const disk = new MemoryFileDisk();
    const first = await openOn(disk);
    await first.store.recover();
    await appendBatches(first.store, [[1, 2]]);
    first.port.crash();
    assert.ok(disk.readFile(SEGMENT_0)!.length > recordsEnd(disk.readFile(SEGMENT_0)!), 'the crash left the reserved zeros');
    // Reserve is never past segmentBytesMax, so only a smaller limit than the one that reserved makes a roll find zeros.
    const second = await openOn(disk, { segmentBytesMax: 1, syncMode: 'manual' });
    await second.store.recover();
    const acked = second.store.append(makeTxn(3));
    while (await completeOne(second.port));
    await acked;
    second.port.crash();
    const names = segmentNames(disk);
    assert.equal(names.length, 2, 'record 3 rolled over to a second segment');
    const rolled = disk.readFile(names[0]!)!;
    assert.equal(rolled.length, recordsEnd(rolled), 'the rolled segment was cut back to its records, durably (the crash kept it)');

    const padded = withZeroTail(disk, names[0]!, 5000);
    const opened = await openOn(padded);
    await assert.rejects(opened.store.recover(), (e: unknown) => e instanceof CorruptStorageError && e.message.includes(names[0]!));
    await opened.store.close();
  });

  test('truncating a last segment that a crash left with reserved zeros cuts the zeros too: the next append follows the cut', async () => {
    const disk = new MemoryFileDisk();
    const first = await openOn(disk);
    await first.store.recover();
    await appendBatches(first.store, [[1, 2], [3]]);
    first.port.crash();
    const opened = await openOn(disk);
    await opened.store.recover();
    await opened.store.truncateAfter(2);
    const cut = disk.readFile(SEGMENT_0)!;
    assert.equal(cut.length, recordsEnd(cut), 'the zeros after record 3 are cut with it');
    await opened.store.append(makeTxn(3, 9));
    opened.port.crash();
    const again = await openOn(disk);
    const { txns } = await again.store.recover();
    assert.deepEqual(txns.map((t) => [t.zxid, t.xid]), [[1, 0], [2, 0], [3, 9]]);
    assert.deepEqual(again.logger.warnings, []);
    await again.store.close();
  });

  test('a new segment left empty but reserved by a crash is unlinked, and the next append follows the records of the one before', async () => {
    const frameBytes = await oneFrameBytes();
    const disk = new MemoryFileDisk();
    // Two records fill the first segment; the second segment reserves room for two before its first write.
    const { port, store } = await openOn(disk, { segmentBytesMax: 2 * frameBytes, syncMode: 'manual' });
    await store.recover();
    const first = Promise.all([1, 2].map((z) => store.append(makeTxn(z))));
    while (await completeOne(port));
    await first;
    const lost = store.append(makeTxn(3)).then(() => 'acked', () => 'failed');
    while (port.unsyncedOps < 3) await new Promise((r) => setImmediate(r));
    port.crash({ keepOps: 2 });
    assert.equal(await lost, 'failed');
    assert.equal(segmentNames(disk).length, 2, 'the crash kept the new segment\'s name');
    assert.deepEqual([...disk.readFile(segmentNames(disk)[1]!)!].every((b) => b === 0), true, 'and its reserved zeros, nothing else');

    const after = await openOn(disk, { segmentBytesMax: 2 * frameBytes });
    assert.deepEqual(zxids((await after.store.recover()).txns), [1, 2]);
    assert.equal(after.logger.warnings.length, 1, 'the empty segment is reported as it is cut');
    await after.store.append(makeTxn(3, 7));
    await after.store.close();
    const again = await openOn(disk);
    const { txns } = await again.store.recover();
    assert.deepEqual(txns.map((t) => [t.zxid, t.xid]), [[1, 0], [2, 0], [3, 7]]);
    await again.store.close();
  });

  test('on real files: the active segment is longer than its records while open, and exactly as long once closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'canopy-segments-reserve-'));
    try {
      const store = await SegmentStorage.openDir(dir);
      await store.recover();
      for (const z of range(1, 20)) await store.append(makeTxn(z));
      const open = (await stat(join(dir, SEGMENT_0))).size;
      await store.close();
      const closed = (await stat(join(dir, SEGMENT_0))).size;
      assert.ok(open > closed, `reserved while open (${open} bytes), given back on close (${closed} bytes)`);
      const again = await SegmentStorage.openDir(dir);
      assert.deepEqual(zxids((await again.recover()).txns), range(1, 20));
      for (const z of range(21, 25)) await again.append(makeTxn(z));
      await again.close();
      const third = await SegmentStorage.openDir(dir);
      assert.deepEqual(zxids((await third.recover()).txns), range(1, 25));
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
