// Txn builders shared by the tree's unit tests.
import { OPEN_ACL_UNSAFE, type CreateTxn, type Txn, type TxnBody } from '../../protocol/index.js';
import type { DataTree } from '../../src/tree/index.js';

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export function create(path: string, extra: Partial<CreateTxn> = {}): CreateTxn {
  return { type: 'create', path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, ...extra };
}

/** Applies body as the next txn (zxid = lastZxid + 1) at the given time. */
export function apply(tree: DataTree, body: TxnBody, time = 1000): ReturnType<DataTree['apply']> {
  const txn: Txn = { zxid: tree.lastZxid + 1, time, sessionId: 0, xid: 0, body };
  return tree.apply(txn);
}
