// The txn log as segment files (segment-layout.ts): appending a batch as one write and one fdatasync,
// rolling to a new segment, reading it back for recovery (cutting off a torn tail), truncating it for
// ZAB TRUNC and unlinking whole segments a snapshot has made unnecessary. The caller serializes calls.
import type { Txn } from '../../protocol/index.js';
import { CorruptStorageError } from './errors.js';
import type { FilePort, ReadableFile, WritableFile } from './file-port.js';
import { asTxn, decodePayload } from './record.js';
import { FrameReader } from './segment-frame.js';
import { FRAME_PAYLOAD_BYTES_MAX, parseFileName, segmentName } from './segment-layout.js';
import type { StorageLogger } from './types.js';

/** Buffers one writev takes (IOV_MAX on Linux): a batch with more frames is joined into one buffer, to stay one write. */
const WRITEV_BUFFERS_MAX = 1024;
/** Segments are written with O_DSYNC: a batch is one write that is durable when it returns. */
const DURABLE_APPENDS = { dsync: true } as const;
/**
 * The active segment is extended by this much zeroed (sparse) space at a time, ahead of its appends: a synced
 * write that does not change the file's length costs no journal commit of it (measured on ext4 here: an
 * O_DSYNC write of one txn 0.24 ms appending, 0.19 ms into reserved space). ZooKeeper pads its logs likewise.
 */
export const RESERVE_BYTES = 16 * 1024 * 1024;

interface Segment {
  name: string;
  firstZxid: number;
}

/** What recovery found wrong at the end of the last segment. */
interface TornTail {
  segment: Segment;
  offset: number;
  reason: string;
}

export class SegmentLog {
  /** Ascending by first zxid. */
  private segments: Segment[] = [];
  /** The last segment, open for appending (opened on the first append after recovery). */
  private active: { segment: Segment; file: WritableFile } | undefined;
  /** Where the last segment's frames end, when it is not open (reserved zeros may follow). */
  private lastEnd: number | undefined;
  /** No logged txn is above this. */
  private lastZxid = 0;
  /** The store's frame salt (segment-meta.ts). */
  private salt = 0;

  constructor(
    private readonly port: FilePort,
    private readonly segmentBytesMax: number,
    private readonly logger: StorageLogger,
  ) {}

  /** Takes the segments among the directory's names, and the salt their frames are checksummed with. */
  load(names: readonly string[], salt: number): void {
    this.salt = salt;
    const segments: Segment[] = [];
    for (const name of names) {
      const kind = parseFileName(name);
      if (kind?.kind === 'segment') segments.push({ name, firstZxid: kind.zxid });
    }
    this.segments = segments.sort((a, b) => a.firstZxid - b.firstZxid);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Every txn after afterZxid, verified. Segments wholly at or below afterZxid are not read. A bad frame
   * that can only be a torn last write is cut off (warned); anything else is CorruptStorageError.
   */
  async recover(afterZxid: number): Promise<Txn[]> {
    const txns: Txn[] = [];
    let torn: TornTail | undefined;
    let previous = 0;
    let end: number | undefined;
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const next = this.segments[i + 1];
      if (next !== undefined && next.firstZxid <= afterZxid + 1) continue;
      const result = await this.readSegment(segment, next === undefined, afterZxid, previous, txns);
      previous = result.lastZxid;
      torn = result.torn;
      end = result.end;
    }
    if (torn !== undefined) await this.cutTornTail(torn);
    // An empty last segment is unlinked: the one before it is the last now, and a roll left it exactly as long as its records.
    this.lastEnd = torn === undefined ? end : torn.offset > 0 ? torn.offset : undefined;
    this.lastZxid = previous;
    return txns;
  }

