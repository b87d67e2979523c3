// The expected outcome of every matrix cell, from ZooKeeper 3.9's rules (docs/acl-zookeeper-findings.md
// has the evidence: ZooKeeper's source and a run against Debian's 3.8.0). Nothing here looks at what
// Canopy answers. Outcomes are strings (outcome.ts makes the same strings from what a runner saw).
//
// The rules, in ZooKeeper's words (ZooKeeperServer.checkACL, PrepRequestProcessor, FinalRequestProcessor):
// - a connection with a `super` id passes every check; otherwise an entry granting one of the asked bits
//   must be world:anyone or match one of the connection's ids of its scheme;
// - create, createContainer, createTTL: CREATE on the parent, checked before NODEEXISTS;
// - delete: DELETE on the parent, checked before the node is looked up (a missing child is NOAUTH);
// - setData: WRITE; getData, getChildren, getAllChildrenNumber: READ; exists: READ on a node that exists
//   (3.8.4 and 3.9.2 on, ZOOKEEPER-2590), nothing on a missing one;
// - getACL: READ or ADMIN; without ADMIN every digest id is shown as `user:x`;
// - setACL: ADMIN; sync, getEphemerals, removeWatches: nothing;
// - addWatch (both modes): READ on a node that exists, as the issue asks of Canopy; ZooKeeper checks
//   nothing there and only withholds the events (an intended difference, differences.ts);
// - multi: each op as if alone (check needs READ); a refused op fails the multi: the ops before it report
//   OK, it reports its error, those after it RUNTIMEINCONSISTENCY; multiRead: each read its own result;
// - a watch event reaches a connection only if it may READ the node the event names (3.8.4 and 3.9.2 on,
//   ZOOKEEPER-4799 / CVE-2024-23944, backported to Debian's 3.8.0-11+deb12u2); for NodeChildrenChanged
//   that node is the parent. A one-shot watch whose event is withheld is used up all the same.
import { Perms, type ACL } from '../../../protocol/index.js';
import { assertNever } from '../../../protocol/assert-never.js';
import type { EventOp, RequestOp } from './cells.js';

/** The bits a caller holds on a node: everything for a super user, the row's perms for a caller with the
 * identity the row's entry names, nothing for one without it. */
export function allowedBits(isSuper: boolean, who: 'with' | 'without', perms: number): number {
  if (isSuper) return Perms.ALL;
  return who === 'with' ? perms : 0;
}

function has(allowed: number, perm: number): boolean {
  return (allowed & perm) !== 0;
}

function gate(allowed: number, perm: number, ok: string): string {
  return has(allowed, perm) ? ok : 'NOAUTH';
}

/** The three-op multi around the op under test: [check open, op, check open]. */
function multi(allowed: number, perm: number): string {
  return has(allowed, perm) ? 'multi OK,OK,OK' : 'multi OK,NOAUTH,RUNTIMEINCONSISTENCY';
}

export function hasDigestEntry(acl: readonly ACL[]): boolean {
  return acl.some((a) => a.id.scheme === 'digest');
}

export function expectedRequest(op: RequestOp, allowed: number, storedAcl: readonly ACL[]): string {
  switch (op) {
    case 'create':
    case 'createContainer':
    case 'createTTL':
      return gate(allowed, Perms.CREATE, 'OK');
    case 'createExisting':
      return gate(allowed, Perms.CREATE, 'NODEEXISTS');
    case 'delete':
      return gate(allowed, Perms.DELETE, 'OK');
    case 'deleteMissing':
      return gate(allowed, Perms.DELETE, 'NONODE');
    case 'setData':
      return gate(allowed, Perms.WRITE, 'OK');
    case 'getData':
    case 'getChildren':
    case 'getAllChildrenNumber':
    case 'exists':
      return gate(allowed, Perms.READ, 'OK');
    case 'existsMissing':
      return 'OK null';
    case 'addWatch':
    case 'addWatchRecursive':
      return gate(allowed, Perms.READ, 'OK');
    case 'getEphemerals':
    case 'sync':
    case 'removeWatches':
      return 'OK';
    case 'getACL':
      if (!has(allowed, Perms.READ | Perms.ADMIN)) return 'NOAUTH';
      return hasDigestEntry(storedAcl) && !has(allowed, Perms.ADMIN) ? 'OK redacted' : 'OK';
    case 'setACL':
      return gate(allowed, Perms.ADMIN, 'OK');
    case 'multiCreate':
      return multi(allowed, Perms.CREATE);
    case 'multiDelete':
      return multi(allowed, Perms.DELETE);
    case 'multiSetData':
      return multi(allowed, Perms.WRITE);
    case 'multiCheck':
      return multi(allowed, Perms.READ);
    case 'multiRead':
      return has(allowed, Perms.READ) ? 'multiRead OK,OK' : 'multiRead NOAUTH,NOAUTH';
    default:
      return assertNever(op, 'matrix op');
  }
}

/** The event the trigger of an event op causes, if the watcher may read the node it names. */
export function eventTypeName(op: EventOp): 'NodeDataChanged' | 'NodeChildrenChanged' | 'NodeCreated' {
  switch (op) {
    case 'watchData':
    case 'watchExists':
    case 'watchPersistent':
    case 'watchRecursive':
    case 'watchRecursiveDescendant':
      return 'NodeDataChanged';
    case 'watchChildren':
      return 'NodeChildrenChanged';
    case 'watchCreated':
      return 'NodeCreated';
    default:
      return assertNever(op, 'matrix op');
  }
}

export function expectedEvent(op: EventOp, allowed: number): string {
  return has(allowed, Perms.READ) ? `events ${eventTypeName(op)}` : 'events none';
}
