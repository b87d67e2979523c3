// One check per write op: request (+ the view of the tree with everything in flight) → txn body or error.
// Check order follows ZooKeeper's PrepRequestProcessor, so a request with several problems reports
// the same error it would there.
import {
  CreateMode,
  ErrorCode,
  MAX_TTL_MS,
  OpCode,
  isBelowQuotaRoot,
  isEphemeralMode,
  isReservedPath,
  isSequentialMode,
  isTtlMode,
  requiredPerms,
  parentPath,
  pathProblem,
  sequenceSuffix,
  type CheckVersionRequest,
  type CreateRequest,
  type DeleteRequest,
  type MultiOp,
  type MultiSubTxn,
  type NodeKind,
  type SetACLRequest,
  type SetACLTxn,
  type SetDataRequest,
} from '../../protocol/index.js';
import type { NodeOverlay } from '../tree/overlay.js';
import type { Access } from './auth/acl-check.js';

export interface PrepContext {
  /** The requesting session; 0 for the server's own requests (trusted: may write under /zookeeper). */
  sessionId: number;
  nowMs: number;
  maxDataBytes: number;
  /** The requester's ids judged against ACLs (SERVER_ACCESS for the server's own requests). */
  access: Access;
}

export type OpPrepResult<T> = { ok: true; body: T } | { ok: false; err: ErrorCode; path: string };

type CreateOp = typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL;

function fail(err: ErrorCode, path: string): { ok: false; err: ErrorCode; path: string } {
  return { ok: false, err, path };
}

/** -1 matches any version, as in ZooKeeper. */
function versionMatches(expected: number, current: number): boolean {
  return expected === -1 || expected === current;
}

/** Clients may read /zookeeper but change only the quota nodes below /zookeeper/quota; the server may change it all. */
function reservedForClient(ctx: PrepContext, path: string): boolean {
  return ctx.sessionId !== 0 && isReservedPath(path) && !isBelowQuotaRoot(path);
}

function kindOf(mode: CreateMode): NodeKind {
  if (isEphemeralMode(mode)) return 'ephemeral';
  if (mode === CreateMode.CONTAINER) return 'container';
  if (isTtlMode(mode)) return 'ttl';
  return 'persistent';
}

/** Problems with the request itself, before looking at the tree. */
function createArgumentsError(req: CreateRequest & { op: CreateOp }, ctx: PrepContext, kind: NodeKind): ErrorCode {
  if (req.data.byteLength > ctx.maxDataBytes) return ErrorCode.BADARGUMENTS;
  if (req.op === OpCode.createContainer && kind !== 'container') return ErrorCode.BADARGUMENTS;
  if (req.op === OpCode.createTTL && kind !== 'ttl') return ErrorCode.BADARGUMENTS;
  if (kind === 'ttl' && (req.ttl === undefined || !Number.isInteger(req.ttl) || req.ttl <= 0 || req.ttl > MAX_TTL_MS)) return ErrorCode.BADARGUMENTS;
  if (kind === 'ephemeral' && ctx.sessionId === 0) return ErrorCode.BADARGUMENTS;
  return ErrorCode.OK;
}

export function prepCreate(view: NodeOverlay, req: CreateRequest & { op: CreateOp }, ctx: PrepContext): OpPrepResult<MultiSubTxn> {
  const kind = kindOf(req.mode);
  const argErr = createArgumentsError(req, ctx, kind);
  if (argErr !== ErrorCode.OK) return fail(argErr, req.path);
  const acl = ctx.access.fixup(req.acl);
  if (acl === undefined) return fail(ErrorCode.INVALIDACL, req.path);
  const parentOf = parentPath(req.path);
  const parent = view.get(parentOf);
  if (parent === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!ctx.access.allows(parent.acl, requiredPerms(req.op))) return fail(ErrorCode.NOAUTH, req.path);
  // The sequential suffix comes from the parent's creates so far, in flight included.
  const path = isSequentialMode(req.mode) ? req.path + sequenceSuffix(parent.cversion) : req.path;
  if (pathProblem(path) !== undefined || path === '/') return fail(ErrorCode.BADARGUMENTS, path);
  if (reservedForClient(ctx, path)) return fail(ErrorCode.BADARGUMENTS, path);
  if (view.get(path) !== undefined) return fail(ErrorCode.NODEEXISTS, path);
  if (parent.kind === 'ephemeral') return fail(ErrorCode.NOCHILDRENFOREPHEMERALS, path);
  return {
    ok: true,
    body: {
      type: 'create',
      path,
      data: req.data,
      acl,
      kind,
      ephemeralOwner: kind === 'ephemeral' ? ctx.sessionId : 0,
      ttlMs: kind === 'ttl' ? req.ttl! : 0,
    },
  };
}

