// The snapshot archive: a tree's snapshot written as a stream and read back whole, however the bytes arrive;
// and every damaged, cut, foreign or hostile stream refused with an error whose class says what is wrong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArchiveChecksumError, ArchiveFormatError, ArchiveTruncatedError, SnapshotArchiveError, readSnapshotArchive, readSnapshotArchiveWithFacts,
  snapshotArchiveChunks,
} from '../../src/storage/index.js';
import { encodeValue } from '../../src/storage/record.js';
import { encodeFrame } from '../../src/storage/segment-frame.js';
import { DataTree, snapshotNodeReviver, type TreeSnapshot } from '../../src/tree/index.js';
import { framesOf } from '../support/segment-files.js';
import { apply, bytes, create } from '../support/tree-txns.js';

/** A tree of 2500 nodes (three node chunks) and a session, at zxid 2502. */
function sampleTree(): DataTree {
  const tree = new DataTree();
  apply(tree, create('/app'));
  for (let i = 0; i < 2500; i++) apply(tree, create(`/app/n${i}`, { data: bytes(`value ${i}`) }));
  apply(tree, { type: 'createSession', timeoutMs: 30_000 } as never);
  return tree;
}

async function collect(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of gen) parts.push(part);
  return Buffer.concat(parts);
}

/** The bytes as a stream of pieces of the given sizes, cycling. */
async function* pieces(all: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < all.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield all.subarray(at, at + n);
    at += n;
  }
}

const tree = sampleTree();
const snapshot: TreeSnapshot = tree.snapshot();
const archive = await collect(snapshotArchiveChunks(snapshot, { createdAtMs: 1234 }));

describe('snapshot archive: round trip', () => {
  test('a tree read back from its archive is the same tree', async () => {
    const { snapshot: read, facts } = await readSnapshotArchiveWithFacts<TreeSnapshot>(archive, { reviveSnapshotNode: snapshotNodeReviver() });
    assert.equal(read.zxid, snapshot.zxid);
    assert.equal(read.nodes.length, snapshot.nodes.length);
    assert.equal(DataTree.fromSnapshot(read).digest(), tree.digest());
    assert.deepEqual(facts, { createdAtMs: 1234, nodeChunks: 3, sessionChunks: snapshot.sessions.length > 0 ? 1 : 0, bytes: archive.length });
  });

  test('bytes arriving one at a time, in odd pieces, or all at once read the same', async () => {
    const whole = await readSnapshotArchive(archive);
    for (const sizes of [[7, 1, 3, 1000], [65_536]]) {
      const split = await readSnapshotArchive(pieces(archive, sizes));
      assert.deepEqual(split, whole, `pieces of ${sizes.join(',')}`);
    }
  });

  test('an empty tree (no sessions) round-trips too', async () => {
    const empty = { zxid: 0, nodes: [], sessions: [] };
    assert.deepEqual(await readSnapshotArchive(await collect(snapshotArchiveChunks(empty))), empty);
  });

  test('the writer lets the event loop turn between chunks', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    let frames = 0;
    let turnedBy: number | undefined;
    for await (const _ of snapshotArchiveChunks(snapshot)) {
      frames++;
      if (turned && turnedBy === undefined) turnedBy = frames;
    }
    assert.ok(turnedBy !== undefined && turnedBy < frames, `the loop turned after frame ${turnedBy} of ${frames}`);
  });
});

describe('snapshot archive: what is wrong is said', () => {
  const frames = framesOf(archive);

  test('cut short anywhere: ArchiveTruncatedError', async () => {
    const cuts = [0, 1, 15, 16, 17, ...frames.map((f) => f.offset), ...frames.map((f) => f.offset + 20), archive.length - 1];
    for (const cut of cuts) {
      await assert.rejects(readSnapshotArchive(archive.subarray(0, cut)), ArchiveTruncatedError, `cut at ${cut}`);
    }
  });

  test('a flipped payload byte in any frame: ArchiveChecksumError at that frame', async () => {
    for (const frame of frames) {
      const damaged = Uint8Array.from(archive);
      damaged[frame.offset + 16 + Math.floor(frame.length / 2)]! ^= 0x40;
      await assert.rejects(readSnapshotArchive(damaged), (e: unknown) => e instanceof ArchiveChecksumError && e.offset === frame.offset, `frame at ${frame.offset}`);
    }
  });

  test('a flipped byte anywhere never reads as an archive', async () => {
    for (let at = 0; at < archive.length; at += 997) {
      const damaged = Uint8Array.from(archive);
      damaged[at]! ^= 0x01;
      await assert.rejects(readSnapshotArchive(damaged), SnapshotArchiveError, `byte ${at}`);
    }
  });

  test('not an archive: another file, JSON, a frame of another format or version', async () => {
    await assert.rejects(readSnapshotArchive(new TextEncoder().encode('{"zxid": 1, "nodes": []}\n')), ArchiveFormatError);
    const other = encodeFrame(0, encodeValue({ format: 1, zxid: 5 }), 0).bytes;
    await assert.rejects(readSnapshotArchive(other), (e: unknown) => e instanceof ArchiveFormatError && /not a Canopy snapshot archive/.test(e.message));
    const future = encodeFrame(0, encodeValue({ format: 'canopy-snapshot', version: 2, zxid: 1, createdAtMs: 0, nodeCount: 0, sessionCount: 0 }), 0).bytes;
    await assert.rejects(readSnapshotArchive(future), /archive version 2; this build reads version 1/);
    await assert.rejects(readSnapshotArchive(new Uint8Array(0)), ArchiveTruncatedError);
  });

  test('a length field claiming gigabytes is refused before any byte is buffered for it', async () => {
    const hostile = Uint8Array.from(archive.subarray(0, 16));
    new DataView(hostile.buffer).setUint32(0, 0xffff_fff0, false);
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield hostile;
      for (;;) {
        pulled++;
        yield new Uint8Array(1024 * 1024);
      }
    }
    await assert.rejects(readSnapshotArchive(source()), (e: unknown) => e instanceof ArchiveFormatError && /claims 4294967280 bytes/.test(e.message));
    assert.equal(pulled, 0);
  });

  test('a chunk with more nodes than the header counts, frames out of order, and bytes after the trailer', async () => {
    const header = (nodeCount: number) => encodeFrame(0, encodeValue({ format: 'canopy-snapshot', version: 1, zxid: 1, createdAtMs: 0, nodeCount, sessionCount: 0 }), 0).bytes;
    const chunk = (tag: number, n: number) => encodeFrame(tag, encodeValue(Array.from({ length: n }, (_, i) => i)), 0).bytes;
    await assert.rejects(readSnapshotArchive(Buffer.concat([header(2), chunk(1, 3)])), /holds more nodes than the header counts/);
    await assert.rejects(readSnapshotArchive(Buffer.concat([header(2), chunk(2, 2)])), /frame 2 where frame 1 belongs/);
    await assert.rejects(readSnapshotArchive(Buffer.concat([archive, new Uint8Array([0])])), (e: unknown) => e instanceof ArchiveFormatError && /bytes follow the trailer/.test(e.message));
  });
});
