// The overlay of txns proposed but not yet applied (ZooKeeper's outstanding change records). Prep
// validates against it so that version checks, sequential names and NODEEXISTS/NONODE/NOTEMPTY see
// changes still in flight. Each record is tagged with the zxid that last changed it and is dropped once
// the tree has applied that zxid.
// Invariant: for every path, get() = the state after applying every recorded txn to the tree.
import { type Txn } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { DataTree } from '../tree/index.js';
import { foldOp, type OverlayNode, type NodeOverlay } from '../tree/overlay.js';

/** Most paths the overlay holds; prep answers THROTTLEDOP beyond it until the tree catches up. */
export const PENDING_PATHS_MAX = 1_000_000;

interface PendingRecord {
  zxid: number;
  node: OverlayNode | null;
}

/** Which sessions are being created or closed by a txn in flight. */
type SessionChange = { state: 'creating' | 'closing'; zxid: number };

/** Bugs in the caller's ordering (zxids out of order, applied before proposed). */
export class PendingOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PendingOrderError';
  }
}

export class PendingChanges implements Pick<NodeOverlay, 'get'> {
  private readonly records = new Map<string, PendingRecord>();
  /** Paths touched per proposed txn, in zxid order, so applied() finds what to drop without a scan. */
  private queue: Array<{ zxid: number; paths: string[] }> = [];
  private queueHead = 0;
  private readonly sessionChanges = new Map<number, SessionChange>();
  private lastProposedZxid = 0;

  private readonly base: Pick<NodeOverlay, 'get'>;

  constructor(private readonly tree: DataTree) {
    this.base = tree.overlayBase();
  }

  get size(): number {
    return this.records.size;
  }

  get(path: string): OverlayNode | undefined {
    const pending = this.records.get(path);
    if (pending !== undefined) return pending.node ?? undefined;
    return this.base.get(path);
  }

  /** 'closing' while a closeSession is in flight; 'live' if the session exists or is being created. */
  sessionState(sessionId: number): 'live' | 'closing' | 'unknown' {
    const change = this.sessionChanges.get(sessionId);
    if (change !== undefined) return change.state === 'closing' ? 'closing' : 'live';
    return this.tree.sessions.has(sessionId) ? 'live' : 'unknown';
  }

  /** The session's ephemerals as they will be once everything in flight is applied, sorted. */
  ephemeralsOf(sessionId: number): string[] {
    const owned = (node: OverlayNode | null | undefined): boolean => node?.kind === 'ephemeral' && node.ephemeralOwner === sessionId;
    const out = new Set<string>();
    for (const path of this.tree.ephemeralsOf(sessionId)) if (owned(this.get(path))) out.add(path);
    for (const [path, pending] of this.records) if (owned(pending.node)) out.add(path);
    return Array.from(out).sort();
  }

  record(txn: Txn): void {
    if (txn.zxid <= this.lastProposedZxid) throw new PendingOrderError(`proposed zxid ${txn.zxid} after ${this.lastProposedZxid}`);
    this.lastProposedZxid = txn.zxid;
    const paths: string[] = [];
    const view: NodeOverlay = {
      get: (path) => this.get(path),
      set: (path, node) => {
        this.records.set(path, { zxid: txn.zxid, node });
        paths.push(path);
      },
    };
    const body = txn.body;
    switch (body.type) {
      case 'createSession':
        this.sessionChanges.set(body.sessionId, { state: 'creating', zxid: txn.zxid });
        break;
      case 'closeSession':
        for (const path of this.ephemeralsOf(body.sessionId)) foldOp(view, { type: 'delete', path }, txn.time);
        this.sessionChanges.set(body.sessionId, { state: 'closing', zxid: txn.zxid });
        break;
      case 'multi':
        for (const sub of body.txns) foldOp(view, sub, txn.time);
        break;
      case 'create': case 'delete': case 'setData': case 'setACL': case 'check':
        foldOp(view, body, txn.time);
        break;
      default:
        assertNever(body, 'txn body');
    }
    this.queue.push({ zxid: txn.zxid, paths });
  }

  /** The tree has applied everything up to zxid: drop what it now shows by itself. */
  applied(zxid: number): void {
    if (zxid > this.tree.lastZxid) throw new PendingOrderError(`applied(${zxid}) but the tree is at ${this.tree.lastZxid}`);
    while (this.queueHead < this.queue.length && this.queue[this.queueHead]!.zxid <= zxid) {
      for (const path of this.queue[this.queueHead]!.paths) {
        const pending = this.records.get(path);
        if (pending !== undefined && pending.zxid <= zxid) this.records.delete(path);
      }
      this.queueHead++;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    for (const [sessionId, change] of this.sessionChanges) if (change.zxid <= zxid) this.sessionChanges.delete(sessionId);
  }

  /** Forgets everything in flight (a leader that lost its proposals). */
  reset(): void {
    this.records.clear();
    this.queue = [];
    this.queueHead = 0;
    this.sessionChanges.clear();
    this.lastProposedZxid = 0;
  }

  /** Txns recorded and not yet applied. */
  get inFlightCount(): number {
    return this.queue.length - this.queueHead;
  }
}
