// Every message on the client wire, declared once. One msgpack map per binary WebSocket frame.
// The bodies here are tied to their ops in ops.ts, which derives RequestBodies, ResponseBodies and the
// Request and MultiOp unions from its table.
import type { ACL, Stat } from './types.js';
import type { AddWatchMode, CreateMode, WatcherType } from './constants.js';
import type { MultiOp, ReadOp } from './ops.js';

/** First frame a client sends on a new connection. */
export interface ConnectRequest {
  protocolVersion: number;
  /** Highest zxid the client has seen; a server behind it refuses the client. 0 for a new client. */
  lastZxidSeen: number;
  /** Requested session timeout; the server clamps it to [minSessionTimeout, maxSessionTimeout]. */
  timeoutMs: number;
  /** 0 asks for a new session; otherwise the session to resume. */
  sessionId: number;
  /** The session's password (16 bytes) when resuming; empty for a new session. */
  passwd: Uint8Array;
  readOnly: boolean;
}

/** The server's answer to ConnectRequest. err is OK, or SESSIONEXPIRED for an unknown or expired session or a wrong password. */
export interface ConnectResponse {
  protocolVersion: number;
  err: number;
  /** Negotiated session timeout (0 when err is not OK). */
  timeoutMs: number;
  sessionId: number;
  passwd: Uint8Array;
  readOnly: boolean;
  /** The server's last applied zxid. */
  zxid: number;
  /** Largest frame the server accepts; a client should reject bigger requests itself. */
  maxFrameBytes: number;
  /** Largest znode data the server accepts. */
  maxDataBytes: number;
  /** Id of the server that answered (1 for a standalone server). */
  serverId: number;
}

// ---- request bodies (ops.ts says which op takes which) ----
export interface CreateRequest { path: string; data: Uint8Array; acl: ACL[]; mode: CreateMode; ttl?: number }
export interface DeleteRequest { path: string; version: number }
export interface PathWatchRequest { path: string; watch: boolean }
export interface SetDataRequest { path: string; data: Uint8Array; version: number }
export interface PathRequest { path: string }
export interface SetACLRequest { path: string; acl: ACL[]; version: number }
export interface CheckVersionRequest { path: string; version: number }
export interface RemoveWatchesRequest { path: string; watcherType: WatcherType }
export interface AddWatchRequest { path: string; mode: AddWatchMode }
export interface GetEphemeralsRequest { prefixPath: string }
/**
 * ZooKeeper's addAuthInfo. scheme: 1 to MAX_AUTH_SCHEME_LENGTH characters; auth: at most MAX_AUTH_BYTES bytes
 * (for `digest`, the UTF-8 of `user:password`). The ids it adds belong to the connection, not the session.
 */
export interface AuthRequest { scheme: string; auth: Uint8Array }
export interface SetWatchesRequest {
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}

export interface MultiRequest { ops: MultiOp[] }
export interface MultiReadRequest { ops: ReadOp[] }
/** createSession, made by the server that completes a new session's handshake (never sent by a client). */
export interface CreateSessionRequest { timeoutMs: number; passwd: Uint8Array; newSessionId: number }
/** deleteContainer, made by the leader for a container whose last child went (never sent by a client). */
export interface DeleteContainerRequest { path: string; nowMs: number }

// ---- response bodies (ops.ts says which op answers with which) ----
export interface CreateResponse { path: string; stat: Stat }
export interface StatResponse { stat: Stat }
export interface GetDataResponse { data: Uint8Array; stat: Stat }
export interface GetACLResponse { acl: ACL[]; stat: Stat }
export interface GetChildrenResponse { children: string[] }
export interface GetChildren2Response { children: string[]; stat: Stat }
export interface SyncResponse { path: string }
export interface GetEphemeralsResponse { ephemerals: string[] }
export interface GetAllChildrenNumberResponse { totalNumber: number }
/** One auth id of the connection, as ZooKeeper's whoAmI reports it: user is the provider's user name for the id. */
export interface ClientInfo { authScheme: string; user: string }
export interface WhoAmIResponse { clientInfo: ClientInfo[] }
/** No body. (Not Record<string, never>: intersected with { op } that would leave no value at all.) */
export type Empty = Record<never, never>;

/** One result inside a multi or multiRead response. err is OK or the op's error code. */
export interface OpResult {
  op: number;
  err: number;
  path?: string;
  stat?: Stat;
  data?: Uint8Array;
  children?: string[];
}
export interface MultiResponse { results: OpResult[] }

/** Header of every response frame. err OK means the body for the op follows; otherwise the body is empty (multi: results). */
export interface ResponseHeader {
  xid: number;
  /** zxid of the server's state when it answered (the txn's zxid for a write). */
  zxid: number;
  err: number;
  /** With some errors: what went wrong, in words (an answer too large to send, say). Never part of the contract's logic. */
  message?: string;
}
/** An answer whose err is not OK: the header only, and for a failed multi its per-op results. */
export interface ErrorResponse extends ResponseHeader {
  results?: OpResult[];
}

/** A watch notification frame: xid is always Xid.NOTIFICATION (-1). */
export interface NotificationFrame {
  xid: -1;
  zxid: number;
  err: 0;
  type: number;
  state: number;
  path: string;
}
