// The matrix as data: every operation × every permission (none, each bit, ALL) × every ACL row and the
// callers with and without its identity, plus ACL validation cases and the reserved /zookeeper/config
// node. Each request cell owns its node (created up front, in batches), so cells are independent and
// run concurrently; each event cell owns its node too.
import { posix } from 'node:path';
import { OPEN_ACL_UNSAFE, Perms, type ACL } from '../../../protocol/index.js';
import { assertNever } from '../../../protocol/assert-never.js';
import type { Action, EventPlan, NodeSpec, RunnerCell, RunnerPlan, WatchKind } from './actions.js';
import { CALLERS, ROWS, type AclRow, type CallerName, type RowCaller, type RowName } from './identities.js';
import { allowedBits, expectedEvent, expectedRequest } from './rules.js';
import { VALIDATION_CASES, type ValidationCase } from './validation.js';
import { formatAcl } from './outcome.js';

export const PERMS = { none: 0, READ: Perms.READ, WRITE: Perms.WRITE, CREATE: Perms.CREATE, DELETE: Perms.DELETE, ADMIN: Perms.ADMIN, ALL: Perms.ALL } as const;
export type PermName = keyof typeof PERMS;
const PERM_NAMES = Object.keys(PERMS) as PermName[];

export const REQUEST_OPS = [
  'create', 'createContainer', 'createTTL', 'createExisting', 'delete', 'deleteMissing', 'setData', 'getData',
  'exists', 'existsMissing', 'getChildren', 'getAllChildrenNumber', 'getEphemerals', 'getACL', 'setACL', 'sync',
  'addWatch', 'addWatchRecursive', 'removeWatches', 'multiCreate', 'multiDelete', 'multiSetData', 'multiCheck', 'multiRead',
] as const;
export type RequestOp = (typeof REQUEST_OPS)[number];

export const EVENT_OPS = [
  'watchData', 'watchExists', 'watchChildren', 'watchPersistent', 'watchRecursive', 'watchRecursiveDescendant', 'watchCreated',
] as const;
export type EventOp = (typeof EVENT_OPS)[number];

export type Family = 'request' | 'event' | 'validation' | 'reserved';

export interface Cell extends RunnerCell {
  family: Family;
  op: string;
  perm: string;
  /** The ACL row (scheme form), or the validation case. */
  row: string;
  who: 'with' | 'without' | '-';
  needsTls: boolean;
  /** getACL cells: the node's ACL as ZooKeeper stores it (to tell a full answer from a redacted one). */
  storedAcl?: ACL[];
  expected: string;
}

export const MATRIX_ROOT = '/acl-matrix';
const OPEN: ACL[] = [...OPEN_ACL_UNSAFE];
/** The reserved node every client may read and no client may change. */
export const CONFIG_NODE = '/zookeeper/config';

/** Ops whose node needs a child (to delete, to find existing, to change under a recursive watch). */
const NEEDS_CHILD = new Set<string>(['createExisting', 'delete', 'multiDelete', 'watchRecursiveDescendant']);

function requestAction(op: RequestOp, node: string, root: string): Action {
  const bracket = (middle: Extract<Action, { kind: 'multi' }>['ops'][number]): Action => ({
    kind: 'multi', ops: [{ kind: 'check', path: root }, middle, { kind: 'check', path: root }],
  });
  switch (op) {
    case 'create': return { kind: 'create', path: `${node}/new`, mode: 'persistent', acl: OPEN };
    case 'createContainer': return { kind: 'create', path: `${node}/new`, mode: 'container', acl: OPEN };
    case 'createTTL': return { kind: 'create', path: `${node}/new`, mode: 'ttl', acl: OPEN };
    case 'createExisting': return { kind: 'create', path: `${node}/child`, mode: 'persistent', acl: OPEN };
    case 'delete': return { kind: 'delete', path: `${node}/child` };
    case 'deleteMissing': return { kind: 'delete', path: `${node}/missing` };
    case 'setData': return { kind: 'setData', path: node };
    case 'getData': return { kind: 'getData', path: node };
    case 'exists': return { kind: 'exists', path: node };
    case 'existsMissing': return { kind: 'exists', path: `${node}/missing` };
    case 'getChildren': return { kind: 'getChildren', path: node };
    case 'getAllChildrenNumber': return { kind: 'getAllChildrenNumber', path: node };
    case 'getEphemerals': return { kind: 'getEphemerals', path: node };
    case 'getACL': return { kind: 'getACL', path: node };
    case 'setACL': return { kind: 'setACL', path: node, acl: OPEN };
    case 'sync': return { kind: 'sync', path: node };
    case 'addWatch': return { kind: 'addWatch', path: node, mode: 'persistent' };
    case 'addWatchRecursive': return { kind: 'addWatch', path: node, mode: 'persistentRecursive' };
    case 'removeWatches': return { kind: 'removeWatches', path: node };
    case 'multiCreate': return bracket({ kind: 'create', path: `${node}/new`, acl: OPEN });
    case 'multiDelete': return bracket({ kind: 'delete', path: `${node}/child` });
    case 'multiSetData': return bracket({ kind: 'setData', path: node });
    case 'multiCheck': return bracket({ kind: 'check', path: node });
    case 'multiRead': return { kind: 'multiRead', ops: [{ kind: 'getData', path: node }, { kind: 'getChildren', path: node }] };
    default: return assertNever(op, 'request op');
  }
}

