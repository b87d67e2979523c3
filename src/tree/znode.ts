// The znode record: one immutable plain object per node. apply() replaces a node's record and never
// mutates it, so a snapshot can hold references to records while the tree keeps changing.
// Records are msgpack-serializable as they stand (strings, numbers, Uint8Array, arrays, plain objects).
import type { ACL, NodeKind, Stat } from '../../protocol/index.js';

/** The internal state of one znode: what a snapshot stores. numChildren is derived from the tree. */
export interface ZnodeRecord {
  readonly path: string;
  readonly data: Uint8Array;
  readonly acl: readonly ACL[];
  readonly czxid: number;
  readonly mzxid: number;
  readonly pzxid: number;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  /** Internal cversion: number of children ever created (drives sequential names). Not the reported one. */
  readonly cversion: number;
  readonly aversion: number;
  readonly kind: NodeKind;
  /** Owning session for 'ephemeral' nodes, else 0. */
  readonly ephemeralOwner: number;
  /** TTL for 'ttl' nodes, else 0. */
  readonly ttlMs: number;
}

/** A live session, as the replicated session table holds it. */
export interface SessionRecord {
  readonly sessionId: number;
  readonly timeoutMs: number;
  readonly passwd: Uint8Array;
}

/** A node as a snapshot stores it. */
export type SnapshotNode = ZnodeRecord;

/**
 * The Stat a client sees. ZooKeeper counts only creates internally and reports
 * cversion = 2 × creates − numChildren, so that every delete also reads as a change.
 */
export function reportedStat(r: ZnodeRecord, numChildren: number): Stat {
  return {
    czxid: r.czxid,
    mzxid: r.mzxid,
    pzxid: r.pzxid,
    ctime: r.ctime,
    mtime: r.mtime,
    version: r.version,
    cversion: 2 * r.cversion - numChildren,
    aversion: r.aversion,
    ephemeralOwner: r.kind === 'ephemeral' ? r.ephemeralOwner : 0,
    dataLength: r.data.byteLength,
    numChildren,
  };
}

/** A node created at zxid 0 when the tree starts (/, /zookeeper and the nodes below it). */
export function initialRecord(path: string, acl: readonly ACL[]): ZnodeRecord {
  return {
    path,
    data: new Uint8Array(0),
    acl,
    czxid: 0,
    mzxid: 0,
    pzxid: 0,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    kind: 'persistent',
    ephemeralOwner: 0,
    ttlMs: 0,
  };
}
