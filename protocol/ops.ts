// Every operation of the protocol, declared once: its opcode, its request and response bodies, how a
// server handles it and the ACL permission it needs. The codec's decoders, the client's calls (and, in
// time, the server's dispatch) are typed from this table; nothing else lists ops.
//
// Invariants (test/unit/protocol-ops.test.ts): one entry per opcode, named as in OpCode; the codec accepts
// exactly the entries with `wire: true`; ops allowed inside multi are writes, those inside multiRead reads.
import { OpCode, Perms } from './constants.js';
import type {
  AddWatchRequest, AuthRequest, CheckVersionRequest, CreateRequest, CreateResponse, CreateSessionRequest, DeleteContainerRequest,
  DeleteRequest, Empty, GetACLResponse, GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
  GetEphemeralsRequest, GetEphemeralsResponse, MultiReadRequest, MultiRequest, MultiResponse, PathRequest, PathWatchRequest,
  RemoveWatchesRequest, ResponseHeader, SetACLRequest, SetDataRequest, SetWatchesRequest, StatResponse, SyncResponse, WhoAmIResponse,
} from './messages.js';

/**
 * How a server handles an op:
 * - `read`: answered by the server the client is connected to, from its own tree and watch table, when the
 *   request reaches the head of the connection's queue (so in the session's FIFO order). Never forwarded,
 *   never a txn. setWatches2, addWatch, checkWatches, removeWatches and ping are reads too.
 * - `write`: becomes a txn. The leader prepares it (a follower forwards it); it is answered once the
 *   connected server has applied the txn, or the leader's refusal, in FIFO order.
 * - `sync`: no txn. A follower asks the leader how far it has proposed and answers once it has applied
 *   that far; a leader answers once it has applied what it had proposed.
 * - `session`: creates or ends a session, a txn like a write. closeSession also ends the connection.
 * - `auth`: auth and whoAmI act on the connection's auth ids as the request arrives and are answered in
 *   FIFO order; never forwarded, since the ids belong to the connection.
 */
export type OpKind = 'read' | 'write' | 'sync' | 'session' | 'auth';

/**
 * The ACL check an op needs, as ZooKeeper 3.9 makes it (PrepRequestProcessor for txns,
 * FinalRequestProcessor for reads). `perms` is a set of Perms bits: the request passes when an ACL entry
 * matching one of the connection's ids grants any one of them (ZooKeeper's checkACL).
 * - `node`: the target node's ACL, once the node is known to exist (a missing node answers NONODE; for
 *   exists that is the answer, and its watch is set without a check).
 * - `parent`: the parent's ACL (create, delete).
 * - `eachOp`: multi and multiRead check each op as if it were sent alone.
 * - `none`: nothing to check.
 */
export type PermCheck =
  | { readonly on: 'none' }
  | { readonly on: 'eachOp' }
  | { readonly on: 'node' | 'parent'; readonly perms: number };

/** A body type the table carries at compile time only: at run time it is an empty object. */
export interface BodyType<T> {
  readonly type?: T;
}
const NO_VALUE: Readonly<Record<string, never>> = Object.freeze({});
function body<T>(): BodyType<T> {
  return NO_VALUE;
}

export interface OpSpec {
  readonly code: OpCode;
  readonly kind: OpKind;
  /** A follower hands it to the leader (as a write, a sync or a session request). */
  readonly forwarded: boolean;
  /** True: a client may send it. False: only servers make it; the codec answers a client's UNIMPLEMENTED. */
  readonly wire: boolean;
  /** The batch op it may stand inside of, if any. */
  readonly batch: 'multi' | 'multiRead' | null;
  readonly perm: PermCheck;
  readonly request: BodyType<unknown>;
  /** The body of an answer whose err is OK (every answer carries a ResponseHeader). */
  readonly response: BodyType<unknown>;
}

const NO_CHECK: PermCheck = { on: 'none' };
const EACH_OP: PermCheck = { on: 'eachOp' };
const onNode = (perms: number): PermCheck => ({ on: 'node', perms });
const onParent = (perms: number): PermCheck => ({ on: 'parent', perms });

/**
 * The op table, keyed by ZooKeeper's op name. Opcodes not listed (reconfig, checkWatches, setWatches,
 * sasl) are not served: the codec answers them UNIMPLEMENTED.
 */
