// What prep needs to know about a node, and how a txn changes it. Prep looks at the tree through layers:
// a scratch layer (the ops of one multi so far) over the pending overlay (txns proposed, not yet applied)
// over the tree itself. fold() is the one place that says how a txn changes these records, used both
// for a multi's scratch layer and for the overlay when a txn is proposed.
import { parentPath, type MultiSubTxn, type NodeKind, type SetACLTxn } from '../../protocol/index.js';
import type { ZnodeRecord } from '../tree/index.js';

export interface PrepNode {
  readonly kind: NodeKind;
  readonly ephemeralOwner: number;
  readonly version: number;
  /** Internal cversion: children ever created (the next sequential suffix). */
  readonly cversion: number;
  readonly aversion: number;
  readonly numChildren: number;
  readonly mtime: number;
  readonly ttlMs: number;
}

export interface PrepView {
  /** The node as it will be once everything in flight is applied; undefined if it will not exist. */
  get(path: string): PrepNode | undefined;
  /** Records the node's future state (null: deleted). */
  set(path: string, node: PrepNode | null): void;
}

export function nodeFromRecord(r: ZnodeRecord, numChildren: number): PrepNode {
  return {
    kind: r.kind,
    ephemeralOwner: r.ephemeralOwner,
    version: r.version,
    cversion: r.cversion,
    aversion: r.aversion,
    numChildren,
    mtime: r.mtime,
    ttlMs: r.ttlMs,
  };
}

/** Changes made by the earlier ops of one multi, over a base view; thrown away after prepare(). */
export class ScratchView implements PrepView {
  private readonly staged = new Map<string, PrepNode | null>();

  constructor(private readonly base: Pick<PrepView, 'get'>) {}

  get(path: string): PrepNode | undefined {
    const staged = this.staged.get(path);
    if (staged !== undefined) return staged ?? undefined;
    return this.base.get(path);
  }

  set(path: string, node: PrepNode | null): void {
    this.staged.set(path, node);
  }
}

function adjustParent(view: PrepView, path: string, created: boolean): void {
  const parentOf = parentPath(path);
  const parent = view.get(parentOf);
  if (parent === undefined) return;
  view.set(parentOf, {
    ...parent,
    cversion: created ? parent.cversion + 1 : parent.cversion,
    numChildren: parent.numChildren + (created ? 1 : -1),
  });
}

/** Folds an accepted op into view, as DataTree.apply() will change the node. */
export function foldOp(view: PrepView, body: MultiSubTxn | SetACLTxn, timeMs: number): void {
  switch (body.type) {
    case 'create':
      view.set(body.path, {
        kind: body.kind,
        ephemeralOwner: body.ephemeralOwner,
        version: 0,
        cversion: 0,
        aversion: 0,
        numChildren: 0,
        mtime: timeMs,
        ttlMs: body.ttlMs,
      });
      adjustParent(view, body.path, true);
      return;
    case 'delete':
      view.set(body.path, null);
      adjustParent(view, body.path, false);
      return;
    case 'setData': {
      const node = view.get(body.path);
      if (node !== undefined) view.set(body.path, { ...node, version: node.version + 1, mtime: timeMs });
      return;
    }
    case 'setACL': {
      const node = view.get(body.path);
      if (node !== undefined) view.set(body.path, { ...node, aversion: node.aversion + 1 });
      return;
    }
    case 'check':
      return;
  }
}
