// The Canopy client SDK ('canopy/client'). Browser-safe: nothing here imports Node modules at load time.
export { Client } from './client.js';
export type { ClientEvents, WatchOptions } from './client.js';
export type { ClientState } from './connection.js';
export type { ClientOptions, Pem, RetryOptions, TlsOptions } from './options.js';
export { KeeperError } from './errors.js';
export type { ConnectionFailure, ConnectionFailureCause } from './errors.js';
export { Op } from './ops.js';
export type { CreateOptions } from './ops.js';
export { Transaction } from './transaction.js';
export type { Data } from './bytes.js';
export type { Watcher } from './watches.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export { parseConnectString } from './connect-string.js';
export type { ParsedConnectString, ServerAddress } from './connect-string.js';
export {
  AddWatchMode, CreateMode, ErrorCode, EventType, KeeperState, OPEN_ACL_UNSAFE, OpCode, Perms, READ_ACL_UNSAFE, WatcherType,
} from '../protocol/index.js';
export type { ACL, Id, MultiOp, OpResult, ReadOp, Stat, WatchedEvent } from '../protocol/index.js';
