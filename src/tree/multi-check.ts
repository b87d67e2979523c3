// Validation of txns against the tree without touching it, so apply() is all or nothing: a multi is
// checked op by op on a scratch overlay (op 2 sees op 1's create) before the first mutation.
import { ErrorCode, parentPath, type MultiSubTxn, type SetACLTxn } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { TreeInvariantError } from './errors.js';
import type { NodeStore } from './node-store.js';
import { nodeFromRecord, type NodeOverlay, type OverlayNode } from './overlay.js';

/** The tree itself as the bottom layer of an overlay; store() is asked at each lookup (the tree may swap stores). */
export function storeView(store: () => NodeStore): Pick<NodeOverlay, 'get'> {
  return {
    get(path: string): OverlayNode | undefined {
      const s = store();
      const record = s.get(path);
      return record === undefined ? undefined : nodeFromRecord(record, s.childCount(path));
    },
  };
}

/** The error apply() would hit for this op, or OK. */
export function checkOp(view: Pick<NodeOverlay, 'get'>, body: MultiSubTxn | SetACLTxn): ErrorCode {
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