function eventPlan(op: EventOp, node: string, row: AclRow, perms: number): EventPlan {
  const cellAcl = [row.entry(perms)];
  const onNode = (kind: WatchKind): EventPlan => ({
    watch: { kind, path: node },
    aclChange: { as: row.setupAs, path: node, acl: cellAcl },
    trigger: { as: 'super', kind: 'setData', path: node },
    eventPath: node,
  });
  switch (op) {
    case 'watchData': return onNode('data');
    case 'watchExists': return onNode('exists');
    case 'watchPersistent': return onNode('persistent');
    case 'watchRecursive': return onNode('persistentRecursive');
    case 'watchChildren':
      return { ...onNode('children'), trigger: { as: 'super', kind: 'create', path: `${node}/new`, acl: OPEN } };
    case 'watchRecursiveDescendant':
      return {
        watch: { kind: 'persistentRecursive', path: node },
        aclChange: { as: row.setupAs, path: `${node}/child`, acl: cellAcl },
        trigger: { as: 'super', kind: 'setData', path: `${node}/child` },
        eventPath: `${node}/child`,
      };
    case 'watchCreated':
      return {
        watch: { kind: 'exists', path: `${node}/new` },
        trigger: { as: row.setupAs, kind: 'create', path: `${node}/new`, acl: cellAcl },
        eventPath: `${node}/new`,
      };
    default:
      return assertNever(op, 'event op');
  }
}

/** `<op> perm=<perm> scheme=<row> <with|without>(<caller>)`: what a failure line starts with. */
function cellId(op: string, perm: string, row: string, who: string, caller: CallerName): string {
  return `${op} perm=${perm} scheme=${row} ${who}(${caller})`;
}

interface Builder {
  root: string;
  nodes: NodeSpec[];
  children: NodeSpec[];
  cells: Cell[];
}

function addMatrixCells(b: Builder, row: AclRow, perm: PermName, rc: RowCaller): void {
  const perms = PERMS[perm];
  const allowed = allowedBits(CALLERS[rc.caller].isSuper, rc.who, perms);
  const base = { perm, row: row.name, who: rc.who, caller: rc.caller, needsTls: row.needsTls };
  for (const op of REQUEST_OPS) {
    const node = `${b.root}/${op}/${row.name}-${perm}-${rc.who}`;
    // removeWatches meets a watch set while the node was open: the row's ACL comes after (prepare).
    const prepare = op === 'removeWatches' ? { watchPath: node, aclChange: { as: row.setupAs, path: node, acl: [row.entry(perms)] } } : undefined;
    b.nodes.push({ path: node, acl: prepare === undefined ? [row.entry(perms)] : OPEN, as: prepare === undefined ? row.setupAs : 'super' });
    if (NEEDS_CHILD.has(op)) b.children.push({ path: `${node}/child`, acl: OPEN, as: 'super' });
    const storedAcl = [row.stored(perms)];
    b.cells.push({
      ...base, id: cellId(op, perm, row.name, rc.who, rc.caller), family: 'request', op,
      action: requestAction(op, node, b.root), ...(prepare === undefined ? {} : { prepare }), storedAcl, expected: expectedRequest(op, allowed, storedAcl),
    });
  }
  for (const op of EVENT_OPS) {
    const node = `${b.root}/${op}/${row.name}-${perm}-${rc.who}`;
    // Open while the caller sets its watch; the plan's aclChange (or trigger) brings the row's ACL.
    b.nodes.push({ path: node, acl: OPEN, as: 'super' });
    if (NEEDS_CHILD.has(op)) b.children.push({ path: `${node}/child`, acl: OPEN, as: 'super' });
    b.cells.push({
      ...base, id: cellId(op, perm, row.name, rc.who, rc.caller), family: 'event', op,
      event: eventPlan(op, node, row, perms), expected: expectedEvent(op, allowed),
    });
  }
}

