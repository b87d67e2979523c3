// The replicated state machine: znodes and the session table. apply(txn) is its only entry point for
// change and is deterministic (time comes from the txn), so replicas fed the same txns hold equal trees.
// apply() never half-applies: a txn that would fail anywhere changes nothing (but still advances lastZxid).
import {
  ErrorCode,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  OpCode,
  type ACL,
  type CloseSessionTxn,
  type MultiSubTxn,
  type MultiTxn,
  type OpResult,
  type SetACLTxn,
  type Stat,
  type Txn,
} from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { applyCreate, applyDelete, applySetACL, applySetData, type NodeChange, type OpOutcome } from './apply-ops.js';
import { stateDigest } from './digest.js';
import { TreeInvariantError, invariant } from './errors.js';
import { checkOp, storeView } from './multi-check.js';
import { ScratchOverlay, foldOp, type NodeOverlay } from './overlay.js';
import { NodeStore } from './node-store.js';
import { QuotaIndex, type QuotaView } from './quota-index.js';
import { initialRecord, reportedStat, type SessionRecord, type SnapshotNode, type ZnodeRecord } from './znode.js';

export type { NodeChange } from './apply-ops.js';
export type { SessionRecord, SnapshotNode } from './znode.js';
export { ZnodeRecord } from './znode.js';

export interface ApplyResult {
  /** ErrorCode.OK or the error. */
  err: number;
  /** create: the created path. */
  path?: string;
  /** create/setData/setACL: the node's new reported Stat. */
  stat?: Stat;
  /** multi: one result per op, as ZooKeeper reports them. */
  results?: OpResult[];
  /** In order, for the watch registry. Empty on error. */
  changes: NodeChange[];
}

/**
 * O(n) reference copy of the state; its records never change, so it can be written out later. Records
 * serialize as SnapshotNodes, so a snapshot read back from disk or a SNAP holds those instead.
 */
export interface TreeSnapshot {
  zxid: number;
  nodes: readonly (ZnodeRecord | SnapshotNode)[];
  sessions: readonly SessionRecord[];
}

export interface NodeView {
  data: Uint8Array;
  acl: readonly ACL[];
  stat: Stat;
}

/** ZooKeeper reports every result of a failed multi as an error result: OK before, the error, then RUNTIMEINCONSISTENCY. */
export function failedMultiResults(count: number, failedIndex: number, err: ErrorCode): OpResult[] {
  const results: OpResult[] = [];
  for (let i = 0; i < count; i++) {
    const code = i < failedIndex ? ErrorCode.OK : i === failedIndex ? err : ErrorCode.RUNTIMEINCONSISTENCY;
    results.push({ op: OpCode.error, err: code });
  }
  return results;
}

export class DataTree {
  private store = new NodeStore();
  /** Derived from the store alone (rebuilt on load), so it is never part of a snapshot. */
  private readonly quotaIndex = new QuotaIndex();
  private readonly sessionTable = new Map<number, SessionRecord>();
  private zxid = 0;

