// Every message on the client wire, declared once. One msgpack map per binary WebSocket frame.
// The server's handler table and the client's methods are typed from these declarations.
import type { ACL, Stat } from './types.js';
import type { AddWatchMode, CreateMode, OpCode, WatcherType } from './constants.js';

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

// ---- request bodies, one per opcode ----
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

/** One op inside a multi: a write op with its opcode. */
export type MultiOp =
  | ({ op: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL } & CreateRequest)
  | ({ op: typeof OpCode.delete } & DeleteRequest)
  | ({ op: typeof OpCode.setData } & SetDataRequest)
  | ({ op: typeof OpCode.check } & CheckVersionRequest);
export interface MultiRequest { ops: MultiOp[] }

/** One op inside a multiRead. */
export type ReadOp = { op: typeof OpCode.getData | typeof OpCode.getChildren | typeof OpCode.getChildren2 | typeof OpCode.exists; path: string };
export interface MultiReadRequest { ops: ReadOp[] }

/** Request bodies by opcode. Every request frame is { xid, op, ...body }. */
export interface RequestBodies {
  [OpCode.create]: CreateRequest;
  [OpCode.create2]: CreateRequest;
  [OpCode.createContainer]: CreateRequest;
  [OpCode.createTTL]: CreateRequest;
  [OpCode.delete]: DeleteRequest;
  [OpCode.exists]: PathWatchRequest;
  [OpCode.getData]: PathWatchRequest;
  [OpCode.setData]: SetDataRequest;
  [OpCode.getACL]: PathRequest;
  [OpCode.setACL]: SetACLRequest;
  [OpCode.getChildren]: PathWatchRequest;
  [OpCode.getChildren2]: PathWatchRequest;
  [OpCode.sync]: PathRequest;
  [OpCode.ping]: Record<string, never>;
  [OpCode.check]: CheckVersionRequest;
  [OpCode.multi]: MultiRequest;
  [OpCode.multiRead]: MultiReadRequest;
  [OpCode.removeWatches]: RemoveWatchesRequest;
  [OpCode.addWatch]: AddWatchRequest;
  [OpCode.setWatches2]: SetWatchesRequest;
  [OpCode.getEphemerals]: GetEphemeralsRequest;
  [OpCode.getAllChildrenNumber]: PathRequest;
  [OpCode.auth]: AuthRequest;
  [OpCode.whoAmI]: Record<string, never>;
  [OpCode.closeSession]: Record<string, never>;
}
export type RequestOp = keyof RequestBodies & OpCode;

// ---- response bodies, one per opcode ----
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
export type Empty = Record<string, never>;

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

export interface ResponseBodies {
  [OpCode.create]: CreateResponse;
  [OpCode.create2]: CreateResponse;
  [OpCode.createContainer]: CreateResponse;
  [OpCode.createTTL]: CreateResponse;
  [OpCode.delete]: Empty;
  [OpCode.exists]: StatResponse;
  [OpCode.getData]: GetDataResponse;
  [OpCode.setData]: StatResponse;
  [OpCode.getACL]: GetACLResponse;
  [OpCode.setACL]: StatResponse;
  [OpCode.getChildren]: GetChildrenResponse;
  [OpCode.getChildren2]: GetChildren2Response;
  [OpCode.sync]: SyncResponse;
  [OpCode.ping]: Empty;
  [OpCode.check]: Empty;
  [OpCode.multi]: MultiResponse;
  [OpCode.multiRead]: MultiResponse;
  [OpCode.removeWatches]: Empty;
  [OpCode.addWatch]: Empty;
  [OpCode.setWatches2]: Empty;
  [OpCode.getEphemerals]: GetEphemeralsResponse;
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse;
  [OpCode.auth]: Empty;
  [OpCode.whoAmI]: WhoAmIResponse;
  [OpCode.closeSession]: Empty;
}

/** A request frame as decoded and validated by the server. */
export type Request = { [K in RequestOp]: { xid: number; op: K } & RequestBodies[K] }[RequestOp];

/** Header of every response frame. err OK means the body for the op follows; otherwise the body is empty (multi: results). */
export interface ResponseHeader {
  xid: number;
  /** zxid of the server's state when it answered (the txn's zxid for a write). */
  zxid: number;
  err: number;
  /** With some errors: what went wrong, in words (an answer too large to send, say). Never part of the contract's logic. */
  message?: string;
}
export type Response = ResponseHeader & Partial<CreateResponse & GetDataResponse & GetACLResponse & GetChildren2Response & MultiResponse & GetEphemeralsResponse & GetAllChildrenNumberResponse & WhoAmIResponse>;

/** A watch notification frame: xid is always Xid.NOTIFICATION (-1). */
export interface NotificationFrame {
  xid: -1;
  zxid: number;
  err: 0;
  type: number;
  state: number;
  path: string;
}