function validationTargets(b: Builder, c: ValidationCase, caller: CallerName): { createPath: string; setPath: string } {
  const name = `${c.name}-${caller}`;
  const target = c.target ?? 'open';
  switch (target) {
    case 'open': {
      const setPath = `${b.root}/validation/${name}`;
      b.nodes.push({ path: setPath, acl: OPEN, as: 'super' });
      return { createPath: `${b.root}/validation-create/${name}`, setPath };
    }
    case 'locked': {
      const locked = `${b.root}/validation/${name}`;
      b.nodes.push({ path: locked, acl: [{ perms: 0, id: { scheme: 'world', id: 'anyone' } }], as: 'super' });
      return { createPath: `${locked}/new`, setPath: locked };
    }
    case 'missing':
      return { createPath: `${b.root}/validation/${name}/new`, setPath: `${b.root}/validation/${name}` };
    default:
      return assertNever(target, 'validation target');
  }
}

function addValidationCells(b: Builder, tls: boolean): void {
  for (const c of VALIDATION_CASES) {
    if (c.withoutTlsOnly === true && tls) continue;
    for (const caller of c.callers ?? ['anon']) {
      const expect = c.expect(caller);
      const expected = expect === 'INVALIDACL' ? 'INVALIDACL' : `OK ${formatAcl(expect)}`;
      const { createPath, setPath } = validationTargets(b, c, caller);
      const base = { family: 'validation' as const, perm: '-', row: c.name, who: '-' as const, caller, needsTls: false, expected };
      b.cells.push({ ...base, id: `createWithAcl case=${c.name} caller=${caller}`, op: 'createWithAcl',
        action: { kind: 'create', path: createPath, mode: 'persistent', acl: c.acl }, readBackAcl: createPath });
      b.cells.push({ ...base, id: `setAclWithAcl case=${c.name} caller=${caller}`, op: 'setAclWithAcl',
        action: { kind: 'setACL', path: setPath, acl: c.acl }, readBackAcl: setPath });
    }
  }
}

/** /zookeeper/config: READ for everyone, nothing else (ZooKeeper's ZooDefs.READ_ACL_UNSAFE on it). */
function addReservedCells(b: Builder): void {
  const cases: Array<[string, Action, string]> = [
    ['getData', { kind: 'getData', path: CONFIG_NODE }, 'OK'],
    ['exists', { kind: 'exists', path: CONFIG_NODE }, 'OK'],
    ['getACL', { kind: 'getACL', path: CONFIG_NODE }, 'OK'],
    ['setData', { kind: 'setData', path: CONFIG_NODE }, 'NOAUTH'],
    ['create', { kind: 'create', path: `${CONFIG_NODE}/acl-matrix`, mode: 'persistent', acl: OPEN }, 'NOAUTH'],
    ['setACL', { kind: 'setACL', path: CONFIG_NODE, acl: OPEN }, 'NOAUTH'],
  ];
  for (const [op, action, expected] of cases) {
    b.cells.push({
      id: `${op} ${CONFIG_NODE} caller=anon`, family: 'reserved', op, perm: '-', row: 'zookeeperConfig',
      who: '-', caller: 'anon', needsTls: false, action, expected,
    });
  }
}

export interface MatrixOptions {
  /** Include the x509 rows (the server has client TLS, and callers can present certificates). */
  tls: boolean;
  /** Only these rows' matrix cells (no validation or reserved cells): e.g. the x509 rows alone. */
  onlyRows?: readonly RowName[];
  root?: string;
}

export interface Matrix {
  plan: RunnerPlan;
  cells: Cell[];
}

/** Every cell and the setup it needs, in the order a runner creates nodes. */
export function buildMatrix(options: MatrixOptions): Matrix {
  const root = options.root ?? MATRIX_ROOT;
  const b: Builder = { root, nodes: [], children: [], cells: [] };
  for (const row of ROWS) {
    if ((row.needsTls && !options.tls) || (options.onlyRows !== undefined && !options.onlyRows.includes(row.name))) continue;
    for (const perm of PERM_NAMES) for (const rc of row.callers) addMatrixCells(b, row, perm, rc);
  }
  if (options.onlyRows === undefined) {
    addValidationCells(b, options.tls);
    addReservedCells(b);
  }
  const dirs = new Set(b.nodes.map((n) => posix.dirname(n.path)));
  dirs.add(`${root}/validation-create`);
  dirs.delete(root);
  const parents: NodeSpec[] = [...dirs].sort().map((path) => ({ path, acl: OPEN, as: 'super' }));
  const sentinels: RunnerPlan['sentinels'] = {};
  for (const cell of b.cells) {
    if (cell.event !== undefined) sentinels[cell.caller] ??= `${root}/sentinel-${cell.caller}`;
  }
  const sentinelNodes: NodeSpec[] = Object.values(sentinels).map((path) => ({ path, acl: OPEN, as: 'super' }));
  const nodes = [{ path: root, acl: OPEN, as: 'super' as const }, ...parents, ...sentinelNodes, ...b.nodes, ...b.children];
  return { plan: { root, nodes, cells: b.cells, sentinels }, cells: b.cells };
}