export function prepDelete(view: NodeOverlay, req: DeleteRequest, ctx: PrepContext): OpPrepResult<MultiSubTxn> {
  if (req.path === '/' || reservedForClient(ctx, req.path)) return fail(ErrorCode.BADARGUMENTS, req.path);
  // As in ZooKeeper, the parent's DELETE is checked before the node is looked up.
  const parent = view.get(parentPath(req.path));
  if (parent === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!ctx.access.allows(parent.acl, requiredPerms(OpCode.delete))) return fail(ErrorCode.NOAUTH, req.path);
  const node = view.get(req.path);
  if (node === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!versionMatches(req.version, node.version)) return fail(ErrorCode.BADVERSION, req.path);
  if (node.numChildren > 0) return fail(ErrorCode.NOTEMPTY, req.path);
  return { ok: true, body: { type: 'delete', path: req.path } };
}

export function prepSetData(view: NodeOverlay, req: SetDataRequest, ctx: PrepContext): OpPrepResult<MultiSubTxn> {
  if (req.data.byteLength > ctx.maxDataBytes) return fail(ErrorCode.BADARGUMENTS, req.path);
  const node = view.get(req.path);
  if (node === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!ctx.access.allows(node.acl, requiredPerms(OpCode.setData))) return fail(ErrorCode.NOAUTH, req.path);
  // After the ACL, so that /zookeeper/config (world:anyone:r) answers NOAUTH as in ZooKeeper.
  if (reservedForClient(ctx, req.path)) return fail(ErrorCode.BADARGUMENTS, req.path);
  if (!versionMatches(req.version, node.version)) return fail(ErrorCode.BADVERSION, req.path);
  return { ok: true, body: { type: 'setData', path: req.path, data: req.data } };
}

export function prepSetACL(view: NodeOverlay, req: SetACLRequest, ctx: PrepContext): OpPrepResult<SetACLTxn> {
  const acl = ctx.access.fixup(req.acl);
  if (acl === undefined) return fail(ErrorCode.INVALIDACL, req.path);
  const node = view.get(req.path);
  if (node === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!ctx.access.allows(node.acl, requiredPerms(OpCode.setACL))) return fail(ErrorCode.NOAUTH, req.path);
  if (reservedForClient(ctx, req.path)) return fail(ErrorCode.BADARGUMENTS, req.path);
  if (!versionMatches(req.version, node.aversion)) return fail(ErrorCode.BADVERSION, req.path);
  return { ok: true, body: { type: 'setACL', path: req.path, acl } };
}

export function prepCheck(view: NodeOverlay, req: CheckVersionRequest, ctx: PrepContext): OpPrepResult<MultiSubTxn> {
  const node = view.get(req.path);
  if (node === undefined) return fail(ErrorCode.NONODE, req.path);
  if (!ctx.access.allows(node.acl, requiredPerms(OpCode.check))) return fail(ErrorCode.NOAUTH, req.path);
  if (!versionMatches(req.version, node.version)) return fail(ErrorCode.BADVERSION, req.path);
  return { ok: true, body: { type: 'check', path: req.path } };
}

/**
 * Server cleanup of a container or TTL node: only if it still qualifies once everything in flight is
 * applied (a child may be on its way, or the TTL node was touched since the scan).
 */
export function prepDeleteContainer(view: NodeOverlay, path: string, nowMs: number): OpPrepResult<MultiSubTxn> {
  const node = view.get(path);
  if (node === undefined) return fail(ErrorCode.NONODE, path);
  if (node.numChildren > 0) return fail(ErrorCode.NOTEMPTY, path);
  const expired = node.kind === 'container' ? node.cversion > 0 : node.kind === 'ttl' && node.mtime + node.ttlMs < nowMs;
  if (!expired) return fail(ErrorCode.BADVERSION, path);
  return { ok: true, body: { type: 'delete', path } };
}

/** One op of a multi (or the same op on its own). */
export function prepMultiOp(view: NodeOverlay, op: MultiOp, ctx: PrepContext): OpPrepResult<MultiSubTxn> {
  switch (op.op) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return prepCreate(view, op, ctx);
    case OpCode.delete:
      return prepDelete(view, op, ctx);
    case OpCode.setData:
      return prepSetData(view, op, ctx);
    case OpCode.check:
      return prepCheck(view, op, ctx);
  }
}
