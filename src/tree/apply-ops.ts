// The mutations behind apply(), one per txn type. Each assumes checkOp() accepted the op, replaces the
// records it changes (never mutates one) and reports the changes that watches fire on.
import {
  ErrorCode,
  EventType,
  parentPath,
  type ACL,
  type CreateTxn,
  type DeleteTxn,
  type SetACLTxn,
  type SetDataTxn,
  type Stat,
} from '../../protocol/index.js';
import { invariant } from './errors.js';
import type { NodeStore } from './node-store.js';
import { ZnodeRecord, latin1OfData, reportedStat } from './znode.js';

/** A change to the tree, in apply order, for the watch registry. */
export interface NodeChange {
  type: NodeChangeType;
  path: string;
  /** The ACL of the node the event is about, as the change left it (a deleted node's last one): a watcher without READ on it is not told. */
  acl: readonly ACL[];
}

/** The events a change to the tree fires (the others are about sessions and removed watches). */
export type NodeChangeType =
  | typeof EventType.NodeCreated | typeof EventType.NodeDeleted | typeof EventType.NodeDataChanged | typeof EventType.NodeChildrenChanged;

export interface OpOutcome {
  err: ErrorCode;
  path?: string;
  stat?: Stat;
}

function mustGet(store: NodeStore, path: string): ZnodeRecord {
  const record = store.get(path);
  invariant(record !== undefined, `node ${path} vanished after its check`);
  return record;
}

export function applyCreate(store: NodeStore, body: CreateTxn, zxid: number, time: number, changes: NodeChange[]): OpOutcome {
  const parentOf = parentPath(body.path);
  const parent = mustGet(store, parentOf);
  const record = ZnodeRecord.of({
    path: body.path,
    latin1Data: latin1OfData(body.data),
    acl: store.acls.intern(body.acl),
    czxid: zxid,
    mzxid: zxid,
    pzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    kind: body.kind,
    ephemeralOwner: body.kind === 'ephemeral' ? body.ephemeralOwner : 0,
    ttlMs: body.kind === 'ttl' ? body.ttlMs : 0,
  });
  store.insert(record);
  store.replace(parent.with({ cversion: parent.cversion + 1, pzxid: zxid }));
  changes.push({ type: EventType.NodeCreated, path: body.path, acl: record.acl }, { type: EventType.NodeChildrenChanged, path: parentOf, acl: parent.acl });
  return { err: ErrorCode.OK, path: body.path, stat: reportedStat(record, 0) };
}

export function applyDelete(store: NodeStore, body: Pick<DeleteTxn, 'path'>, zxid: number, changes: NodeChange[]): OpOutcome {
  const parentOf = parentPath(body.path);
  const gone = mustGet(store, body.path);
  store.remove(body.path);
  const parent = mustGet(store, parentOf);
  store.replace(parent.with({ pzxid: zxid }));
  changes.push({ type: EventType.NodeDeleted, path: body.path, acl: gone.acl }, { type: EventType.NodeChildrenChanged, path: parentOf, acl: parent.acl });
  return { err: ErrorCode.OK };
}

export function applySetData(store: NodeStore, body: SetDataTxn, zxid: number, time: number, changes: NodeChange[]): OpOutcome {
  const old = mustGet(store, body.path);
  const record = old.with({ latin1Data: latin1OfData(body.data), version: old.version + 1, mzxid: zxid, mtime: time });
  store.replace(record);
  changes.push({ type: EventType.NodeDataChanged, path: body.path, acl: record.acl });
  return { err: ErrorCode.OK, stat: reportedStat(record, store.childCount(body.path)) };
}

/** ZooKeeper fires no watch on an ACL change. */
export function applySetACL(store: NodeStore, body: SetACLTxn): OpOutcome {
  const old = mustGet(store, body.path);
  const record = old.with({ acl: store.acls.intern(body.acl), aversion: old.aversion + 1 });
  store.replace(record);
  return { err: ErrorCode.OK, stat: reportedStat(record, store.childCount(body.path)) };
}