  /**
   * A fresh tree: '/', '/zookeeper', '/zookeeper/quota' and '/zookeeper/config', all at zxid 0. As in
   * ZooKeeper, every one is world:anyone:cdrwa except '/zookeeper/config', which everyone may only read.
   */
  constructor() {
    // Linked without create txns, as ZooKeeper does: their internal cversion stays 0 (so '/' reports -1).
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      this.store.insert(initialRecord(path, path === '/zookeeper/config' ? READ_ACL_UNSAFE : OPEN_ACL_UNSAFE));
    }
  }

  static fromSnapshot(s: TreeSnapshot): DataTree {
    const tree = new DataTree();
    tree.store = new NodeStore();
    tree.store.load(s.nodes);
    tree.quotaIndex.rebuild(tree.store);
    for (const session of s.sessions) tree.sessionTable.set(session.sessionId, session);
    tree.zxid = s.zxid;
    return tree;
  }

  /** Replaces the whole state in place (ZAB SNAP): holders of this tree see the snapshot's state. */
  replaceWith(s: TreeSnapshot): void {
    const fresh = DataTree.fromSnapshot(s);
    this.store = fresh.store;
    this.quotaIndex.rebuild(this.store);
    this.sessionTable.clear();
    for (const [id, session] of fresh.sessionTable) this.sessionTable.set(id, session);
    this.zxid = fresh.zxid;
  }

  get lastZxid(): number {
    return this.zxid;
  }

  get nodeCount(): number {
    return this.store.size;
  }

  /** Bytes of every path and node's data (ZooKeeper's approximate_data_size). */
  get approximateDataSize(): number {
    return this.store.approximateDataSize;
  }

  get ephemeralCount(): number {
    return this.store.ephemeralCount;
  }

  get sessions(): ReadonlyMap<number, SessionRecord> {
    return this.sessionTable;
  }

  /** The quotas under /zookeeper/quota with their limits and usage as applied so far. */
  get quotas(): QuotaView {
    return this.quotaIndex;
  }

  apply(txn: Txn): ApplyResult {
    invariant(txn.zxid > this.zxid, `zxid must increase: ${txn.zxid} after ${this.zxid}`);
    this.zxid = txn.zxid;
    const body = txn.body;
    switch (body.type) {
      case 'createSession':
        this.sessionTable.set(body.sessionId, Object.freeze({ sessionId: body.sessionId, timeoutMs: body.timeoutMs, passwd: new Uint8Array(body.passwd) }));
        return { err: ErrorCode.OK, changes: [] };
      case 'closeSession':
        return this.applyCloseSession(body, txn.zxid);
      case 'multi':
        return this.applyMulti(body, txn.zxid, txn.time);
      case 'create': case 'delete': case 'setData': case 'setACL': case 'check': {
        const err = checkOp(storeView(() => this.store), body);
        if (err !== ErrorCode.OK) return { err, changes: [] };
        const changes: NodeChange[] = [];
        const outcome = this.applyOne(body, txn.zxid, txn.time, changes);
        return { ...outcome, changes };
      }
      default:
        return assertNever(body, 'txn body', TreeInvariantError);
    }
  }

  /** Every node change goes through here, so the quota index sees each one. */
  private applyOne(body: MultiSubTxn | SetACLTxn, zxid: number, time: number, changes: NodeChange[]): OpOutcome {
    switch (body.type) {
      case 'create': {
        const outcome = applyCreate(this.store, body, zxid, time, changes);
        this.quotaIndex.created(this.store, this.store.get(body.path)!);
        return outcome;
      }
      case 'delete':
        return this.deleteNode(body.path, zxid, changes);
      case 'setData': {
        const old = this.store.get(body.path);
        const outcome = applySetData(this.store, body, zxid, time, changes);
        if (old !== undefined) this.quotaIndex.dataChanged(this.store, old);
        return outcome;
      }
      case 'setACL':
        return applySetACL(this.store, body);
      case 'check':
        return { err: ErrorCode.OK };
      default:
        return assertNever(body, 'txn body', TreeInvariantError);
    }
  }

  private applyMulti(body: MultiTxn, zxid: number, time: number): ApplyResult {
    const view = new ScratchOverlay(storeView(() => this.store));
    for (let i = 0; i < body.txns.length; i++) {
      const sub = body.txns[i]!;
      const err = checkOp(view, sub);
      if (err !== ErrorCode.OK) return { err, results: failedMultiResults(body.txns.length, i, err), changes: [] };
      foldOp(view, sub, time);
    }
    const changes: NodeChange[] = [];
    const results: OpResult[] = body.txns.map((sub) => {
      const outcome = this.applyOne(sub, zxid, time, changes);
      switch (sub.type) {
        case 'create':
          return { op: OpCode.create2, err: outcome.err, path: outcome.path!, stat: outcome.stat! };
        case 'delete':
          return { op: OpCode.delete, err: outcome.err };
        case 'setData':
          return { op: OpCode.setData, err: outcome.err, stat: outcome.stat! };
        case 'check':
          return { op: OpCode.check, err: outcome.err };
        default:
          return assertNever(sub, 'multi sub-txn', TreeInvariantError);
      }
    });
    return { err: ErrorCode.OK, results, changes };
  }

  /** Deletes the session's ephemerals in path order; they have no children, so any order is safe. */
  private applyCloseSession(body: CloseSessionTxn, zxid: number): ApplyResult {
    const changes: NodeChange[] = [];
    const paths = Array.from(this.store.ephemeralsOf(body.sessionId)).sort();
    for (const path of paths) this.deleteNode(path, zxid, changes);
    this.sessionTable.delete(body.sessionId);
    return { err: ErrorCode.OK, changes };
  }

  private deleteNode(path: string, zxid: number, changes: NodeChange[]): OpOutcome {
    const record = this.store.get(path);
    const outcome = applyDelete(this.store, { path }, zxid, changes);
    if (record !== undefined) this.quotaIndex.deleted(this.store, record);
    return outcome;
  }

  // ---- reads: reported Stats, undefined for a missing node ----

  getNode(path: string): NodeView | undefined {
    const r = this.store.get(path);
    return r === undefined ? undefined : { data: r.dataBytes(), acl: r.acl, stat: reportedStat(r, this.store.childCount(path)) };
  }

  /** The node's ACL, undefined for a missing node. */
  aclOf(path: string): readonly ACL[] | undefined {
    return this.store.get(path)?.acl;
  }

  statOf(path: string): Stat | undefined {
    const r = this.store.get(path);
    return r === undefined ? undefined : reportedStat(r, this.store.childCount(path));
  }

  /**
   * The tree as the bottom layer of an overlay of changes not yet applied (prep's view of what is in flight).
   * It reads the tree's store as it is at each lookup: replaceWith() swaps the store for a leader's snapshot.
   */
  overlayBase(): Pick<NodeOverlay, 'get'> {
    return storeView(() => this.store);
  }

  /** Child names in insertion order, or undefined for a missing node. */
  getChildren(path: string): string[] | undefined {
    return this.store.has(path) ? Array.from(this.store.childNames(path)) : undefined;
  }

  /** getAllChildrenNumber: every node below path, not counting path itself (0 for a missing node). */
  countDescendants(path: string): number {
    if (!this.store.has(path)) return 0;
    if (path === '/') return this.store.size - 1;
    let count = 0;
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      for (const name of this.store.childNames(p)) {
        count++;
        stack.push(p === '/' ? `/${name}` : `${p}/${name}`);
      }
    }
    return count;
  }

  /** The session's ephemeral paths starting with prefixPath ('/' = all), sorted. */
  getEphemerals(sessionId: number, prefixPath: string): string[] {
    const all = Array.from(this.store.ephemeralsOf(sessionId));
    const chosen = prefixPath === '/' || prefixPath === '' ? all : all.filter((p) => p.startsWith(prefixPath));
    return chosen.sort();
  }

  ephemeralsOf(sessionId: number): ReadonlySet<string> {
    return this.store.ephemeralsOf(sessionId);
  }

  /**
   * Nodes the server should delete now: containers that had a child and have none left, and childless
   * TTL nodes unmodified for longer than their TTL. At most max paths.
   */
  expiredCleanupCandidates(nowMs: number, max: number): string[] {
    const out: string[] = [];
    for (const path of this.store.expirablePaths()) {
      if (out.length >= max) break;
      const r = this.store.get(path)!;
      if (this.store.childCount(path) > 0) continue;
      if (r.kind === 'container' ? r.cversion > 0 : r.mtime + r.ttlMs < nowMs) out.push(path);
    }
    return out;
  }

  snapshot(): TreeSnapshot {
    return { zxid: this.zxid, nodes: Array.from(this.store.records()), sessions: Array.from(this.sessionTable.values()) };
  }

  digest(): string {
    return stateDigest(this.store.records(), this.sessionTable.values(), this.zxid);
  }
}
