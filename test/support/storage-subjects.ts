// The TxnStore implementations the behaviour suite runs against, each bound to one storage location, with
// the same fault-injection operations whatever the layout: LevelStorage and MemoryStorage (keys, layout.ts)
// and SegmentStorage on real files and on the in-memory file port (segment-layout.ts).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import {
  type FilePort, LevelStorage, MemoryDisk, MemoryFileDisk, MemoryFilePort, MemoryStorage, NodeFilePort, SegmentStorage,
  type SegmentStorageOptions, type StorageStats, type TxnStore,
} from '../../src/storage/index.js';
import { FRAME_HEADER, findLogRecord, framesOf, loggedZxids, namesWith, readWhole, writeWhole } from './segment-files.js';

export type Store = TxnStore & { readonly stats: Readonly<StorageStats> };
export type SnapshotPart = 'secondChunk' | 'sessions';

/** One implementation under test, bound to one storage location. Raw operations need the store closed. */
export interface Subject {
  open(opts?: SegmentStorageOptions): Promise<Store>;
  /** Whether a purge deletes whole segments (so records at or below the purge point may remain). */
  readonly purgesWholeSegments: boolean;
  /** Every zxid the raw log holds, verified or not, ascending. */
  loggedZxids(): Promise<number[]>;
  /** The zxids of which any trace of a snapshot exists, ascending. */
  snapshotZxids(): Promise<number[]>;
  /** Flips a byte of the log record of zxid, `index` bytes into its stored payload. */
  corruptLogRecord(zxid: number, index: number): Promise<void>;
  /** Puts the record of `from` where the record of `to` is, labelled as `to`. */
  moveLogRecord(from: number, to: number): Promise<void>;
  /** The key a CorruptStorageError names for the record of zxid. */
  logRecordKey(zxid: number): Promise<string>;
  corruptSnapshot(zxid: number, part: SnapshotPart): Promise<void>;
  snapshotPartKey(zxid: number, part: SnapshotPart): string;
  /** Leaves the snapshot as a crash in the middle of writing it would. */
  makeSnapshotIncomplete(zxid: number): Promise<void>;
  /** Makes the store look like another format; returns the undo. */
  breakFormat(): Promise<() => Promise<void>>;
  dispose(): Promise<void>;
}

export interface Implementation {
  name: string;
  subject(): Promise<Subject>;
}

function zxidHex(zxid: number): string {
  return zxid.toString(16).padStart(16, '0');
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = copy[index]! ^ 0x5a;
  return copy;
}

/** The key-value subjects: raw get/put/del/keys on the store's keys. */
interface KvRaw {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  del(key: string): Promise<void>;
  keys(prefix: string): Promise<string[]>;
}

function kvSubject(open: Subject['open'], raw: KvRaw, dispose: () => Promise<void>): Subject {
  const partKey = (zxid: number, part: SnapshotPart): string =>
    part === 'sessions' ? `snap/${zxidHex(zxid)}/sessions` : `snap/${zxidHex(zxid)}/chunk/00000001`;
  const flipKey = async (key: string, index: number): Promise<void> => {
    const value = await raw.get(key);
    assert.ok(value, `no record ${key}`);
    await raw.put(key, flip(value, index));
  };
  return {
    open,
    purgesWholeSegments: false,
    loggedZxids: async () => (await raw.keys('log/')).map((k) => parseInt(k.slice(4), 16)),
    snapshotZxids: async () => [...new Set((await raw.keys('snap/')).map((k) => parseInt(k.slice(5, 21), 16)))].sort((a, b) => a - b),
    corruptLogRecord: (zxid, index) => flipKey(`log/${zxidHex(zxid)}`, index),
    moveLogRecord: async (from, to) => raw.put(`log/${zxidHex(to)}`, (await raw.get(`log/${zxidHex(from)}`))!),
    logRecordKey: async (zxid) => `log/${zxidHex(zxid)}`,
    corruptSnapshot: (zxid, part) => flipKey(partKey(zxid, part), part === 'sessions' ? 2 : 20),
    snapshotPartKey: partKey,
    makeSnapshotIncomplete: (zxid) => raw.del(`snap/${zxidHex(zxid)}/meta`),
    breakFormat: async () => {
      const format = (await raw.get('meta/format'))!;
      await raw.del('meta/format');
      await raw.put('foreign', new Uint8Array([1]));
      return async () => {
        await raw.del('foreign');
        await raw.put('meta/format', format);
      };
    },
    dispose,
  };
}

