// Builders for the ops of multi and multiRead. They only build; the client validates before sending,
// so that a bad op rejects the multi's promise instead of throwing at the call site.
import { CreateMode, OPEN_ACL_UNSAFE, OPS, OpCode, isTtlMode } from '../protocol/index.js';
import type { ACL, CreateRequest, MultiOp, ReadOp } from '../protocol/index.js';
import { toBytes } from './bytes.js';
import type { Data } from './bytes.js';

/** How Client.create and Op.create make a node. */
export interface CreateOptions {
  /** Default PERSISTENT. */
  mode?: CreateMode;
  /** Default OPEN_ACL_UNSAFE. */
  acl?: readonly ACL[];
  /** Required for the TTL modes, in ms. */
  ttl?: number;
}

/** The op that creates a node of this mode: create2 (answers with the Stat), createContainer or createTTL. */
export function createOpName(mode: CreateMode): 'create2' | 'createContainer' | 'createTTL' {
  if (mode === CreateMode.CONTAINER) return 'createContainer';
  if (isTtlMode(mode)) return 'createTTL';
  return 'create2';
}

/**
 * @returns the op.
 * @throws {TypeError} when data is neither a string nor a Uint8Array.
 */
function createOp(path: string, data?: Data, options: CreateOptions = {}): MultiOp {
  const mode = options.mode ?? CreateMode.PERSISTENT;
  const body: CreateRequest = { path, data: toBytes(data), acl: [...(options.acl ?? OPEN_ACL_UNSAFE)], mode };
  if (options.ttl !== undefined) body.ttl = options.ttl;
  return { op: OPS[createOpName(mode)].code, ...body };
}

/**
 * Builders for the ops of Client.multi (create, delete, setData, check) and Client.multiRead (getData,
 * getChildren, exists). They only build: the client checks each op when the batch runs.
 */
export const Op = {
  /** A create for multi; options as Client.create. */
  create: createOp,
  /** A delete for multi (-1: any version). */
  delete(path: string, version = -1): MultiOp {
    return { op: OpCode.delete, path, version };
  },
  /** A setData for multi (-1: any version). */
  setData(path: string, data: Data, version = -1): MultiOp {
    return { op: OpCode.setData, path, data: toBytes(data), version };
  },
  /** A version check for multi: the batch fails with BADVERSION unless the node's version is `version`. */
  check(path: string, version: number): MultiOp {
    return { op: OpCode.check, path, version };
  },
  /** For multiRead: the result carries data and stat. */
  getData(path: string): ReadOp {
    return { op: OpCode.getData, path };
  },
  /** For multiRead: the result carries children and stat. */
  getChildren(path: string): ReadOp {
    return { op: OpCode.getChildren2, path };
  },
  /** For multiRead: the result carries the stat, or err NONODE. */
  exists(path: string): ReadOp {
    return { op: OpCode.exists, path };
  },
} as const;
