// FilePort in memory, with the durability rules of file-port.ts and a crash that follows them, so the
// segment store can be crashed at any point in a test (or the simulator) without real disks.
//
// Model: MemoryFileDisk is what survives (names → inodes, inode → bytes). A MemoryFilePort is one
// process's view: it applies every operation to its own view at once and records it in a journal.
// datasync/sync move the file's journalled writes onto the disk; syncDir moves the journalled name
// changes. A sync covers what was journalled when it was called and completes on the next macrotask
// ('auto') or when the test calls completeSync() ('manual'). crash() applies a prefix of the journal
// (keepOps) and may tear the next write (tearBytes of it land), then refuses everything; a clean
// close() applies the whole journal, as the OS cache survives a process exit.
import { assertNever } from '../../protocol/assert-never.js';
import { StorageClosedError } from './errors.js';
import { type AppendOptions, type FilePort, type OpenOptions, type ReadableFile, type WritableFile, assertFileName } from './file-port.js';
import type { SyncMode } from './memory-kv.js';

/** Bytes that can be written anywhere (growing the file with zeros up to there), extended and cut. */
class GrowableBytes {
  private buf = new Uint8Array(64);
  length = 0;

  writeAt(at: number, bytes: Uint8Array): void {
    this.resize(Math.max(this.length, at + bytes.length));
    this.buf.set(bytes, at);
  }

  append(bytes: Uint8Array): void {
    this.writeAt(this.length, bytes);
  }

  /** Cuts to size, or extends to it with zeros. */
  resize(size: number): void {
    if (size > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, size));
      next.set(this.view());
      this.buf = next;
    } else if (size > this.length) {
      this.buf.fill(0, this.length, size);
    }
    this.length = size;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  copy(): GrowableBytes {
    const out = new GrowableBytes();
    out.append(this.view());
    return out;
  }
}

/** write: bytes at an offset (a pwrite); truncate: the file's length set, cut or extended with zeros (an ftruncate). */
type DataOp = { kind: 'write'; inode: number; at: number; bytes: Uint8Array } | { kind: 'truncate'; inode: number; size: number };
type NameOp = { kind: 'link'; name: string; inode: number } | { kind: 'rename'; from: string; to: string } | { kind: 'unlink'; name: string };
type JournalOp = DataOp | NameOp;

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** What survives a crash. The raw accessors are for fault injection in tests. */
export class MemoryFileDisk {
  private readonly names = new Map<string, number>();
  private readonly contents = new Map<number, GrowableBytes>();
  private nextInode = 1;

  newInode(): number {
    return this.nextInode++;
  }

  /** The durable names and a copy of each file's bytes: a process's starting view. */
  load(): { names: Map<string, number>; contents: Map<number, GrowableBytes> } {
    const contents = new Map<number, GrowableBytes>();
    for (const inode of this.names.values()) contents.set(inode, this.content(inode).copy());
    return { names: new Map(this.names), contents };
  }

  apply(op: JournalOp, tearBytes?: number): void {
    switch (op.kind) {
      case 'write': return this.content(op.inode).writeAt(op.at, tearBytes === undefined ? op.bytes : op.bytes.subarray(0, tearBytes));
      case 'truncate': return this.content(op.inode).resize(op.size);
      case 'link':
        this.names.set(op.name, op.inode);
        return;
      case 'rename': {
        const inode = this.names.get(op.from);
        if (inode === undefined) throw new Error(`memory disk: rename of ${op.from}, which is not on the disk`);
        this.names.set(op.to, inode);
        this.names.delete(op.from);
        return;
      }
      case 'unlink':
        this.names.delete(op.name);
        return;
      default: return assertNever(op, 'journal op');
    }
  }

  fileNames(): string[] {
    return [...this.names.keys()].sort();
  }

  readFile(name: string): Uint8Array | undefined {
    const inode = this.names.get(name);
    return inode === undefined ? undefined : this.content(inode).view().slice();
  }

  /** Replaces a file's durable bytes (creating it if needed). */
  writeFile(name: string, bytes: Uint8Array): void {
    let inode = this.names.get(name);
    if (inode === undefined) {
      inode = this.newInode();
      this.names.set(name, inode);
    }
    const content = new GrowableBytes();
    content.append(bytes);
    this.contents.set(inode, content);
  }

  deleteFile(name: string): void {
    this.names.delete(name);
  }

  private content(inode: number): GrowableBytes {
    let c = this.contents.get(inode);
    if (c === undefined) {
      c = new GrowableBytes();
      this.contents.set(inode, c);
    }
    return c;
  }
}

