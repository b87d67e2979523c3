// What clients see, checked as it happens (the register history is checked at the end of a run):
//  - every acknowledged write names a committed txn of its own session and xid, and the final converged
//    tree shows it unless a later committed change to the same node replaced it (no acked write is lost);
//  - a watch fires before its session can see the change: no answer computed at a zxid at or after a
//    watched change arrives before that change's event;
//  - ephemerals vanish exactly when their session's close or expiry commits: a committed txn deletes only
//    the nodes it names, a closeSession deletes exactly its session's ephemerals, and a server that tells a
//    client its session ended no longer holds the session or any of its ephemerals;
//  - sequential names are unique per parent and increase with the zxid that created them.
// The committed history (every txn and the node changes it made, by zxid) is recorded from the first
// replica to apply each txn; the invariant checker makes sure every other replica applies the same.
import { ErrorCode, EventType, OpCode, isSequentialMode, parentPath } from '../../../protocol/index.js';
import type { MultiOp, OpResult, Request, Response, Txn } from '../../../protocol/index.js';
import type { ApplyResult, DataTree, NodeChange } from '../../../src/tree/index.js';
import { hex } from '../trace.js';

export class ClientCheckError extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`${check}: ${message}`);
    this.name = 'ClientCheckError';
  }
}

/** What a one-shot watch was set on: data/exist watches fire on the node, child watches on its children. */
export type ArmedKind = 'data' | 'exist' | 'child';
export interface ArmedWatch {
  kind: ArmedKind;
  path: string;
  /** The zxid of the state the read that set it saw. */
  sinceZxid: number;
}

const FIRES: Record<ArmedKind, ReadonlySet<number>> = {
  data: new Set([EventType.NodeDataChanged, EventType.NodeDeleted, EventType.NodeCreated]),
  exist: new Set([EventType.NodeCreated, EventType.NodeDataChanged, EventType.NodeDeleted]),
  child: new Set([EventType.NodeChildrenChanged, EventType.NodeDeleted]),
};
/** Changes that make a node's own state differ (the final-tree check). */
const OWN_CHANGE = new Set<number>([EventType.NodeCreated, EventType.NodeDeleted, EventType.NodeDataChanged]);

interface Change {
  zxid: number;
  type: number;
}

interface AckedMutation {
  zxid: number;
  what: string;
}

/** Parses the counter of a sequential node's name (its last ten digits). */
function sequenceOf(path: string): number {
  const digits = path.slice(-10);
  if (!/^\d{10}$/.test(digits)) throw new ClientCheckError('sequential', `sequential create answered with ${path}, which does not end in ten digits`);
  return Number(digits);
}

function namesPath(txn: Txn, path: string): boolean {
  const b = txn.body;
  if (b.type === 'delete') return b.path === path;
  if (b.type === 'multi') return b.txns.some((t) => t.type === 'delete' && t.path === path);
  return false;
}

export class ClientChecks {
  private readonly txns = new Map<number, Txn>();
  private readonly changes = new Map<string, Change[]>();
  private readonly acked = new Map<string, AckedMutation[]>();
  /** parent (path and creating zxid) → sequential creates acknowledged under it: counter → zxid. */
  private readonly sequential = new Map<string, Map<number, number>>();
  private closingEphemerals: string[] = [];
  ackedWrites = 0;
  watchChecks = 0;

  // ---- the committed history, from the first replica to apply each txn ----

  beforeFirstApply(tree: DataTree, txn: Txn): void {
    this.closingEphemerals = txn.body.type === 'closeSession' ? [...tree.ephemeralsOf(txn.body.sessionId)].sort() : [];
  }

  afterFirstApply(txn: Txn, result: ApplyResult): void {
    this.txns.set(txn.zxid, txn);
    const deleted: string[] = [];
    for (const c of result.changes) {
      this.record(c, txn.zxid);
      if (c.type === EventType.NodeDeleted) deleted.push(c.path);
    }
    if (txn.body.type === 'closeSession') {
      if (deleted.sort().join('\n') !== this.closingEphemerals.join('\n')) {
        throw new ClientCheckError('ephemerals', `closeSession of ${hex(txn.body.sessionId)} at ${hex(txn.zxid)} deleted [${deleted.join(', ')}], but the session owned [${this.closingEphemerals.join(', ')}]`);
      }
      return;
    }
    for (const path of deleted) {
      if (!namesPath(txn, path)) throw new ClientCheckError('ephemerals', `txn ${hex(txn.zxid)} (${txn.body.type}) deleted ${path}, which it does not name`);
    }
  }

