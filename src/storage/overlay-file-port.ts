// A copy-on-write view of a directory: reads come from the real files, every change (create, write, cut,
// rename, unlink) stays in memory and is recorded. Running the store's own open and recovery on it shows
// what they would do to a data directory (canopy-admin verify) while the directory is never written, so a
// live server's files can be looked at safely.
import { type AppendOptions, type FilePort, type OpenOptions, type ReadableFile, type WritableFile, assertFileName } from './file-port.js';

/** A change recovery made, in order: what it would do to the real directory. */
export type OverlayChange =
  | { op: 'create'; name: string }
  | { op: 'write'; name: string; bytes: number }
  | { op: 'cut'; name: string; size: number }
  | { op: 'rename'; name: string; to: string }
  | { op: 'unlink'; name: string };

/** A real file read up to `size` (a cut shortens it), or a file that lives in memory. */
type Entry = { kind: 'base'; name: string; size: number } | { kind: 'memory'; bytes: Uint8Array };

export class OverlayFilePort implements FilePort {
  readonly changes: OverlayChange[] = [];

  private constructor(private readonly base: FilePort, private readonly entries: Map<string, Entry>) {}

  get where(): string {
    return this.base.where;
  }

  static async over(base: FilePort): Promise<OverlayFilePort> {
    const entries = new Map<string, Entry>();
    for (const name of await base.list()) {
      const file = await base.openRead(name);
      entries.set(name, { kind: 'base', name, size: file.size });
      await file.close();
    }
    return new OverlayFilePort(base, entries);
  }

  async list(): Promise<string[]> {
    return [...this.entries.keys()];
  }

  async create(name: string, _opts?: OpenOptions): Promise<WritableFile> {
    assertFileName(name);
    if (this.entries.has(name)) throw Object.assign(new Error(`EEXIST: ${name} exists`), { code: 'EEXIST' });
    this.entries.set(name, { kind: 'memory', bytes: new Uint8Array(0) });
    this.changes.push({ op: 'create', name });
    return new OverlayWritableFile(this, name, 0);
  }

  async openAppend(name: string, opts: AppendOptions = {}): Promise<WritableFile> {
    const length = this.lengthOf(name);
    return new OverlayWritableFile(this, name, opts.at ?? length);
  }

  async openRead(name: string): Promise<ReadableFile> {
    const entry = this.entry(name);
    if (entry.kind === 'memory') return memoryReader(entry.bytes);
    const file = await this.base.openRead(entry.name);
    const size = Math.min(entry.size, file.size);
    return { size, read: (into, position) => file.read(into.subarray(0, Math.max(0, Math.min(into.length, size - position))), position), close: () => file.close() };
  }

  async rename(from: string, to: string): Promise<void> {
    assertFileName(to);
    this.entries.set(to, this.entry(from));
    this.entries.delete(from);
    this.changes.push({ op: 'rename', name: from, to });
  }

  async unlink(name: string): Promise<void> {
    this.entry(name);
    this.entries.delete(name);
    this.changes.push({ op: 'unlink', name });
  }

  async syncDir(): Promise<void> {}

  async close(): Promise<void> {}

  /** @internal */
  lengthOf(name: string): number {
    const entry = this.entry(name);
    return entry.kind === 'base' ? entry.size : entry.bytes.length;
  }

  /** @internal A cut of a real file stays a view of it; anything else brings the file into memory first. */
  async resize(name: string, size: number): Promise<void> {
    const entry = this.entry(name);
    if (entry.kind === 'base' && size <= entry.size) entry.size = size;
    else await this.setBytes(name, grow(await this.bytesOf(name), size));
    this.changes.push({ op: 'cut', name, size });
  }

  /** @internal */
  async writeAt(name: string, at: number, chunks: readonly Uint8Array[]): Promise<void> {
    let total = 0;
    for (const c of chunks) total += c.length;
    const bytes = grow(await this.bytesOf(name), Math.max(this.lengthOf(name), at + total));
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    await this.setBytes(name, bytes);
    this.changes.push({ op: 'write', name, bytes: total });
  }

  private async bytesOf(name: string): Promise<Uint8Array> {
    const file = await this.openRead(name);
    try {
      const bytes = new Uint8Array(file.size);
      for (let done = 0; done < bytes.length; ) {
        const n = await file.read(bytes.subarray(done), done);
        if (n === 0) break;
        done += n;
      }
      return bytes;
    } finally {
      await file.close();
    }
  }

  private async setBytes(name: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(name, { kind: 'memory', bytes });
  }

  private entry(name: string): Entry {
    assertFileName(name);
    const entry = this.entries.get(name);
    if (entry === undefined) throw Object.assign(new Error(`ENOENT: ${name} does not exist`), { code: 'ENOENT' });
    return entry;
  }
}

function grow(bytes: Uint8Array, size: number): Uint8Array {
  if (size === bytes.length) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, Math.min(size, bytes.length)));
  return out;
}

function memoryReader(bytes: Uint8Array): ReadableFile {
  return {
    size: bytes.length,
    read: async (into, position) => {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
    close: async () => {},
  };
}

class OverlayWritableFile implements WritableFile {
  constructor(private readonly port: OverlayFilePort, private readonly name: string, public size: number) {}

  get allocated(): number {
    return this.port.lengthOf(this.name);
  }

  async append(chunks: readonly Uint8Array[]): Promise<void> {
    await this.port.writeAt(this.name, this.size, chunks);
    for (const c of chunks) this.size += c.length;
  }

  async reserve(bytes: number): Promise<void> {
    if (this.size + bytes > this.allocated) await this.port.resize(this.name, this.size + bytes);
  }

  async datasync(): Promise<void> {}

  async sync(): Promise<void> {}

  async truncate(size: number): Promise<void> {
    await this.port.resize(this.name, size);
    this.size = size;
  }

  async close(): Promise<void> {}
}
