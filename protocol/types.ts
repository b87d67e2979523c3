// Data types shared by requests, responses, txns and the tree.

/**
 * A znode's metadata, as ZooKeeper's Stat. Every field is a number: zxids and session ids are
 * exact integers below 2^53 (see protocol/README.md, "Numbers").
 */
export interface Stat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  /** ms since the epoch, taken by the leader when it made the txn. */
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: number;
  dataLength: number;
  numChildren: number;
}

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

/** world:anyone with every permission (ZooKeeper's Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: 31, id: Object.freeze({ scheme: 'world', id: 'anyone' }) })]);
/** world:anyone with READ only (ZooKeeper's Ids.READ_ACL_UNSAFE). */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: 1, id: Object.freeze({ scheme: 'world', id: 'anyone' }) })]);

/** A watch notification as delivered to a client. */
export interface WatchedEvent {
  type: number;
  state: number;
  path: string;
  /** zxid of the txn that triggered it (-1 for state events). */
  zxid: number;
}

/** zxid = epoch * 2^32 + counter. Epochs stay below 2^21 so a zxid is an exact JS number. */
export const ZXID_COUNTER_SPAN = 2 ** 32;
export const MAX_EPOCH = 2 ** 21 - 1;
export function makeZxid(epoch: number, counter: number): number {
  return epoch * ZXID_COUNTER_SPAN + counter;
}
export function zxidEpoch(zxid: number): number {
  return Math.floor(zxid / ZXID_COUNTER_SPAN);
}
export function zxidCounter(zxid: number): number {
  return zxid % ZXID_COUNTER_SPAN;
}
/** '0x100000005' — how ZooKeeper prints zxids and session ids. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