  private record(c: NodeChange, zxid: number): void {
    let list = this.changes.get(c.path);
    if (list === undefined) this.changes.set(c.path, (list = []));
    list.push({ zxid, type: c.type });
  }

  /** On every replica: once a session's close or expiry is applied, nothing of it is left. */
  afterApply(tree: DataTree, txn: Txn, result: ApplyResult, server: number): void {
    if (txn.body.type !== 'closeSession' || result.err !== ErrorCode.OK) return;
    this.sessionGone(tree, txn.body.sessionId, server, `after applying its close at ${hex(txn.zxid)}`);
  }

  /** A server told a client its session is over: by then that server must hold nothing of it. */
  toldEnded(tree: DataTree, sessionId: number, server: number, how: string): void {
    this.sessionGone(tree, sessionId, server, `when it told the client so (${how})`);
  }

  private sessionGone(tree: DataTree, sessionId: number, server: number, when: string): void {
    const left = tree.ephemeralsOf(sessionId);
    if (tree.sessions.has(sessionId) || left.size > 0) {
      throw new ClientCheckError('ephemerals', `server ${server} still holds session ${hex(sessionId)}${left.size > 0 ? ` and its ephemerals [${[...left].join(', ')}]` : ''} ${when} (tree at ${hex(tree.lastZxid)})`);
    }
  }

  // ---- watches ----

  /** The first committed change after sinceZxid that fires this watch, if any. */
  firstFiring(w: ArmedWatch): Change | undefined {
    const list = this.changes.get(w.path);
    if (list === undefined) return undefined;
    const fires = FIRES[w.kind];
    for (const c of list) if (c.zxid > w.sinceZxid && fires.has(c.type)) return c;
    return undefined;
  }

  /** An answer computed at zxid reached a client holding these watches: each must have fired first. */
  answerArrived(client: number, zxid: number, xid: number, armed: Iterable<ArmedWatch>): void {
    for (const w of armed) {
      this.watchChecks += 1;
      const c = this.firstFiring(w);
      if (c !== undefined && c.zxid <= zxid) {
        throw new ClientCheckError('watch order', `client ${client} got the answer to xid ${xid} at ${hex(zxid)} before the event of its ${w.kind} watch on ${w.path} (set at ${hex(w.sinceZxid)}) for the change at ${hex(c.zxid)}`);
      }
    }
  }

  // ---- acknowledged writes ----

  /** A write answered OK: it must be the committed txn of this session and xid. */
  writeAcked(client: number, sessionId: number, req: Request, resp: Response): void {
    this.ackedWrites += 1;
    const txn = this.txns.get(resp.zxid);
    const what = `client ${client}'s ${opName(req.op)} xid ${req.xid} acknowledged at ${hex(resp.zxid)}`;
    if (txn === undefined) throw new ClientCheckError('acked write', `${what}, which is not a committed txn`);
    if (txn.sessionId !== sessionId || txn.xid !== req.xid) {
      throw new ClientCheckError('acked write', `${what}, but the txn committed there is session ${hex(txn.sessionId)} xid ${txn.xid}`);
    }
    switch (req.op) {
      case OpCode.create: case OpCode.create2: case OpCode.createContainer: case OpCode.createTTL:
        return this.created(req, resp.path ?? '', resp.zxid, what);
      case OpCode.setData: return this.mutated(req.path, resp.zxid, what);
      case OpCode.delete: return this.mutated(req.path, resp.zxid, what);
      case OpCode.multi: return this.multiAcked(req.ops, resp.results ?? [], resp.zxid, what);
      default: return undefined;
    }
  }