export const levelImpl: Implementation = {
  name: 'LevelStorage',
  async subject() {
    const dir = await mkdtemp(join(tmpdir(), 'canopy-storage-'));
    const withDb = async <T>(fn: (db: ClassicLevel<string, Uint8Array>) => Promise<T>): Promise<T> => {
      const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
      await db.open();
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    };
    return kvSubject((opts) => LevelStorage.open(dir, opts), {
      get: (key) => withDb((db) => db.get(key)),
      put: (key, value) => withDb((db) => db.put(key, value)),
      del: (key) => withDb((db) => db.del(key)),
      keys: (prefix) => withDb((db) => db.keys({ gte: prefix, lt: prefix + '\uffff' }).all()),
    }, () => rm(dir, { recursive: true, force: true }));
  },
};

export const memoryImpl: Implementation = {
  name: 'MemoryStorage',
  async subject() {
    const disk = new MemoryDisk();
    return kvSubject((opts) => MemoryStorage.open({ ...opts, disk }), {
      get: async (key) => disk.get(key),
      put: async (key, value) => disk.set(key, value),
      del: async (key) => disk.delete(key),
      keys: async (prefix) => disk.keys({ gte: prefix, lt: prefix + '\uffff' }),
    }, async () => {});
  },
};

/** A segment subject: `port()` gives a fresh port on the same storage for each raw operation. */
function segmentSubject(port: () => Promise<FilePort>, defaults: SegmentStorageOptions, dispose: () => Promise<void>): Subject {
  const withPort = async <T>(fn: (p: FilePort) => Promise<T>): Promise<T> => {
    const p = await port();
    try {
      return await fn(p);
    } finally {
      await p.close();
    }
  };
  const snapName = (zxid: number): string => `snap.${zxidHex(zxid)}`;
  return {
    open: async (opts) => SegmentStorage.open(await port(), { ...defaults, ...opts }),
    purgesWholeSegments: true,
    loggedZxids: () => withPort(loggedZxids),
    snapshotZxids: () => withPort(async (p) => [...new Set((await namesWith(p, 'snap.')).map((n) => parseInt(n.slice(5, 21), 16)))].sort((a, b) => a - b)),
    corruptLogRecord: (zxid, index) => withPort(async (p) => {
      const { name, bytes, frame } = await findLogRecord(p, zxid);
      await writeWhole(p, name, flip(bytes, frame.offset + FRAME_HEADER + index));
    }),
    moveLogRecord: (from, to) => withPort(async (p) => {
      const source = await findLogRecord(p, from);
      const target = await findLogRecord(p, to);
      const moved = source.bytes.slice(source.frame.offset, source.frame.offset + FRAME_HEADER + source.frame.length);
      new DataView(moved.buffer).setUint32(8, Math.floor(to / 2 ** 32), false);
      new DataView(moved.buffer).setUint32(12, to % 2 ** 32, false);
      const before = target.bytes.subarray(0, target.frame.offset);
      const after = target.bytes.subarray(target.frame.offset + FRAME_HEADER + target.frame.length);
      await writeWhole(p, target.name, Uint8Array.from([...before, ...moved, ...after]));
    }),
    logRecordKey: (zxid) => withPort(async (p) => (await findLogRecord(p, zxid)).name),
    corruptSnapshot: (zxid, part) => withPort(async (p) => {
      const bytes = await readWhole(p, snapName(zxid));
      const frames = framesOf(bytes);
      // Frame 0 is the header and the last the trailer; the sessions fit one chunk in these tests.
      const frame = part === 'sessions' ? frames[frames.length - 2]! : frames[2]!;
      await writeWhole(p, snapName(zxid), flip(bytes, frame.offset + FRAME_HEADER + Math.min(20, frame.length - 1)));
    }),
    snapshotPartKey: (zxid) => snapName(zxid),
    makeSnapshotIncomplete: (zxid) => withPort(async (p) => {
      await p.rename(snapName(zxid), `${snapName(zxid)}.tmp`);
      await p.syncDir();
    }),
    breakFormat: () => withPort(async (p) => {
      const meta = await readWhole(p, 'meta');
      await p.unlink('meta');
      await writeWhole(p, 'foreign', new Uint8Array([1]));
      return () => withPort(async (q) => {
        await q.unlink('foreign');
        await writeWhole(q, 'meta', meta);
      });
    }),
    dispose,
  };
}

/** Real files; a segment per batch, so roll-over and purges of whole segments happen all the time. */
export const segmentFilesImpl: Implementation = {
  name: 'SegmentStorage (files)',
  async subject() {
    const dir = await mkdtemp(join(tmpdir(), 'canopy-segments-'));
    return segmentSubject(() => NodeFilePort.open(dir), { segmentBytesMax: 1 }, () => rm(dir, { recursive: true, force: true }));
  },
};

/** The in-memory port; segments of a few records each. */
export const segmentMemoryImpl: Implementation = {
  name: 'SegmentStorage (memory)',
  async subject() {
    const disk = new MemoryFileDisk();
    return segmentSubject(async () => new MemoryFilePort(disk), { segmentBytesMax: 300 }, async () => {});
  },
};
