// Public surface of src/storage.
export type {
  MetaKey, RecoveredState, SnapshotInput, SnapshotNodeReviver, StorageLogger, StorageOptions, StorageStats, StoredSnapshot, TxnStore,
} from './types.js';
export {
  CorruptStorageError, SnapshotInProgressError, StorageClosedError, StorageError, StorageFormatError, StorageOverloadError,
  StorageStateError, StorageWriteError, LogDirMismatchError, SnapshotArchiveError, ArchiveChecksumError, ArchiveFormatError,
  ArchiveTruncatedError,
} from './errors.js';
export { snapshotArchiveChunks, type ArchiveWriteOptions } from './snapshot-archive.js';
export { readSnapshotArchive, readSnapshotArchiveWithFacts, type ArchiveFacts, type ArchiveReadOptions } from './snapshot-archive-read.js';
export { TxnStoreCore } from './txn-store-core.js';
export { KvTxnStore } from './kv-storage.js';
export { LevelStorage } from './level-storage.js';
export { MemoryStorage, type MemoryStorageOptions } from './memory-storage.js';
export { MemoryDisk, type SyncMode } from './memory-kv.js';
export { SegmentStorage, type SegmentDirOptions, type SegmentStorageOptions } from './segment-storage.js';
export { DEFAULT_RETENTION, SNAP_RETAIN_COUNT_MAX, SNAP_RETAIN_COUNT_MIN, type RetentionPolicy } from './retention.js';
export type { FilePort, ReadableFile, WritableFile } from './file-port.js';
export { NodeFilePort } from './node-file-port.js';
export { MemoryFileDisk, MemoryFilePort, type CrashOptions } from './memory-file-port.js';
export { crc32 } from './crc32.js';