  private multiAcked(ops: readonly MultiOp[], results: readonly OpResult[], zxid: number, what: string): void {
    if (results.length !== ops.length) throw new ClientCheckError('acked write', `${what} with ${results.length} results for ${ops.length} ops`);
    ops.forEach((op, i) => {
      const r = results[i]!;
      if (r.err !== ErrorCode.OK) throw new ClientCheckError('acked write', `${what}: op ${i} failed with ${r.err} in a multi answered OK`);
      if (op.op === OpCode.check) return;
      if (op.op === OpCode.delete || op.op === OpCode.setData) return this.mutated(op.path, zxid, `${what} (op ${i})`);
      this.created(op, r.path ?? '', zxid, `${what} (op ${i})`);
    });
  }

  private created(req: { path: string; mode: number }, path: string, zxid: number, what: string): void {
    this.mutated(path, zxid, what);
    if (!isSequentialMode(req.mode as Parameters<typeof isSequentialMode>[0])) return;
    if (!path.startsWith(req.path)) throw new ClientCheckError('sequential', `${what} named ${path}, not ${req.path} and a counter`);
    // A parent deleted and created again starts counting from zero: names are unique per parent node.
    const parent = `${parentPath(path)}@${hex(this.createdAt(parentPath(path), zxid))}`;
    const counter = sequenceOf(path);
    let byCounter = this.sequential.get(parent);
    if (byCounter === undefined) this.sequential.set(parent, (byCounter = new Map()));
    const seen = byCounter.get(counter);
    if (seen !== undefined && seen !== zxid) throw new ClientCheckError('sequential', `${what} named ${path}, which the create at ${hex(seen)} was given too`);
    for (const [c, z] of byCounter) {
      // Creates of one multi share a zxid; across zxids the counters must follow the zxids.
      if (z !== zxid && (c < counter) !== (z < zxid)) {
        throw new ClientCheckError('sequential', `${what} named ${path} (counter ${counter}), but the create at ${hex(z)} under the same parent got counter ${c}`);
      }
    }
    byCounter.set(counter, zxid);
  }

  /** The zxid that created the node at path as it was at zxid (0 for the nodes a tree starts with). */
  private createdAt(path: string, zxid: number): number {
    let created = 0;
    for (const c of this.changes.get(path) ?? []) {
      if (c.zxid > zxid) break;
      if (c.type === EventType.NodeCreated) created = c.zxid;
    }
    return created;
  }

  private mutated(path: string, zxid: number, what: string): void {
    let list = this.acked.get(path);
    if (list === undefined) this.acked.set(path, (list = []));
    list.push({ zxid, what });
  }

  /** At the end: every acknowledged change is in the committed history, and the final tree shows the last one. */
  finalTree(tree: DataTree): void {
    for (const [path, acks] of this.acked) {
      const last = acks.reduce((a, b) => (b.zxid > a.zxid ? b : a));
      const changes = (this.changes.get(path) ?? []).filter((c) => OWN_CHANGE.has(c.type));
      if (!changes.some((c) => c.zxid === last.zxid)) throw new ClientCheckError('acked write', `${last.what}, but the committed history has no change to ${path} there`);
      const final = changes[changes.length - 1]!;
      const stat = tree.statOf(path);
      const ok = final.type === EventType.NodeDeleted ? stat === undefined
        : stat !== undefined && (final.type === EventType.NodeCreated ? stat.czxid === final.zxid : stat.mzxid === final.zxid);
      if (!ok) {
        throw new ClientCheckError('acked write', `the final tree has ${path} ${stat === undefined ? 'missing' : `at czxid ${hex(stat.czxid)} mzxid ${hex(stat.mzxid)}`}, but its last committed change is event ${final.type} at ${hex(final.zxid)} (last acknowledged: ${last.what})`);
      }
    }
    for (const [sessionId] of tree.sessions) {
      for (const path of tree.ephemeralsOf(sessionId)) if (tree.statOf(path) === undefined) throw new ClientCheckError('ephemerals', `session ${hex(sessionId)} lists ${path}, which is gone`);
    }
  }

  get committedTxns(): number {
    return this.txns.size;
  }
}

function opName(op: number): string {
  for (const [name, code] of Object.entries(OpCode)) if (code === op) return name;
  return `op ${op}`;
}