export const OPS = {
  // Writes: prepared on the leader into one txn each.
  create: { code: OpCode.create, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onParent(Perms.CREATE), request: body<CreateRequest>(), response: body<CreateResponse>() },
  create2: { code: OpCode.create2, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onParent(Perms.CREATE), request: body<CreateRequest>(), response: body<CreateResponse>() },
  createContainer: { code: OpCode.createContainer, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onParent(Perms.CREATE), request: body<CreateRequest>(), response: body<CreateResponse>() },
  createTTL: { code: OpCode.createTTL, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onParent(Perms.CREATE), request: body<CreateRequest>(), response: body<CreateResponse>() },
  delete: { code: OpCode.delete, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onParent(Perms.DELETE), request: body<DeleteRequest>(), response: body<Empty>() },
  setData: { code: OpCode.setData, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onNode(Perms.WRITE), request: body<SetDataRequest>(), response: body<StatResponse>() },
  // ZooKeeper 3.9 answers a check sent alone as a read; Canopy prepares it on the leader like inside multi.
  check: { code: OpCode.check, kind: 'write', forwarded: true, wire: true, batch: 'multi', perm: onNode(Perms.READ), request: body<CheckVersionRequest>(), response: body<Empty>() },
  setACL: { code: OpCode.setACL, kind: 'write', forwarded: true, wire: true, batch: null, perm: onNode(Perms.ADMIN), request: body<SetACLRequest>(), response: body<StatResponse>() },
  multi: { code: OpCode.multi, kind: 'write', forwarded: true, wire: true, batch: null, perm: EACH_OP, request: body<MultiRequest>(), response: body<MultiResponse>() },
  /** Made by the leader for a container whose last child went; as in ZooKeeper, no ACL applies. */
  deleteContainer: { code: OpCode.deleteContainer, kind: 'write', forwarded: false, wire: false, batch: null, perm: NO_CHECK, request: body<DeleteContainerRequest>(), response: body<Empty>() },

  // Reads: answered locally at the head of the connection's queue.
  /** ZooKeeper up to 3.8 checked nothing for exists; 3.9 checks READ on a node that exists. */
  exists: { code: OpCode.exists, kind: 'read', forwarded: false, wire: true, batch: 'multiRead', perm: onNode(Perms.READ), request: body<PathWatchRequest>(), response: body<StatResponse>() },
  getData: { code: OpCode.getData, kind: 'read', forwarded: false, wire: true, batch: 'multiRead', perm: onNode(Perms.READ), request: body<PathWatchRequest>(), response: body<GetDataResponse>() },
  getChildren: { code: OpCode.getChildren, kind: 'read', forwarded: false, wire: true, batch: 'multiRead', perm: onNode(Perms.READ), request: body<PathWatchRequest>(), response: body<GetChildrenResponse>() },
  getChildren2: { code: OpCode.getChildren2, kind: 'read', forwarded: false, wire: true, batch: 'multiRead', perm: onNode(Perms.READ), request: body<PathWatchRequest>(), response: body<GetChildren2Response>() },
  /** READ or ADMIN; ZooKeeper shows a reader without ADMIN its digest ids as `user:x`. */
  getACL: { code: OpCode.getACL, kind: 'read', forwarded: false, wire: true, batch: null, perm: onNode(Perms.READ | Perms.ADMIN), request: body<PathRequest>(), response: body<GetACLResponse>() },
  getAllChildrenNumber: { code: OpCode.getAllChildrenNumber, kind: 'read', forwarded: false, wire: true, batch: null, perm: onNode(Perms.READ), request: body<PathRequest>(), response: body<GetAllChildrenNumberResponse>() },
  /** Only the session's own ephemeral nodes: no ACL applies. */
  getEphemerals: { code: OpCode.getEphemerals, kind: 'read', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<GetEphemeralsRequest>(), response: body<GetEphemeralsResponse>() },
  multiRead: { code: OpCode.multiRead, kind: 'read', forwarded: false, wire: true, batch: null, perm: EACH_OP, request: body<MultiReadRequest>(), response: body<MultiResponse>() },
  /** READ on a node that exists, as ZooKeeper 3.9.2 checks; every event is checked for READ again as it is delivered. */
  addWatch: { code: OpCode.addWatch, kind: 'read', forwarded: false, wire: true, batch: null, perm: onNode(Perms.READ), request: body<AddWatchRequest>(), response: body<Empty>() },
  /** Whether the connection holds a watch of that type on the path (NOWATCHER if not); nothing is removed. */
  checkWatches: { code: OpCode.checkWatches, kind: 'read', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<RemoveWatchesRequest>(), response: body<Empty>() },
  removeWatches: { code: OpCode.removeWatches, kind: 'read', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<RemoveWatchesRequest>(), response: body<Empty>() },
  setWatches2: { code: OpCode.setWatches2, kind: 'read', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<SetWatchesRequest>(), response: body<Empty>() },
  ping: { code: OpCode.ping, kind: 'read', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<Empty>(), response: body<Empty>() },

  sync: { code: OpCode.sync, kind: 'sync', forwarded: true, wire: true, batch: null, perm: NO_CHECK, request: body<PathRequest>(), response: body<SyncResponse>() },

  /** Made by the server that completes a handshake for a new session (the client sends a ConnectRequest). */
  createSession: { code: OpCode.createSession, kind: 'session', forwarded: true, wire: false, batch: null, perm: NO_CHECK, request: body<CreateSessionRequest>(), response: body<Empty>() },
  /** From the client, or made by the leader when a session expires. */
  closeSession: { code: OpCode.closeSession, kind: 'session', forwarded: true, wire: true, batch: null, perm: NO_CHECK, request: body<Empty>(), response: body<Empty>() },

  auth: { code: OpCode.auth, kind: 'auth', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<AuthRequest>(), response: body<Empty>() },
  whoAmI: { code: OpCode.whoAmI, kind: 'auth', forwarded: false, wire: true, batch: null, perm: NO_CHECK, request: body<Empty>(), response: body<WhoAmIResponse>() },
} as const satisfies { readonly [K in keyof typeof OpCode]?: OpSpec & { readonly code: (typeof OpCode)[K] } };

