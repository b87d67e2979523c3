// Reads answered from the local tree. A watch is registered in the same step as the read, so no change
// can slip between the state a client saw and the watch that reports the next change.
import { ErrorCode, OpCode, WatcherType, requiredPerms } from '../../protocol/index.js';
import type { OpResult, ReadOp, RequestOfKind, Response } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { DataTree, NodeView } from '../tree/data-tree.js';
import type { WatchManager } from '../tree/watch-manager.js';
import type { Access } from './auth/acl-check.js';
import type { ConnectionAuth } from './auth/connection-auth.js';
import type { InjectedBugs } from './injected-bugs.js';

/** The reads of the op table (protocol/ops.ts). */
export type ReadRequest = RequestOfKind<'read'>;

export interface ReadContext {
  tree: DataTree;
  watches: WatchManager;
  sessionId: number;
  /** The connection's ids judged against ACLs. */
  access: Access;
  /** Delivers events fired by setWatches (before the response). */
  deliver: (events: ReturnType<WatchManager['setWatches']>) => void;
  /** Largest answer frame (maxFrameBytes): a read whose answer would be larger fails instead of being built. */
  answerBytesMax: number;
  /** The simulator's deliberate bugs (never set in a real server). */
  bugs?: InjectedBugs;
}

// Upper estimates of msgpack sizes, so that an answer's size is known before it is encoded.
const ENVELOPE_BYTES = 64;
const STAT_BYTES = 200;
const RESULT_BYTES = 32;
const STRING_HEADER_BYTES = 5;

function stringsBytes(names: readonly string[]): number {
  let total = STRING_HEADER_BYTES;
  for (const name of names) total += STRING_HEADER_BYTES + Buffer.byteLength(name, 'utf8');
  return total;
}

function tooLarge(xid: number, zxid: number, what: string, bytes: number, max: number): Response {
  return { xid, zxid, err: ErrorCode.MARSHALLINGERROR, message: `${what} answer would be over ${bytes} bytes, more than maxFrameBytes (${max})` };
}

/** The answer to each op of a multiRead, or undefined as soon as their sizes add up past bytesMax. */
function readAll(ops: readonly ReadOp[], tree: DataTree, access: Access, bytesMax: number): { results: OpResult[] } | { bytes: number } {
  let bytes = ENVELOPE_BYTES;
  const results: OpResult[] = [];
  for (const op of ops) {
    const result = readOne(op, tree, access);
    bytes += RESULT_BYTES + (result.stat === undefined ? 0 : STAT_BYTES) + (result.data?.byteLength ?? 0) + (result.children === undefined ? 0 : stringsBytes(result.children));
    if (bytes > bytesMax) return { bytes };
    results.push(result);
  }
  return { results };
}

function err(xid: number, zxid: number, code: number): Response {
  return { xid, zxid, err: code };
}

/** NONODE, NOAUTH (the node exists and access lacks what op needs) or OK. */
function nodeCheck(tree: DataTree, access: Access, op: number, path: string): ErrorCode {
  const acl = tree.aclOf(path);
  if (acl === undefined) return ErrorCode.NONODE;
  return access.allows(acl, requiredPerms(op)) ? ErrorCode.OK : ErrorCode.NOAUTH;
}

/** The node, looked up once, or NONODE, or NOAUTH when it exists and access lacks what op needs. */
function readableNode(tree: DataTree, access: Access, op: number, path: string): NodeView | ErrorCode {
  const node = tree.getNode(path);
  if (node === undefined) return ErrorCode.NONODE;
  return access.allows(node.acl, requiredPerms(op)) ? node : ErrorCode.NOAUTH;
}

function readOne(op: ReadOp, tree: DataTree, access: Access): OpResult {
  const node = readableNode(tree, access, op.op, op.path);
  if (typeof node === 'number') return { op: op.op, err: node };
  switch (op.op) {
    case OpCode.getData:
      return { op: op.op, err: ErrorCode.OK, data: node.data, stat: node.stat };
    case OpCode.exists:
      return { op: op.op, err: ErrorCode.OK, stat: node.stat };
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return { op: op.op, err: ErrorCode.OK, children: tree.getChildren(op.path) ?? [], stat: node.stat };
    default:
      return assertNever(op.op, 'multiRead op');
  }
}

