// The file operations SegmentStorage needs, and nothing more, on one flat directory. Two implementations:
// NodeFilePort (node:fs/promises, the I/O off the main thread) and MemoryFilePort (a simulated disk that
// a test or the simulator can crash), so the segment store runs the same code in both.
//
// Durability, as POSIX gives it and as both implementations model it:
// - Written bytes and size changes (truncate, reserve) of a file are durable once datasync() (or sync())
//   of that file resolves, or once a later O_DSYNC append to it resolves.
// - Creating, renaming and unlinking a name are durable once a later syncDir() resolves; until then a
//   crash may undo them. A file's own sync does not make its name durable.
// - A crash keeps everything durable and may keep any prefix of what was not; the first write it does
//   not keep may land torn (only a prefix of its bytes).

export interface OpenOptions {
  /**
   * Every append is durable (bytes and size) once it resolves, as if followed by datasync(): O_DSYNC, so
   * one syscall instead of two. A truncation still needs datasync().
   */
  dsync?: boolean;
}

export interface AppendOptions extends OpenOptions {
  /**
   * Where appending starts (the end of what the file holds); what follows is zeros a reserve() left. The
   * default is the file's length.
   */
  at?: number;
}

/** A file open for appending. Every method rejects once the file or the port is closed. */
export interface WritableFile {
  /** Where the next append lands: the bytes written so far, after truncations; zeros reserved after it do not count. */
  readonly size: number;
  /** The file's length: size plus the zeros reserved after it. */
  readonly allocated: number;
  /** Writes the chunks at `size` in one write (pwritev); rejects unless every byte was written. */
  append(chunks: readonly Uint8Array[]): Promise<void>;
  /**
   * Extends the file with zeros (sparse) to at least size + bytes, so appends up to there do not change its
   * length: a synced write that grows a file also commits the new length to the file system's journal.
   */
  reserve(bytes: number): Promise<void>;
  /** Makes the file's bytes and size durable (fdatasync). */
  datasync(): Promise<void>;
  /** Makes the file's bytes and all its metadata durable (fsync). */
  sync(): Promise<void>;
  /** Cuts the file (and what it reserved) to `size` bytes; durable after the next datasync. */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** A file open for reading. */
export interface ReadableFile {
  readonly size: number;
  /** Reads up to into.length bytes at position into `into`; resolves with the count (0 at the end). */
  read(into: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FilePort {
  /** A name for messages and errors (the directory's path). */
  readonly where: string;
  /** The names in the directory, in no particular order. */
  list(): Promise<string[]>;
  /** Creates a new empty file, open for appending; an existing name is an error. */
  create(name: string, opts?: OpenOptions): Promise<WritableFile>;
  /** Opens an existing file for appending at its end, or at `opts.at`. */
  openAppend(name: string, opts?: AppendOptions): Promise<WritableFile>;
  openRead(name: string): Promise<ReadableFile>;
  /** Replaces `to` (if it exists) with `from`, atomically. Durable after syncDir. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a name. Durable after syncDir. */
  unlink(name: string): Promise<void>;
  /** Makes every create, rename and unlink so far durable (fsync of the directory). */
  syncDir(): Promise<void>;
  /** Releases the port; files still open are the caller's to close first. */
  close(): Promise<void>;
}

/** Names are plain file names: no separators, no '.' or '..', a bounded length. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function assertFileName(name: string): void {
  if (!FILE_NAME.test(name)) throw new RangeError(`not a plain file name: ${JSON.stringify(name.slice(0, 140))}`);
}
