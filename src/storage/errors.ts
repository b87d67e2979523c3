// Typed storage errors. Callers branch on the class, never on the message.

/** Base of every error thrown by src/storage. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Stored bytes failed verification: a checksum mismatch, an undecodable record, a snapshot whose
 * chunks do not match its meta, or a log with a corrupt record followed by valid ones.
 * `key` names the record (or the file), `offset` the byte in that file where the bad record starts,
 * `reason` says what was wrong with it.
 */
export class CorruptStorageError extends StorageError {
  constructor(readonly key: string, readonly reason: string, readonly offset?: number) {
    super(`corrupt storage record '${key}'${offset === undefined ? '' : ` at offset ${offset}`}: ${reason}`);
  }
}

/** The data directory was written by an incompatible format version. */
export class StorageFormatError extends StorageError {
  constructor(readonly found: unknown, readonly supported: number) {
    super(`unsupported storage format ${JSON.stringify(found)} (this build reads format ${supported})`);
  }
}

/** The store was closed (or crashed, for the in-memory twin); nothing more is accepted. */
export class StorageClosedError extends StorageError {
  constructor(reason = 'storage is closed') {
    super(reason);
  }
}

/**
 * A synced write failed. The store is then failed for good: later txns could otherwise become
 * durable ahead of earlier ones, so every pending and later write is rejected with this error.
 */
export class StorageWriteError extends StorageError {
  constructor(cause: unknown) {
    super(`storage write failed; the store accepts no more writes: ${String(cause)}`, { cause });
  }
}

/** A caller broke the contract (zxids out of order, truncating below a snapshot, ...): a bug. */
export class StorageStateError extends StorageError {}

/** More writes are waiting for disk than the named limit allows: the caller must slow down. */
export class StorageOverloadError extends StorageError {
  constructor(readonly pendingMax: number) {
    super(`more than ${pendingMax} writes are waiting for disk`);
  }
}

/** writeSnapshot was called while another snapshot was still being written. */
export class SnapshotInProgressError extends StorageError {
  constructor() {
    super('a snapshot is already being written');
  }
}

/**
 * The store directory and the log directory (dataLogDir) do not belong together: the log was written to
 * another directory than the one given, or the directory given holds another store's log. Opening would
 * start from the wrong log, so the store refuses; the message says which directory to give.
 */
export class LogDirMismatchError extends StorageError {}

/**
 * A snapshot archive (snapshot-archive.ts) that does not read back: the subclass says what is wrong, `offset`
 * where in the stream the frame at fault starts (undefined for the stream as a whole).
 */
export class SnapshotArchiveError extends StorageError {
  constructor(readonly reason: string, readonly offset?: number) {
    super(`snapshot archive${offset === undefined ? '' : ` at offset ${offset}`}: ${reason}`);
  }
}

/** The stream ended before the archive's trailer: a copy cut short. */
export class ArchiveTruncatedError extends SnapshotArchiveError {}

/** A frame's checksum, or the trailer's checksum over all the chunks, does not match: the bytes were damaged. */
export class ArchiveChecksumError extends SnapshotArchiveError {}

/** Not a Canopy snapshot archive of a version this build reads, or one whose frames do not fit together. */
export class ArchiveFormatError extends SnapshotArchiveError {}
