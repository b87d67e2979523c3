// FilePort on node:fs/promises: every call runs on libuv's thread pool, so a write or an fdatasync never
// blocks the event loop. Segments are opened O_APPEND, so a write lands at the end even after a truncation.
import { constants, type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type FilePort, type OpenOptions, type ReadableFile, type WritableFile, assertFileName } from './file-port.js';

const APPEND_EXISTING = constants.O_WRONLY | constants.O_APPEND;
const APPEND_NEW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL;
const FILE_MODE = 0o600;

function dsyncFlag(opts: OpenOptions): number {
  return opts.dsync === true ? constants.O_DSYNC : 0;
}
const DIR_MODE = 0o700;

class NodeWritableFile implements WritableFile {
  constructor(private readonly handle: FileHandle, public size: number, private readonly path: string) {}

  async append(chunks: readonly Uint8Array[]): Promise<void> {
    let expected = 0;
    for (const c of chunks) expected += c.byteLength;
    if (expected === 0) return;
    // libuv loops over partial writes; a short total means the disk refused the rest (ENOSPC and the like).
    const { bytesWritten } = await this.handle.writev(chunks as Uint8Array[]);
    this.size += bytesWritten;
    if (bytesWritten !== expected) throw new Error(`short write to ${this.path}: ${bytesWritten} of ${expected} bytes`);
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

  list(): Promise<string[]> {
    return readdir(this.where);
  }

  async create(name: string, opts: OpenOptions = {}): Promise<WritableFile> {
    const handle = await open(this.path(name), APPEND_NEW | dsyncFlag(opts), FILE_MODE);
    return new NodeWritableFile(handle, 0, this.path(name));
  }

  async openAppend(name: string, opts: OpenOptions = {}): Promise<WritableFile> {
    const handle = await open(this.path(name), APPEND_EXISTING | dsyncFlag(opts));
    try {
      return new NodeWritableFile(handle, (await handle.stat()).size, this.path(name));
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
