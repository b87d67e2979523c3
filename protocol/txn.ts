// The txn format: every change to the replicated state is one Txn with a zxid. Txns travel between
// servers (proposals) and are written to the txn log, so they live with the wire contract.
// Txns are fully resolved by prep: apply() needs nothing but the txn and the tree to be deterministic.
import type { ACL } from './types.js';

/** How a znode lives and dies. Only 'ephemeral' nodes report a non-zero ephemeralOwner. */
export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

export interface CreateTxn {
  type: 'create';
  /** Final path (a sequential suffix is already added). */
  path: string;
  data: Uint8Array;
  acl: ACL[];
  kind: NodeKind;
  /** Owning session for 'ephemeral' nodes, else 0. */
  ephemeralOwner: number;
  /** TTL in ms for 'ttl' nodes, else 0. */
  ttlMs: number;
}
export interface DeleteTxn { type: 'delete'; path: string }
export interface SetDataTxn { type: 'setData'; path: string; data: Uint8Array }
export interface SetACLTxn { type: 'setACL'; path: string; acl: ACL[] }
/** A version check inside a multi; changes nothing. */
export interface CheckTxn { type: 'check'; path: string }
export interface CreateSessionTxn { type: 'createSession'; sessionId: number; timeoutMs: number; passwd: Uint8Array }
/** Closes or expires a session: deletes every ephemeral node it owns (in path order). */
export interface CloseSessionTxn { type: 'closeSession'; sessionId: number }

/** A txn that can stand inside a multi. */
export type MultiSubTxn = CreateTxn | DeleteTxn | SetDataTxn | CheckTxn;
/** All-or-nothing: prep has checked that every sub-txn succeeds in order. */
export interface MultiTxn { type: 'multi'; txns: MultiSubTxn[] }

export type TxnBody = CreateTxn | DeleteTxn | SetDataTxn | SetACLTxn | CheckTxn | MultiTxn | CreateSessionTxn | CloseSessionTxn;

export interface Txn {
  zxid: number;
  /** ms since the epoch, taken once by the leader's prep; every replica stores this value. */
  time: number;
  /** Session that asked for the change (0 for the server's own: expiry, container and TTL cleanup). */
  sessionId: number;
  /** The request's xid on its session, so the server holding the connection can answer it. */
  xid: number;
  body: TxnBody;
}

/** Fixed cost counted for a txn's envelope and each ACL entry: an estimate, used only to bound memory. */
const TXN_OVERHEAD_BYTES = 64;
const ACL_ENTRY_BYTES = 32;

/** About how many bytes a txn holds in memory: its data, paths and ACLs plus a fixed overhead. */
export function txnBytes(txn: Txn): number {
  return TXN_OVERHEAD_BYTES + bodyBytes(txn.body);
}

function bodyBytes(body: TxnBody): number {
  switch (body.type) {
    case 'create':
      return body.path.length * 2 + body.data.byteLength + body.acl.length * ACL_ENTRY_BYTES;
    case 'setData':
      return body.path.length * 2 + body.data.byteLength;
    case 'setACL':
      return body.path.length * 2 + body.acl.length * ACL_ENTRY_BYTES;
    case 'delete':
    case 'check':
      return body.path.length * 2;
    case 'multi':
      return body.txns.reduce((sum, t) => sum + TXN_OVERHEAD_BYTES + bodyBytes(t), 0);
    case 'createSession':
      return body.passwd.byteLength;
    case 'closeSession':
      return 0;
  }
}