  private async readSegment(
    segment: Segment, isLast: boolean, afterZxid: number, previous: number, txns: Txn[],
  ): Promise<{ lastZxid: number; torn: TornTail | undefined; end: number }> {
    const file = await this.port.openRead(segment.name);
    try {
      const reader = this.reader(file, segment);
      for (;;) {
        const read = await reader.next();
        if (read.kind === 'end') {
          // A roll cuts the zeros reserved after a segment's records off durably: in an earlier segment they are damage.
          if (!isLast && read.offset < file.size) {
            throw new CorruptStorageError(segment.name, 'zeros follow the last record, but later segments exist', read.offset);
          }
          if (read.offset > 0) return { lastZxid: previous, torn: undefined, end: read.offset };
          if (isLast) return { lastZxid: previous, torn: { segment, offset: 0, reason: 'the segment is empty' }, end: 0 };
          throw new CorruptStorageError(segment.name, 'the segment is empty but later segments exist', 0);
        }
        if (read.kind === 'bad') {
          if (isLast && read.torn) return { lastZxid: previous, torn: { segment, offset: read.offset, reason: read.reason }, end: read.offset };
          const why = isLast ? read.reason : `${read.reason} (not the last segment, so not a torn write)`;
          throw new CorruptStorageError(segment.name, why, read.offset);
        }
        if (read.offset === 0 && read.tag !== segment.firstZxid) {
          throw new CorruptStorageError(segment.name, `the first record holds zxid 0x${read.tag.toString(16)}, not the one the segment is named by`, 0);
        }
        if (read.tag <= previous) {
          throw new CorruptStorageError(segment.name, `zxid 0x${read.tag.toString(16)} follows 0x${previous.toString(16)}`, read.offset);
        }
        previous = read.tag;
        if (read.tag > afterZxid) txns.push(decodeTxn(segment.name, read.offset, read.tag, read.payload));
      }
    } finally {
      await file.close();
    }
  }

