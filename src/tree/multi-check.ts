// Validation of txns against the tree without touching it, so apply() is all or nothing: a multi is
// checked op by op on a scratch view (op 2 sees op 1's create) before the first mutation.
import { ErrorCode, parentPath, type MultiSubTxn, type NodeKind, type SetACLTxn } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { TreeInvariantError } from './errors.js';
import type { NodeStore } from './node-store.js';

interface ViewNode {
  kind: NodeKind;
  numChildren: number;
}

/** The tree as it would be after the ops folded so far. */
export class CheckView {
  private readonly staged = new Map<string, ViewNode | null>();

  constructor(private readonly store: NodeStore) {}

  get(path: string): ViewNode | undefined {
    const staged = this.staged.get(path);
    if (staged !== undefined) return staged ?? undefined;
    const record = this.store.get(path);
    return record === undefined ? undefined : { kind: record.kind, numChildren: this.store.childCount(path) };
  }

  /** Records the effect of an op that checkOp accepted. */
  fold(body: MultiSubTxn): void {
    if (body.type === 'create') {
      this.staged.set(body.path, { kind: body.kind, numChildren: 0 });
      this.adjustChildren(parentPath(body.path), 1);
    } else if (body.type === 'delete') {
      this.staged.set(body.path, null);
      this.adjustChildren(parentPath(body.path), -1);
    }
  }

  private adjustChildren(path: string, delta: number): void {
    const node = this.get(path);
    if (node !== undefined) this.staged.set(path, { kind: node.kind, numChildren: node.numChildren + delta });
  }
}

/** The error apply() would hit for this op, or OK. */
export function checkOp(view: CheckView, body: MultiSubTxn | SetACLTxn): ErrorCode {
  switch (body.type) {
    case 'create': {
      if (body.path === '/' || view.get(body.path) !== undefined) return ErrorCode.NODEEXISTS;
      const parent = view.get(parentPath(body.path));
      if (parent === undefined) return ErrorCode.NONODE;
      return parent.kind === 'ephemeral' ? ErrorCode.NOCHILDRENFOREPHEMERALS : ErrorCode.OK;
    }
    case 'delete': {
      if (body.path === '/') return ErrorCode.BADARGUMENTS;
      const node = view.get(body.path);
      if (node === undefined) return ErrorCode.NONODE;
      return node.numChildren > 0 ? ErrorCode.NOTEMPTY : ErrorCode.OK;
    }
    case 'setData':
    case 'setACL':
    case 'check':
      return view.get(body.path) === undefined ? ErrorCode.NONODE : ErrorCode.OK;
    default:
      return assertNever(body, 'txn body', TreeInvariantError);
  }
}