/** Runs one read against the tree as it is now. Throws WatchLimitError if a watch would exceed the session's limit. */
export function executeRead(req: ReadRequest, ctx: ReadContext): Response {
  const { tree, watches, sessionId } = ctx;
  const zxid = tree.lastZxid;
  const { xid } = req;
  switch (req.op) {
    case OpCode.ping:
      return { xid, zxid, err: ErrorCode.OK };
    case OpCode.exists: {
      // A node the caller may not read is NOAUTH and gets no watch (ZooKeeper 3.8.4 / 3.9.2 and later).
      const node = readableNode(tree, ctx.access, req.op, req.path);
      if (node === ErrorCode.NOAUTH) return err(xid, zxid, ErrorCode.NOAUTH);
      const stat = typeof node === 'number' ? undefined : node.stat;
      if (req.watch) {
        if (stat === undefined) watches.addExistWatch(sessionId, req.path);
        else watches.addDataWatch(sessionId, req.path);
      }
      return stat === undefined ? err(xid, zxid, ErrorCode.NONODE) : { xid, zxid, err: ErrorCode.OK, stat };
    }
    case OpCode.getData: {
      const node = readableNode(tree, ctx.access, req.op, req.path);
      if (typeof node === 'number') return err(xid, zxid, node);
      if (req.watch) watches.addDataWatch(sessionId, req.path);
      return { xid, zxid, err: ErrorCode.OK, data: node.data, stat: node.stat };
    }
    case OpCode.getChildren:
    case OpCode.getChildren2: {
      const node = readableNode(tree, ctx.access, req.op, req.path);
      if (typeof node === 'number') return err(xid, zxid, node);
      const stat = node.stat;
      const children = tree.getChildren(req.path) ?? [];
      const bytes = ENVELOPE_BYTES + STAT_BYTES + stringsBytes(children);
      if (bytes > ctx.answerBytesMax) return tooLarge(xid, zxid, `getChildren of ${req.path.slice(0, 64)}`, bytes, ctx.answerBytesMax);
      if (req.watch) watches.addChildWatch(sessionId, req.path);
      return req.op === OpCode.getChildren2 ? { xid, zxid, err: ErrorCode.OK, children, stat } : { xid, zxid, err: ErrorCode.OK, children };
    }
    case OpCode.getACL: {
      const node = readableNode(tree, ctx.access, req.op, req.path);
      if (typeof node === 'number') return err(xid, zxid, node);
      return { xid, zxid, err: ErrorCode.OK, acl: ctx.access.visible(node.acl), stat: node.stat };
    }
    case OpCode.multiRead: {
      const read = readAll(req.ops, tree, ctx.access, ctx.answerBytesMax);
      if ('bytes' in read) return tooLarge(xid, zxid, 'multiRead', read.bytes, ctx.answerBytesMax);
      return { xid, zxid, err: ErrorCode.OK, results: read.results };
    }
    case OpCode.getEphemerals: {
      const ephemerals = tree.getEphemerals(sessionId, req.prefixPath);
      const bytes = ENVELOPE_BYTES + stringsBytes(ephemerals);
      if (bytes > ctx.answerBytesMax) return tooLarge(xid, zxid, 'getEphemerals', bytes, ctx.answerBytesMax);
      return { xid, zxid, err: ErrorCode.OK, ephemerals };
    }
    case OpCode.getAllChildrenNumber: {
      const check = nodeCheck(tree, ctx.access, req.op, req.path);
      if (check !== ErrorCode.OK) return err(xid, zxid, check);
      return { xid, zxid, err: ErrorCode.OK, totalNumber: tree.countDescendants(req.path) };
    }
    case OpCode.addWatch:
      // READ on a node that exists (ZooKeeper 3.9.2); on a missing one the watch waits for its creation.
      if (nodeCheck(tree, ctx.access, req.op, req.path) === ErrorCode.NOAUTH) return err(xid, zxid, ErrorCode.NOAUTH);
      watches.addPersistentWatch(sessionId, req.path, req.mode === 1);
      return { xid, zxid, err: ErrorCode.OK };
    case OpCode.checkWatches:
      return err(xid, zxid, watches.holdsWatch(sessionId, req.path, req.watcherType as WatcherType) ? ErrorCode.OK : ErrorCode.NOWATCHER);
    case OpCode.removeWatches: {
      const removed = watches.removeWatches(sessionId, req.path, req.watcherType as WatcherType);
      return err(xid, zxid, removed ? ErrorCode.OK : ErrorCode.NOWATCHER);
    }
    case OpCode.setWatches2: {
      // Injected bug (simulator only): the re-registered watches are ignored.
      if (ctx.bugs?.dropWatchesOnReconnect === true) return { xid, zxid, err: ErrorCode.OK };
      ctx.deliver(watches.setWatches(sessionId, req, tree));
      return { xid, zxid, err: ErrorCode.OK };
    }
    default:
      return assertNever(req, 'read op');
  }
}

/** auth and whoAmI: about the connection, neither reads nor writes of the tree. */
export type AuthOpRequest = RequestOfKind<'auth'>;

export interface AuthOpOutcome {
  /** Computed at the head of the session's queue. */
  answer: () => Response;
  /** The auth was refused: as in ZooKeeper, the connection closes once the answer is sent. */
  authFailed: boolean;
}

/**
 * Acts on the connection's auth ids as the request arrives, so that an auth counts for every request
 * sent after it (writes leave for the pipeline on arrival) and whoAmI sees exactly the auths sent before
 * it. Returns the answer to send at the head of the session's queue, in FIFO order, with the zxid then.
 */
export function executeAuthOp(req: AuthOpRequest, auth: ConnectionAuth, tree: DataTree): AuthOpOutcome {
  const { xid } = req;
  switch (req.op) {
    case OpCode.auth: {
      const code = auth.add(req.scheme, req.auth);
      return { answer: () => err(xid, tree.lastZxid, code), authFailed: code === ErrorCode.AUTHFAILED };
    }
    case OpCode.whoAmI: {
      const clientInfo = auth.clientInfo();
      return { answer: () => ({ xid, zxid: tree.lastZxid, err: ErrorCode.OK, clientInfo }), authFailed: false };
    }
    default:
      return assertNever(req, 'auth op');
  }
}
