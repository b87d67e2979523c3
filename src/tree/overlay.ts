// The tree as it will be once some changes are applied, without applying them: what a node will be and
// how a txn changes it. Layers stack: a scratch layer (the ops of one multi so far) over the pending
// overlay of prep (txns proposed, not yet applied) over the tree itself. foldOp() is the one place that
// says how an op changes a node and its parent's child count: the tree's own multi check (apply is all or
// nothing), prep's scratch layer for a multi, and prep's overlay of proposed txns all use it.
import { parentPath, type ACL, type MultiSubTxn, type NodeKind, type SetACLTxn } from '../../protocol/index.js';
import type { ZnodeRecord } from './znode.js';

export interface OverlayNode {
  readonly kind: NodeKind;
  readonly ephemeralOwner: number;
  readonly version: number;
  /** Internal cversion: children ever created (the next sequential suffix). */
  readonly cversion: number;
  readonly aversion: number;
  readonly numChildren: number;
  readonly mtime: number;
  readonly ttlMs: number;
  /** The ACL later ops are checked against (a create or setACL in flight changes it). */
  readonly acl: readonly ACL[];
  /** Bytes of data (quota checks need what a setData or delete takes away). */
  readonly dataLength: number;
}

export interface NodeOverlay {
  /** The node as it will be once everything in flight is applied; undefined if it will not exist. */
  get(path: string): OverlayNode | undefined;
  /** Records the node's future state (null: deleted). */
  set(path: string, node: OverlayNode | null): void;
}

export function nodeFromRecord(r: ZnodeRecord, numChildren: number): OverlayNode {
  return {
    kind: r.kind,
    ephemeralOwner: r.ephemeralOwner,
    version: r.version,
    cversion: r.cversion,
    aversion: r.aversion,
    numChildren,
    mtime: r.mtime,
    ttlMs: r.ttlMs,
    acl: r.acl,
    dataLength: r.dataLength,
  };
}

/** Changes made by the earlier ops of one multi, over a base view; thrown away after prepare(). */
export class ScratchOverlay implements NodeOverlay {
  /** Made on the first set: most requests are single ops that only read through the overlay. */
  private staged: Map<string, OverlayNode | null> | undefined;

  constructor(private readonly base: Pick<NodeOverlay, 'get'>) {}

  get(path: string): OverlayNode | undefined {
    const staged = this.staged?.get(path);
    if (staged !== undefined) return staged ?? undefined;
    return this.base.get(path);
  }

  set(path: string, node: OverlayNode | null): void {
    (this.staged ??= new Map()).set(path, node);
  }
}

function adjustParent(view: NodeOverlay, path: string, created: boolean): void {
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
export function foldOp(view: NodeOverlay, body: MultiSubTxn | SetACLTxn, timeMs: number): void {
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
        acl: body.acl,
        dataLength: body.data.byteLength,
      });
      adjustParent(view, body.path, true);
      return;
    case 'delete':
      view.set(body.path, null);
      adjustParent(view, body.path, false);
      return;
    case 'setData': {
      const node = view.get(body.path);
      if (node !== undefined) view.set(body.path, { ...node, version: node.version + 1, mtime: timeMs, dataLength: body.data.byteLength });
      return;
    }
    case 'setACL': {
      const node = view.get(body.path);
      if (node !== undefined) view.set(body.path, { ...node, aversion: node.aversion + 1, acl: body.acl });
      return;
    }
    case 'check':
      return;
  }
}
