// ZooKeeper's numbers, so that tools and people can map Canopy onto what they know.
// Inside the process code uses these named constants, never bare integers.

/** Version of the Canopy wire protocol spoken by this build (see protocol/README.md). */
export const PROTOCOL_VERSION = 1;

/** ZooKeeper's ZooDefs.OpCode numbers. */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** ZooKeeper's KeeperException.Code numbers. */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
/** The ZooKeeper name of an error code ('NONODE'), or 'UNKNOWN(<n>)'. */
export function errorCodeName(code: number): string {
  return errorNames.get(code) ?? `UNKNOWN(${code})`;
}
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'number' && errorNames.has(code);
}

/** ZooKeeper's Watcher.Event.EventType numbers. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** ZooKeeper's Watcher.Event.KeeperState numbers. */
export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  Expired: -112,
  Closed: 7,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

/** ZooKeeper's CreateMode numbers. */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

export function isSequentialMode(mode: CreateMode): boolean {
  return (
    mode === CreateMode.PERSISTENT_SEQUENTIAL ||
    mode === CreateMode.EPHEMERAL_SEQUENTIAL ||
    mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
  );
}
export function isEphemeralMode(mode: CreateMode): boolean {
  return mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
}
export function isTtlMode(mode: CreateMode): boolean {
  return mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
}

/** ZooKeeper's ZooDefs.Perms bits. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** addWatch modes (ZooKeeper's AddWatchMode). */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** removeWatches types (ZooKeeper's WatcherType). */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** Reserved xids, as in ZooKeeper's ClientCnxn. */
export const Xid = {
  NOTIFICATION: -1,
  PING: -2,
  AUTH: -4,
  SET_WATCHES: -8,
} as const;

/** WebSocket close codes Canopy uses (4000-4999 is the application range). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  FRAME_TOO_LARGE: 1009,
  /** The server hit a bug handling this connection's input; it closed this connection only and logged why. */
  INTERNAL_ERROR: 1011,
  /** The frame was not a msgpack message of the expected shape; the reason says what was wrong. */
  PROTOCOL_ERROR: 4000,
  /** The client has seen a zxid newer than this server's state: it must try another server. */
  SERVER_BEHIND: 4001,
  /** The server is not (yet) serving clients: starting, shutting down, or not synced. */
  NOT_SERVING: 4002,
  /** The session was closed or expired. */
  SESSION_ENDED: 4003,
  /** The session was resumed on another connection. */
  SESSION_MOVED: 4004,
  /** The client did not complete the handshake or stopped sending pings. */
  TIMEOUT: 4005,
  /** The client's protocol version is not supported. */
  UNSUPPORTED_VERSION: 4006,
  /** The client did not read its answers: more than maxClientOutputBytes were waiting to be sent. */
  SLOW_CONSUMER: 4007,
  /**
   * Authentication failed: an auth request was refused (AUTHFAILED), or the server enforces authentication
   * and a request came before it (SESSIONCLOSEDREQUIRESASLAUTH). The session is not closed; it expires.
   */
  AUTH_FAILED: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
