// What a matrix runner does, as plain data: the same JSON drives the Canopy runner (through the SDK) and
// the ZooKeeper runner (a kazoo script, test/zookeeper/acl_matrix.py), so both do exactly the same
// requests. Runners interpret these shapes and report RawResults; they decide nothing about outcomes.
import type { ACL } from '../../../protocol/index.js';
import type { CallerName } from './identities.js';

export type CreateKind = 'persistent' | 'container' | 'ttl';
/** TTL of the createTTL cells: far longer than a run, so no node expires under the matrix. */
export const MATRIX_TTL_MS = 600_000;

/** One request. */
export type Action =
  | { kind: 'create'; path: string; mode: CreateKind; acl: ACL[] }
  | { kind: 'delete'; path: string }
  | { kind: 'setData'; path: string }
  | { kind: 'getData'; path: string }
  | { kind: 'exists'; path: string }
  | { kind: 'getChildren'; path: string }
  | { kind: 'getAllChildrenNumber'; path: string }
  | { kind: 'getEphemerals'; path: string }
  | { kind: 'getACL'; path: string }
  | { kind: 'setACL'; path: string; acl: ACL[] }
  | { kind: 'sync'; path: string }
  | { kind: 'addWatch'; path: string; mode: 'persistent' | 'persistentRecursive' }
  /** Removes (watcher type Any) the persistent watch the cell's `prepare` step set. */
  | { kind: 'removeWatches'; path: string }
  | { kind: 'multi'; ops: MultiAction[] }
  | { kind: 'multiRead'; ops: ReadAction[] };

export type MultiAction =
  | { kind: 'check'; path: string }
  | { kind: 'create'; path: string; acl: ACL[] }
  | { kind: 'delete'; path: string }
  | { kind: 'setData'; path: string };

export type ReadAction = { kind: 'getData'; path: string } | { kind: 'getChildren'; path: string };

export type WatchKind = 'data' | 'exists' | 'children' | 'persistent' | 'persistentRecursive';

/**
 * An event cell: the caller sets `watch` while the node is open to everyone; `aclChange` then gives the
 * node the cell's ACL; `trigger` makes the change whose event the caller may or may not receive.
 */
export interface EventPlan {
  watch: { kind: WatchKind; path: string };
  aclChange?: { as: CallerName; path: string; acl: ACL[] };
  /** setData on `path`, or create `path` with `acl`. */
  trigger: { as: CallerName; kind: 'setData'; path: string } | { as: CallerName; kind: 'create'; path: string; acl: ACL[] };
  /** The path the event names, if it is delivered. */
  eventPath: string;
}

/** A node the setup creates, in plan order (parents first). */
export interface NodeSpec {
  path: string;
  acl: ACL[];
  as: CallerName;
}

/** What a runner reports for one cell. */
export interface RawResult {
  /** The request's error code (0 for OK); for multi, the code the client reported for the whole multi. */
  err?: number;
  /** exists answered that the node does not exist. */
  isNull?: boolean;
  /** multi / multiRead: one error code per op. */
  results?: number[];
  /** getACL's answer; for cells with readBackAcl, the node's ACL read back by the super user. */
  acl?: ACL[];
  /** Event cells: the type of every event received for the cell's path, in order. */
  events?: number[];
  /** The runner could not complete the cell (timeout, exception): shown as the outcome. */
  error?: string;
}

/**
 * Done before any request cell runs: the caller sets a persistent watch on `watchPath` while the node is
 * open, then `aclChange` gives the node the cell's ACL (so the request meets a watch it could not set now).
 */
export interface PreparePlan {
  watchPath: string;
  aclChange: { as: CallerName; path: string; acl: ACL[] };
}

/** A cell as a runner sees it: an id, the caller, and either a request or an event plan. */
export interface RunnerCell {
  id: string;
  caller: CallerName;
  action?: Action;
  prepare?: PreparePlan;
  event?: EventPlan;
  /** After an OK answer, the super user reads the node's ACL back (validation cells). */
  readBackAcl?: string;
}

/** Everything a runner needs: nodes to create, cells to run, and each caller's sentinel node. */
export interface RunnerPlan {
  root: string;
  nodes: NodeSpec[];
  cells: RunnerCell[];
  /** Per caller with event cells: a node it watches last; its event means all earlier events arrived. */
  sentinels: Partial<Record<CallerName, string>>;
}
