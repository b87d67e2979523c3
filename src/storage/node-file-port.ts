// FilePort on node:fs/promises: every call runs on libuv's thread pool, so a write or an fdatasync never
// blocks the event loop. Writes are positional (pwritev at the file's own append offset), not O_APPEND:
// a file may hold reserved zeros after its last byte, which the next append overwrites.
import { constants, type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppendOptions, type FilePort, type OpenOptions, type ReadableFile, type WritableFile, assertFileName } from './file-port.js';

const WRITE_EXISTING = constants.O_WRONLY;
const WRITE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
const FILE_MODE = 0o600;

function dsyncFlag(opts: OpenOptions): number {
  return opts.dsync === true ? constants.O_DSYNC : 0;
}
const DIR_MODE = 0o700;

class NodeWritableFile implements WritableFile {
  constructor(private readonly handle: FileHandle, public size: number, public allocated: number, private readonly path: string) {}

  async append(chunks: readonly Uint8Array[]): Promise<void> {
    let expected = 0;
    for (const c of chunks) expected += c.byteLength;
    if (expected === 0) return;
    // libuv loops over partial writes; a short total means the disk refused the rest (ENOSPC and the like).
    const { bytesWritten } = await this.handle.writev(chunks as Uint8Array[], this.size);
    this.size += bytesWritten;
    this.allocated = Math.max(this.allocated, this.size);
    if (bytesWritten !== expected) throw new Error(`short write to ${this.path}: ${bytesWritten} of ${expected} bytes`);
  }

  async reserve(bytes: number): Promise<void> {
    const length = this.size + bytes;
    if (length <= this.allocated) return;
    // ftruncate extends sparsely: no blocks are written, and the length is made durable by the next synced write.
    await this.handle.truncate(length);
    this.allocated = length;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
    this.size = size;
    this.allocated = size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

class NodeReadableFile implements ReadableFile {
  constructor(private readonly handle: FileHandle, readonly size: number) {}

  async read(into: Uint8Array, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, 0, into.byteLength, position);
    return bytesRead;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export class NodeFilePort implements FilePort {
  private constructor(readonly where: string) {}

  /** The port on `dir`, creating the directory (and its parents) if needed. */
  static async open(dir: string): Promise<NodeFilePort> {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    return new NodeFilePort(dir);
  }

  /** The port on an existing directory, created by nothing: for tools that must not change what they read. */
  static async openExisting(dir: string): Promise<NodeFilePort> {
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${dir} is not a directory`), { code: 'ENOTDIR', path: dir });
    return new NodeFilePort(dir);
  }

  list(): Promise<string[]> {
    return readdir(this.where);
  }

  async create(name: string, opts: OpenOptions = {}): Promise<WritableFile> {
    const handle = await open(this.path(name), WRITE_NEW | dsyncFlag(opts), FILE_MODE);
    return new NodeWritableFile(handle, 0, 0, this.path(name));
  }

  async openAppend(name: string, opts: AppendOptions = {}): Promise<WritableFile> {
    const handle = await open(this.path(name), WRITE_EXISTING | dsyncFlag(opts));
    try {
      const length = (await handle.stat()).size;
      const at = opts.at ?? length;
      if (!Number.isSafeInteger(at) || at < 0 || at > length) throw new RangeError(`append offset ${at} is outside ${this.path(name)} (${length} bytes)`);
      return new NodeWritableFile(handle, at, length, this.path(name));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async openRead(name: string): Promise<ReadableFile> {
    const handle = await open(this.path(name), 'r');
    try {
      return new NodeReadableFile(handle, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  rename(from: string, to: string): Promise<void> {
    return rename(this.path(from), this.path(to));
  }

  unlink(name: string): Promise<void> {
    return unlink(this.path(name));
  }

  async syncDir(): Promise<void> {
    const handle = await open(this.where, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}

  private path(name: string): string {
    assertFileName(name);
    return join(this.where, name);
  }
}
