// SegmentStorage: the TxnStore engine that keeps the txn log as append-only segment files and snapshots
// as files (segment-layout.ts), on a FilePort: real files (NodeFilePort) or the in-memory disk a test
// or the simulator crashes (MemoryFilePort). Every rule lives in TxnStoreCore. The segments may live on a
// port of their own (dataLogDir): `port` holds meta and snapshots, `logPort` the segments.
//
// Everything that changes the segments or the meta file (a group-committed batch, a purge, an install,
// recovery's cut of a torn tail) runs one at a time in `serial`: a purge must never unlink a segment a
// batch is about to append to, and two meta writes must not share meta.tmp.
import { assertNever } from '../../protocol/assert-never.js';
import { txnToWire, type Txn } from '../../protocol/index.js';
import { CorruptStorageError, StorageFormatError, StorageStateError } from './errors.js';
import type { FilePort } from './file-port.js';
import { encodeValue } from './record.js';
import { NodeFilePort } from './node-file-port.js';
import { encodeFrame } from './segment-frame.js';
import { checkLogDir, checkSingleDir, writeLogDirMeta } from './segment-log-dir.js';
import {
  DEFAULT_SEGMENT_BYTES_MAX, FRAME_PAYLOAD_BYTES_MAX, SEGMENT_FORMAT_VERSION, parseFileName, snapshotName, tempName,
} from './segment-layout.js';
import { SegmentLog } from './segment-log.js';
import { type SegmentMeta, freshMeta, readMeta, writeMeta } from './segment-meta.js';
import { readSnapshotFile, writeSnapshotFile } from './segment-snapshot.js';
import { SerialQueue } from './serial-queue.js';
import { type DurableBasics, type SnapshotCandidate, type Sized, TxnStoreCore, hexZxid } from './txn-store-core.js';
import type { MetaKey, SnapshotInput, StorageOptions } from './types.js';

type SegmentOp =
  | { type: 'append'; zxid: number; frame: Uint8Array }
  | { type: 'truncate'; zxid: number }
  | { type: 'meta'; key: MetaKey; value: number };

export interface SegmentStorageOptions extends StorageOptions {
  /** A batch starts a new segment once the last one holds this many bytes. */
  segmentBytesMax?: number;
  /** Where the log segments live when not beside meta and the snapshots (dataLogDir); its `where` is recorded in meta. */
  logPort?: FilePort;
}

export interface SegmentDirOptions extends Omit<SegmentStorageOptions, 'logPort'> {
  /** The directory for the log segments, when not `dir` itself. */
  logDir?: string;
}

const SEGMENT_BYTES_MIN = 1;
const SEGMENT_BYTES_LIMIT = 2 ** 40;

export class SegmentStorage<S extends SnapshotInput = SnapshotInput> extends TxnStoreCore<S, SegmentOp> {
  private readonly serial = new SerialQueue();
  private readonly log: SegmentLog;
  /** The meta file's content, as durable. */
  private meta: SegmentMeta = freshMeta();
  /** Where the segments are: `port` itself, or a directory of their own. */
  readonly logPort: FilePort;

  private constructor(readonly port: FilePort, opts: SegmentStorageOptions) {
    super(opts);
    this.logPort = opts.logPort ?? port;
    const segmentBytesMax = opts.segmentBytesMax ?? DEFAULT_SEGMENT_BYTES_MAX;
    if (!Number.isSafeInteger(segmentBytesMax) || segmentBytesMax < SEGMENT_BYTES_MIN || segmentBytesMax > SEGMENT_BYTES_LIMIT) {
      throw new RangeError(`segmentBytesMax must be an integer in [${SEGMENT_BYTES_MIN}, ${SEGMENT_BYTES_LIMIT}], got ${segmentBytesMax}`);
    }
    this.log = new SegmentLog(this.logPort, segmentBytesMax, this.logger);
  }

  /** Opens (creating if needed) the store on a port. Call recover() next, before appending. */
  static async open<S extends SnapshotInput = SnapshotInput>(port: FilePort, opts: SegmentStorageOptions = {}): Promise<SegmentStorage<S>> {
    const store = new SegmentStorage<S>(port, opts);
    try {
      await store.init();
    } catch (err) {
      await store.closeDurable().catch(() => undefined);
      throw err;
    }
    return store;
  }