  private async cutTornTail(torn: TornTail): Promise<void> {
    this.logger.warn('storage: cutting a torn write off the end of the txn log', {
      segment: torn.segment.name, offset: torn.offset, reason: torn.reason,
    });
    if (torn.offset === 0) {
      await this.port.unlink(torn.segment.name);
      await this.port.syncDir();
      this.segments = this.segments.filter((s) => s !== torn.segment);
      return;
    }
    const file = await this.port.openAppend(torn.segment.name);
    try {
      await file.truncate(torn.offset);
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  /** Appends frames (the txns firstZxid..lastZxid) in one write and one fdatasync, on a new segment if the last is full. */
  async append(frames: readonly Uint8Array[], firstZxid: number, lastZxid: number): Promise<void> {
    let rolled = false;
    if (this.active === undefined && this.segments.length > 0) {
      const last = this.segments[this.segments.length - 1]!;
      this.active = { segment: last, file: await this.port.openAppend(last.name, { ...DURABLE_APPENDS, at: this.lastEnd }) };
    }
    if (this.active === undefined || this.active.file.size >= this.segmentBytesMax) {
      await this.closeActive(true);
      const segment = { name: segmentName(firstZxid), firstZxid };
      const file = await this.port.create(segment.name, DURABLE_APPENDS);
      this.segments.push(segment);
      this.active = { segment, file };
      rolled = true;
    }
    let bytes = 0;
    for (const f of frames) bytes += f.byteLength;
    const file = this.active.file;
    // Reserved space never reaches past the point where the segment rolls over: a batch that fills it just grows it.
    const room = Math.min(RESERVE_BYTES, this.segmentBytesMax - file.size);
    if (file.size + bytes > file.allocated && room > bytes) await file.reserve(room);
    // Durable when it resolves (O_DSYNC): one syscall for the batch's bytes and their sync (the reserved length included).
    await file.append(frames.length <= WRITEV_BUFFERS_MAX ? frames : [Buffer.concat(frames)]);
    // A new segment's name must be durable too, or its txns could vanish after their append resolved.
    if (rolled) await this.port.syncDir();
    this.lastZxid = lastZxid;
  }

  /**
   * Drops every txn above zxid, durably: later segments are unlinked (newest first) and the directory
   * synced before the segment holding zxid is cut, so a crash part-way leaves a prefix of the log.
   */
  async truncateAfter(zxid: number): Promise<void> {
    if (zxid >= this.lastZxid) return;
    const keep = this.segments.filter((s) => s.firstZxid <= zxid);
    const doomed = this.segments.slice(keep.length);
    if (doomed.length > 0) {
      if (this.active !== undefined && doomed.includes(this.active.segment)) await this.closeActive();
      for (const segment of doomed.reverse()) await this.port.unlink(segment.name);
      await this.port.syncDir();
      this.segments = keep;
    }
    const last = keep[keep.length - 1];
    if (last !== undefined) await this.cutAbove(last, zxid);
    this.lastZxid = zxid;
  }

  /**
   * Cuts segment just before its first txn above zxid, and any reserved space after its frames: the next
   * append to it (as the last segment) lands at its new end.
   */
  private async cutAbove(segment: Segment, zxid: number): Promise<void> {
    if (this.active?.segment === segment) {
      // Our own appends: the file's frames end at its size, and TRUNC only ever cuts what is there.
      const cut = await this.scanAbove(segment, zxid);
      if (cut.kind === 'above') await this.cutOpen(this.active.file, cut.offset);
      return;
    }
    const cut = await this.scanAbove(segment, zxid);
    const own = await this.port.openAppend(segment.name);
    try {
      const at = cut.kind === 'above' ? cut.offset : cut.end;
      if (at < own.allocated) await this.cutOpen(own, at);
    } finally {
      await own.close();
    }
    this.lastEnd = undefined;
  }

  private async cutOpen(file: WritableFile, offset: number): Promise<void> {
    await file.truncate(offset);
    await file.datasync();
  }

  /** Where segment's first txn above zxid starts, or where its frames end if none is above. */
  private async scanAbove(segment: Segment, zxid: number): Promise<{ kind: 'above'; offset: number } | { kind: 'none'; end: number }> {
    const file = await this.port.openRead(segment.name);
    try {
      const reader = this.reader(file, segment);
      for (;;) {
        const read = await reader.next();
        if (read.kind === 'end') return { kind: 'none', end: read.offset };
        if (read.kind === 'bad') throw new CorruptStorageError(segment.name, read.reason, read.offset);
        if (read.tag > zxid) return { kind: 'above', offset: read.offset };
      }
    } finally {
      await file.close();
    }
  }

  private reader(file: ReadableFile, segment: Segment): FrameReader {
    return new FrameReader(file, { payloadBytesMax: FRAME_PAYLOAD_BYTES_MAX, salt: this.salt, tagFloor: segment.firstZxid - 1 });
  }

  /** Unlinks the segments whose txns are all at or below zxid, never the last one; returns how many. */
  async purgeThrough(zxid: number): Promise<number> {
    let unlinked = 0;
    while (this.segments.length >= 2 && this.segments[1]!.firstZxid <= zxid + 1) {
      await this.port.unlink(this.segments.shift()!.name);
      unlinked++;
    }
    if (unlinked > 0) await this.port.syncDir();
    return unlinked;
  }

  /** Unlinks every segment (a snapshot install); the caller syncs the directory. */
  async removeAll(): Promise<void> {
    await this.closeActive();
    for (const segment of this.segments.reverse()) await this.port.unlink(segment.name);
    this.segments = [];
    this.lastEnd = undefined;
    this.lastZxid = 0;
  }

  async close(): Promise<void> {
    await this.closeActive();
  }

  /**
   * Closes the active segment, first giving back its reserved space. Durably when a later segment follows it
   * (a roll), so zeros after the records of an earlier segment can only be damage; otherwise a crash may leave
   * them, and recovery reads them as the end of the last segment's records.
   */
  private async closeActive(rolling = false): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (active === undefined) return;
    this.lastEnd = undefined;
    try {
      if (active.file.allocated > active.file.size) {
        await active.file.truncate(active.file.size);
        if (rolling) await active.file.datasync();
      }
    } finally {
      await active.file.close();
    }
  }
}

function decodeTxn(name: string, offset: number, zxid: number, payload: Uint8Array): Txn {
  try {
    return asTxn(name, zxid, decodePayload(name, payload));
  } catch (err) {
    if (err instanceof CorruptStorageError) throw new CorruptStorageError(name, err.reason, offset);
    throw err;
  }
}