interface WaitingSync {
  ops: Set<JournalOp>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface CrashOptions {
  /** How many of the unsynced operations, oldest first, reach the disk anyway. */
  keepOps?: number;
  /** When the first operation not kept is a write: how many of its bytes land (a torn write). */
  tearBytes?: number;
}

export class MemoryFilePort implements FilePort {
  private readonly names: Map<string, number>;
  private readonly contents: Map<number, GrowableBytes>;
  private journal: JournalOp[] = [];
  private readonly waiting: WaitingSync[] = [];
  private autoScheduled = false;
  private dead: Error | undefined;
  private failures = { append: 0, sync: 0 };

  /** `where` names the directory in messages (two ports of one store, dataDir and dataLogDir, need two names). */
  constructor(readonly disk: MemoryFileDisk = new MemoryFileDisk(), private syncMode: SyncMode = 'auto', readonly where = 'memory') {
    ({ names: this.names, contents: this.contents } = disk.load());
  }

  /** Operations not yet on the disk. */
  get unsyncedOps(): number {
    return this.journal.length;
  }

  /** Syncs waiting for completeSync() (in 'manual' mode). */
  get pendingSyncs(): number {
    return this.waiting.length;
  }

  setSyncMode(mode: SyncMode): void {
    this.syncMode = mode;
    this.scheduleAuto();
  }

  /** The next `count` appends (or syncs) fail with EIO, as a failing disk would. */
  failNext(op: 'append' | 'sync', count = 1): void {
    this.failures[op] += count;
  }

  /** Completes the oldest waiting sync. False if none waits. */
  completeSync(): boolean {
    const head = this.waiting.shift();
    if (head === undefined || this.dead) return false;
    const rest: JournalOp[] = [];
    for (const op of this.journal) {
      if (head.ops.has(op)) this.disk.apply(op);
      else rest.push(op);
    }
    this.journal = rest;
    head.resolve();
    return true;
  }

  /** A power failure: see CrashOptions. This port refuses everything afterwards; the disk stays. */
  crash(opts: CrashOptions = {}): void {
    if (this.dead) return;
    const keep = Math.min(Math.max(0, opts.keepOps ?? 0), this.journal.length);
    for (const op of this.journal.slice(0, keep)) this.disk.apply(op);
    const next = this.journal[keep];
    if (next?.kind === 'write' && (opts.tearBytes ?? 0) > 0) this.disk.apply(next, Math.min(opts.tearBytes!, next.bytes.length));
    this.kill(new StorageClosedError('storage crashed'));
  }

  async close(): Promise<void> {
    if (this.dead) return;
    for (const op of this.journal) this.disk.apply(op);
    this.kill(new StorageClosedError());
  }

  async list(): Promise<string[]> {
    this.assertAlive();
    return [...this.names.keys()];
  }

  async create(name: string, opts: OpenOptions = {}): Promise<WritableFile> {
    this.assertAlive();
    assertFileName(name);
    if (this.names.has(name)) throw fsError('EEXIST', `${name} exists`);
    const inode = this.disk.newInode();
    this.contents.set(inode, new GrowableBytes());
    this.record({ kind: 'link', name, inode });
    return new MemoryWritableFile(this, inode, 0, opts.dsync === true);
  }

  async openAppend(name: string, opts: AppendOptions = {}): Promise<WritableFile> {
    const inode = this.inodeOf(name);
    const length = this.contentOf(inode).length;
    const at = opts.at ?? length;
    if (!Number.isSafeInteger(at) || at < 0 || at > length) throw new RangeError(`append offset ${at} is outside ${name} (${length} bytes)`);
    return new MemoryWritableFile(this, inode, at, opts.dsync === true);
  }

  async openRead(name: string): Promise<ReadableFile> {
    return new MemoryReadableFile(this, this.inodeOf(name));
  }

  async rename(from: string, to: string): Promise<void> {
    assertFileName(to);
    this.inodeOf(from);
    this.record({ kind: 'rename', from, to });
  }

  async unlink(name: string): Promise<void> {
    this.inodeOf(name);
    this.record({ kind: 'unlink', name });
  }

  syncDir(): Promise<void> {
    this.assertAlive();
    return this.waitForSync((op) => op.kind === 'link' || op.kind === 'rename' || op.kind === 'unlink');
  }

  // ---- used by the file handles ----