  /** Opens the store in directory `dir` (and its log in `opts.logDir`, if given) on the real file system. */
  static async openDir<S extends SnapshotInput = SnapshotInput>(dir: string, opts: SegmentDirOptions = {}): Promise<SegmentStorage<S>> {
    const { logDir, ...rest } = opts;
    const port = await NodeFilePort.open(dir);
    return SegmentStorage.open<S>(port, logDir === undefined ? rest : { ...rest, logPort: await NodeFilePort.open(logDir) });
  }

  private get separateLog(): boolean {
    return this.logPort !== this.port;
  }

  protected async openDurable(): Promise<DurableBasics> {
    const names = await this.port.list();
    for (const name of names) {
      if (parseFileName(name) === undefined) throw new StorageFormatError(`a file named '${name}'`, SEGMENT_FORMAT_VERSION);
    }
    const meta = await readMeta(this.port);
    if (this.separateLog) await checkLogDir(this.port.where, names, meta, this.logPort, await this.logPort.list());
    else checkSingleDir(this.port.where, names, meta);
    if (meta === undefined) {
      const stray = names.find((n) => parseFileName(n)?.kind !== 'temp');
      if (stray !== undefined) throw new StorageFormatError(`'${stray}' without a meta file`, SEGMENT_FORMAT_VERSION);
      await this.deleteTempFiles();
      const fresh = freshMeta();
      // logmeta first: a crash before meta leaves a log directory with no segments, which the next open takes again.
      if (this.separateLog) await writeLogDirMeta(this.logPort, fresh.salt);
      await this.replaceMeta(this.separateLog ? { ...fresh, logDir: this.logPort.where } : fresh);
    } else {
      this.meta = meta;
      if (meta.installingZxid !== undefined) await this.finishInstall(meta.installingZxid);
      await this.deleteTempFiles();
      if (this.separateLog && meta.logDir !== this.logPort.where) {
        this.logger.info('storage: the log directory moved', { from: meta.logDir, to: this.logPort.where });
        await this.replaceMeta({ ...this.meta, logDir: this.logPort.where });
      }
    }
    this.log.load(await this.logPort.list(), this.meta.salt);
    const epochs = new Map<MetaKey, number>();
    if (this.meta.acceptedEpoch !== undefined) epochs.set('acceptedEpoch', this.meta.acceptedEpoch);
    if (this.meta.currentEpoch !== undefined) epochs.set('currentEpoch', this.meta.currentEpoch);
    return { purgedThroughZxid: this.meta.purgedThroughZxid, epochs };
  }

  /** Unsynced: a temp file that comes back after a crash is deleted again on the next open. */
  private async deleteTempFiles(): Promise<void> {
    for (const port of this.ports()) {
      for (const name of await port.list()) if (parseFileName(name)?.kind === 'temp') await port.unlink(name);
    }
  }

  /** The store's directories: one, or two with a separate log directory. */
  private ports(): FilePort[] {
    return this.separateLog ? [this.port, this.logPort] : [this.port];
  }

  protected appendOp(txn: Txn): Sized<SegmentOp> {
    const payload = encodeValue(txnToWire(txn));
    if (payload.length > FRAME_PAYLOAD_BYTES_MAX) {
      throw new StorageStateError(`txn ${hexZxid(txn.zxid)} encodes to ${payload.length} bytes, over the record limit of ${FRAME_PAYLOAD_BYTES_MAX}`);
    }
    const frame = encodeFrame(txn.zxid, payload, this.meta.salt).bytes;
    return { op: { type: 'append', zxid: txn.zxid, frame }, bytes: frame.length };
  }

  protected truncateOp(zxid: number): SegmentOp {
    return { type: 'truncate', zxid };
  }

  protected metaOp(key: MetaKey, value: number): Sized<SegmentOp> {
    return { op: { type: 'meta', key, value }, bytes: 0 };
  }

  /**
   * Runs the ops in order: consecutive appends become one write and one fdatasync, consecutive epoch
   * updates one meta replacement, so a crash part-way keeps a prefix of the batch. A truncation drops
   * the batch's own earlier appends above it; only when none is left can the disk hold txns above it.
   */
  protected writeBatch(ops: SegmentOp[]): Promise<void> {
    return this.serial.run(async () => {
      let frames: Array<{ zxid: number; frame: Uint8Array }> = [];
      let meta: SegmentMeta | undefined;
      const flushFrames = async (): Promise<void> => {
        if (frames.length === 0) return;
        await this.log.append(frames.map((f) => f.frame), frames[0]!.zxid, frames[frames.length - 1]!.zxid);
        frames = [];
      };
      const flushMeta = async (): Promise<void> => {
        if (meta !== undefined) await this.replaceMeta(meta);
        meta = undefined;
      };
      for (const op of ops) {
        switch (op.type) {
          case 'append':
            await flushMeta();
            frames.push(op);
            break;
          case 'truncate':
            await flushMeta();
            while (frames.length > 0 && frames[frames.length - 1]!.zxid > op.zxid) frames.pop();
            if (frames.length === 0) await this.log.truncateAfter(op.zxid);
            break;
          case 'meta':
            await flushFrames();
            meta = { ...(meta ?? this.meta), [op.key]: op.value };
            break;
          default: return assertNever(op, 'segment op');
        }
      }
      await flushFrames();
      await flushMeta();
    });
  }

