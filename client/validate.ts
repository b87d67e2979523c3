// Client-side checks, so that a request the server would refuse is never sent. Each returns the
// KeeperError to reject with, or undefined when the input is fine.
import {
  CreateMode, ErrorCode, MAX_ACL_ENTRIES, MAX_MULTI_OPS, MAX_TTL_MS, isSequentialMode, isTtlMode, opInfo, pathProblem, sequenceSuffix,
} from '../protocol/index.js';
import type { ACL, MultiOp, ReadOp } from '../protocol/index.js';
import { KeeperError } from './errors.js';

const CREATE_MODES = new Set<number>(Object.values(CreateMode));
const MAX_VERSION = 2 ** 31 - 1;

function bad(path: string | undefined, detail: string): KeeperError {
  return new KeeperError(ErrorCode.BADARGUMENTS, path, { detail });
}

/** Sequential paths are checked with the suffix the server will add ('/a/' is fine then). */
export function checkPath(path: unknown, sequential = false): KeeperError | undefined {
  if (typeof path !== 'string') return bad(undefined, 'path must be a string');
  const problem = pathProblem(sequential ? path + sequenceSuffix(0) : path);
  return problem === undefined ? undefined : bad(path, problem);
}

export function checkVersion(path: string, version: unknown): KeeperError | undefined {
  if (typeof version === 'number' && Number.isInteger(version) && version >= -1 && version <= MAX_VERSION) return undefined;
  return bad(path, `version must be an integer in [-1, ${MAX_VERSION}]`);
}

export function checkAcl(path: string, acl: unknown): KeeperError | undefined {
  if (Array.isArray(acl) && acl.length > 0 && acl.length <= MAX_ACL_ENTRIES) return undefined;
  return new KeeperError(ErrorCode.INVALIDACL, path, { detail: `acl must list 1 to ${MAX_ACL_ENTRIES} entries` });
}

export function checkCreate(path: string, mode: unknown, acl: readonly ACL[], ttl: unknown): KeeperError | undefined {
  if (typeof mode !== 'number' || !CREATE_MODES.has(mode)) return bad(path, `unknown create mode ${String(mode)}`);
  const createMode = mode as CreateMode;
  const pathError = checkPath(path, isSequentialMode(createMode));
  if (pathError !== undefined) return pathError;
  if (isTtlMode(createMode)) {
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) return bad(path, `ttl must be an integer in [1, ${MAX_TTL_MS}] ms`);
  } else if (ttl !== undefined) {
    return bad(path, 'ttl is only allowed with a TTL create mode');
  }
  return checkAcl(path, acl);
}

/** Whether the op table lets this opcode stand inside the batch (the caller's value may be anything). */
function allowedIn(batch: 'multi' | 'multiRead', op: unknown): boolean {
  return typeof op === 'number' && opInfo(op)?.batch === batch;
}

export function checkMultiOp(op: MultiOp): KeeperError | undefined {
  if (!allowedIn('multi', op.op)) return bad(undefined, `op ${String(op.op)} is not allowed in multi`);
  if ('mode' in op) return checkCreate(op.path, op.mode, op.acl, op.ttl);
  return checkPath(op.path) ?? checkVersion(op.path, op.version);
}

export function checkReadOp(op: ReadOp): KeeperError | undefined {
  if (!allowedIn('multiRead', op.op)) return bad(op.path, `op ${String(op.op)} is not allowed in multiRead`);
  return checkPath(op.path);
}

export function checkOpCount(count: number): KeeperError | undefined {
  return count <= MAX_MULTI_OPS ? undefined : bad(undefined, `at most ${MAX_MULTI_OPS} ops in one multi`);
}