type Ops = typeof OPS;
export type OpName = keyof Ops;
type BodyOf<B> = B extends BodyType<infer T> ? T : never;
type NamesWhere<P> = { [K in OpName]: Ops[K] extends P ? K : never }[OpName];

/** Request bodies by op name. Every request frame is { xid, op: code, ...body }. */
export type RequestBodies = { [K in OpName]: BodyOf<Ops[K]['request']> };
/** Bodies of the answers whose err is OK, by op name. */
export type ResponseBodies = { [K in OpName]: BodyOf<Ops[K]['response']> };
export type CodeOf<K extends OpName> = Ops[K]['code'];
/** The ops a client may send. */
export type WireOpName = NamesWhere<{ readonly wire: true }>;
export type OpNameOfKind<T extends OpKind> = NamesWhere<{ readonly kind: T }>;
export type CodeOfKind<T extends OpKind> = CodeOf<OpNameOfKind<T>>;
export type MultiOpName = NamesWhere<{ readonly batch: 'multi' }>;
export type MultiReadOpName = NamesWhere<{ readonly batch: 'multiRead' }>;

/** A successful answer to op K: the header and the body the table declares. */
export type ResponseFor<K extends OpName> = ResponseHeader & ResponseBodies[K];
/** Any response frame with every body field optional: what server code builds. Clients use ResponseFor. */
export type Response = ResponseHeader & Partial<UnionToIntersection<ResponseBodies[OpName]>>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Each op's body with its opcode: `WithOp[K]` for a union K is the union of the ops' own shapes. */
export type WithOp = { [K in WireOpName]: { op: CodeOf<K> } & RequestBodies[K] };
/** A request frame as decoded and validated by the server: { xid, op, ...body }. */
export type Request = { xid: number } & WithOp[WireOpName];
export type RequestOp = Request['op'];

/** One op inside a multi: a write op with its opcode. */
export type MultiOp = WithOp[MultiOpName];
/** One op inside a multiRead: the path only (no watch is set). */
export interface ReadOp {
  op: CodeOf<MultiReadOpName>;
  path: string;
}

/** An entry of the table with its name. */
export type OpInfo = { [K in OpName]: Ops[K] & { readonly name: K } }[OpName];

// The keys of a const object literal are exactly its op names, and each entry with its own name is that
// name's OpInfo (the compiler cannot follow the name through map()).
export const OP_NAMES: readonly OpName[] = Object.freeze(Object.keys(OPS) as OpName[]);
const BY_CODE: ReadonlyMap<number, OpInfo> = new Map(OP_NAMES.map((name) => [OPS[name].code, { ...OPS[name], name } as OpInfo]));

/** The table's entry for an opcode, or undefined for an opcode it does not list. */
/** The permission bits op needs on its node or its parent (0 when it checks none, or each of its ops). */
export function requiredPerms(op: number): number {
  const perm = opInfo(op)?.perm;
  return perm !== undefined && (perm.on === 'node' || perm.on === 'parent') ? perm.perms : 0;
}

export function opInfo(code: number): OpInfo | undefined {
  return BY_CODE.get(code);
}

function kindOf(op: number | { op: number }): OpKind | undefined {
  return opInfo(typeof op === 'number' ? op : op.op)?.kind;
}

/** A read (an opcode, or a request by its opcode): answered locally at the head of the connection's queue. */
export function isReadOp(op: number): op is CodeOfKind<'read'>;
export function isReadOp<R extends { op: number }>(request: R): request is Extract<R, { op: CodeOfKind<'read'> }>;
export function isReadOp(op: number | { op: number }): boolean {
  return kindOf(op) === 'read';
}

/** A write (an opcode, or a request by its opcode): prepared on the leader into a txn. */
export function isWriteOp(op: number): op is CodeOfKind<'write'>;
export function isWriteOp<R extends { op: number }>(request: R): request is Extract<R, { op: CodeOfKind<'write'> }>;
export function isWriteOp(op: number | { op: number }): boolean {
  return kindOf(op) === 'write';
}

/** A request frame whose op is of kind T. */
export type RequestOfKind<T extends OpKind> = Extract<Request, { op: CodeOfKind<T> }>;
/** A request with its kind beside it, so that a switch over `kind` narrows `request` (a server's dispatch). */
export type KindedRequest = { [T in OpKind]: { kind: T; request: RequestOfKind<T> } }[OpKind];

/** The request and its kind from the table; undefined for an opcode the table does not list. */
export function kindedRequest(request: Request): KindedRequest | undefined {
  const info = opInfo(request.op);
  // The table maps each wire opcode to exactly one kind, so the request is that kind's (protocol-ops test).
  return info === undefined ? undefined : ({ kind: info.kind, request } as KindedRequest);
}