  protected async listSnapshots(): Promise<Array<SnapshotCandidate<S>>> {
    const out: Array<SnapshotCandidate<S>> = [];
    for (const name of await this.port.list()) {
      const kind = parseFileName(name);
      if (kind?.kind === 'snapshot') out.push({ zxid: kind.zxid, state: 'complete', load: () => readSnapshotFile<S>(this.port, name, kind.zxid, this.meta.salt, this.reviveSnapshotNode) });
    }
    return out.sort((a, b) => b.zxid - a.zxid);
  }

  protected async deleteSnapshot(zxid: number): Promise<void> {
    const name = snapshotName(zxid);
    if ((await this.port.list()).includes(name)) await this.port.unlink(name);
  }

  protected readLog(afterZxid: number): Promise<Txn[]> {
    return this.serial.run(() => this.log.recover(afterZxid));
  }

  protected async writeCompleteSnapshot(snap: S): Promise<number> {
    const name = snapshotName(snap.zxid);
    const tmp = await this.freshTemp(name);
    const chunks = await writeSnapshotFile(this.port, tmp, snap, this.meta.salt);
    await this.port.rename(tmp, name);
    await this.port.syncDir();
    return chunks;
  }

  /** A temp name for `name`, with any leftover of an interrupted write removed. */
  private async freshTemp(name: string): Promise<string> {
    const tmp = tempName(name);
    if ((await this.port.list()).includes(tmp)) await this.port.unlink(tmp);
    return tmp;
  }

  protected purgeLogThrough(zxid: number): Promise<number> {
    return this.serial.run(async () => {
      await this.replaceMeta({ ...this.meta, purgedThroughZxid: zxid });
      return this.log.purgeThrough(zxid);
    });
  }

  /**
   * The snapshot is written under its temp name first; the meta that names it as being installed is the
   * commit point, after which the old log is dead even if a crash comes before it is unlinked.
   */
  protected async replaceWithSnapshot(snap: S): Promise<void> {
    const tmp = await this.freshTemp(snapshotName(snap.zxid));
    const chunks = await writeSnapshotFile(this.port, tmp, snap, this.meta.salt);
    await this.serial.run(async () => {
      await this.replaceMeta({ ...this.meta, purgedThroughZxid: snap.zxid, installingZxid: snap.zxid });
      await this.finishInstall(snap.zxid);
    });
    this.logger.info('storage: snapshot installed', { zxid: hexZxid(snap.zxid), nodes: snap.nodes.length, chunks });
  }

  /**
   * Completes a committed install: idempotent, so it can run again on open after a crash. Both directories
   * are synced before installingZxid is cleared: an unlinked segment that came back would extend the snapshot.
   */
  private async finishInstall(zxid: number): Promise<void> {
    const name = snapshotName(zxid);
    const names = await this.port.list();
    if (names.includes(tempName(name))) await this.port.rename(tempName(name), name);
    else if (!names.includes(name)) throw new CorruptStorageError(name, `an install of ${hexZxid(zxid)} was committed but its snapshot is missing`);
    this.log.load(await this.logPort.list(), this.meta.salt);
    await this.log.removeAll();
    for (const other of names) {
      const kind = parseFileName(other);
      if (kind?.kind === 'snapshot' && kind.zxid !== zxid) await this.port.unlink(other);
    }
    for (const port of this.ports()) await port.syncDir();
    const { installingZxid: _done, ...rest } = this.meta;
    await this.replaceMeta(rest);
  }

  private async replaceMeta(meta: SegmentMeta): Promise<void> {
    await writeMeta(this.port, meta);
    this.meta = meta;
  }

  protected async closeDurable(): Promise<void> {
    await this.serial.run(() => this.log.close());
    for (const port of this.ports()) await port.close();
  }
}