  /** @internal */
  contentOf(inode: number): GrowableBytes {
    this.assertAlive();
    return this.contents.get(inode)!;
  }

  /** @internal */
  writeTo(inode: number, at: number, chunks: readonly Uint8Array[]): void {
    this.assertAlive();
    if (this.failures.append > 0) {
      this.failures.append--;
      throw fsError('EIO', 'simulated write failure');
    }
    let total = 0;
    for (const c of chunks) total += c.byteLength;
    const bytes = new Uint8Array(total);
    let filled = 0;
    for (const c of chunks) {
      bytes.set(c, filled);
      filled += c.byteLength;
    }
    this.record({ kind: 'write', inode, at, bytes });
  }

  /** @internal */
  resizeInode(inode: number, size: number): void {
    this.assertAlive();
    this.record({ kind: 'truncate', inode, size });
  }

  /** @internal */
  syncInode(inode: number): Promise<void> {
    this.assertAlive();
    if (this.failures.sync > 0) {
      this.failures.sync--;
      return Promise.reject(fsError('EIO', 'simulated sync failure'));
    }
    return this.waitForSync((op) => (op.kind === 'write' || op.kind === 'truncate') && op.inode === inode);
  }

  /** @internal */
  assertAlive(): void {
    if (this.dead) throw this.dead;
  }

  private record(op: JournalOp): void {
    this.assertAlive();
    switch (op.kind) {
      case 'write': this.contents.get(op.inode)!.writeAt(op.at, op.bytes); break;
      case 'truncate': this.contents.get(op.inode)!.resize(op.size); break;
      case 'link': this.names.set(op.name, op.inode); break;
      case 'rename':
        this.names.set(op.to, this.names.get(op.from)!);
        this.names.delete(op.from);
        break;
      case 'unlink': this.names.delete(op.name); break;
      default: return assertNever(op, 'journal op');
    }
    this.journal.push(op);
  }

  private inodeOf(name: string): number {
    this.assertAlive();
    assertFileName(name);
    const inode = this.names.get(name);
    if (inode === undefined) throw fsError('ENOENT', `${name} does not exist`);
    return inode;
  }

  private waitForSync(covers: (op: JournalOp) => boolean): Promise<void> {
    const ops = new Set(this.journal.filter(covers));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ ops, resolve, reject });
      this.scheduleAuto();
    });
  }

  private scheduleAuto(): void {
    if (this.syncMode !== 'auto' || this.autoScheduled || this.waiting.length === 0) return;
    this.autoScheduled = true;
    setImmediate(() => {
      this.autoScheduled = false;
      while (this.syncMode === 'auto' && this.completeSync());
    });
  }

  private kill(reason: Error): void {
    this.dead = reason;
    this.journal = [];
    for (const w of this.waiting.splice(0)) w.reject(reason);
  }
}

class MemoryWritableFile implements WritableFile {
  private closed = false;

  constructor(private readonly port: MemoryFilePort, private readonly inode: number, public size: number, private readonly dsync: boolean) {}

  get allocated(): number {
    return this.port.contentOf(this.inode).length;
  }

  /** With dsync, resolves only once the bytes are on the disk: a sync of its own, as O_DSYNC makes each write. */
  async append(chunks: readonly Uint8Array[]): Promise<void> {
    this.assertOpen();
    const at = this.size;
    this.port.writeTo(this.inode, at, chunks);
    for (const c of chunks) this.size += c.byteLength;
    if (this.dsync) await this.port.syncInode(this.inode);
  }

  async reserve(bytes: number): Promise<void> {
    this.assertOpen();
    if (this.size + bytes > this.allocated) this.port.resizeInode(this.inode, this.size + bytes);
  }

  datasync(): Promise<void> {
    this.assertOpen();
    return this.port.syncInode(this.inode);
  }

  sync(): Promise<void> {
    return this.datasync();
  }

  async truncate(size: number): Promise<void> {
    this.assertOpen();
    this.port.resizeInode(this.inode, size);
    this.size = size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw fsError('EBADF', 'file is closed');
    this.port.assertAlive();
  }
}

class MemoryReadableFile implements ReadableFile {
  readonly size: number;

  constructor(private readonly port: MemoryFilePort, private readonly inode: number) {
    this.size = port.contentOf(inode).length;
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    const bytes = this.port.contentOf(this.inode).view();
    const n = Math.max(0, Math.min(into.length, bytes.length - position));
    into.set(bytes.subarray(position, position + n));
    return n;
  }

  async close(): Promise<void> {}
}
