// Public surface of src/storage.
export type {
  MetaKey, RecoveredState, SnapshotInput, StorageLogger, StorageOptions, StorageStats, StoredSnapshot, TxnStore,
} from './types.js';
export {
  CorruptStorageError, SnapshotInProgressError, StorageClosedError, StorageError, StorageFormatError, StorageOverloadError,
  StorageStateError, StorageWriteError,
} from './errors.js';
export { KvTxnStore } from './kv-storage.js';
export { LevelStorage } from './level-storage.js';
export { MemoryStorage, type MemoryStorageOptions } from './memory-storage.js';
export { MemoryDisk, type SyncMode } from './memory-kv.js';
export { crc32 } from './crc32.js';
