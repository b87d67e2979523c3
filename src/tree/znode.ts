// The znode record: one immutable object per node. apply() replaces a node's record and never mutates
// it, so a snapshot can hold references to records while the tree keeps changing. A record serializes
// as its SnapshotNode, the shape disk snapshots and SNAPs carry.
import { Buffer } from 'node:buffer';
import { NULL_DATA, isNullData, type ACL, type NodeKind, type Stat, type WireData } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { AclInterner } from './acl-intern.js';
import { TreeInvariantError } from './errors.js';

/** A record's own fields (what its class declares, without methods and getters), data as a latin1 string or null. */
export type ZnodeFields = Omit<ZnodeRecord, 'dataLength' | 'dataBytes' | 'with' | 'toSnapshotNode' | 'toJSON'>;

/**
 * A node as a snapshot stores it on disk and a SNAP carries it: a record's fields, data as bytes, or nil
 * for null data (msgpack cannot carry NULL_DATA's identity; NULL_DATA is read as null too).
 */
export type SnapshotNode = Omit<ZnodeFields, 'latin1Data'> & { readonly data: WireData };

/** Shared by every empty node. */
const EMPTY_DATA = '';
const latin1Slice = Buffer.prototype.latin1Slice;

/** The bytes as a one-byte string, one char per byte: a copy, so it never aliases a frame buffer. */
export function latin1OfBytes(bytes: Uint8Array): string {
  return bytes.byteLength === 0 ? EMPTY_DATA : latin1Slice.call(bytes, 0, bytes.byteLength);
}

/** A znode's data as a record keeps it: null for null data (NULL_DATA or nil), else its latin1 string. */
export function latin1OfData(data: WireData): string | null {
  return data === null || isNullData(data) ? null : latin1OfBytes(data);
}

/** The literal equal to kind: a decoded snapshot would otherwise hold a string of its own per node. */
function sharedKind(kind: NodeKind): NodeKind {
  switch (kind) {
    case 'persistent': return 'persistent';
    case 'ephemeral': return 'ephemeral';
    case 'container': return 'container';
    case 'ttl': return 'ttl';
    default: return assertNever(kind, 'node kind', TreeInvariantError);
  }
}

/**
 * The internal state of one znode. A million of them must be cheap: the data is kept as a one-byte
 * string (about 130 bytes of heap for 100 bytes of data, where a Uint8Array of its own costs about 500
 * with its backing store), and is turned back into bytes only when read. Immutable: apply() replaces a
 * node's record, so a snapshot can hold references to records while the tree keeps changing.
 * Serialized (msgpack, JSON) it is its SnapshotNode, through toJSON().
 */
export class ZnodeRecord {
  readonly path: string;
  /** The data bytes, one char per byte (latin1); '' for empty data, null for null data (ZooKeeper's null). */
  readonly latin1Data: string | null;
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

  // Positional: the records of a million-node load are made here, and reading a fields object of
  // varying shape per record cost more than the rest of the load.
  private constructor(
    path: string, latin1Data: string | null, acl: readonly ACL[], czxid: number, mzxid: number, pzxid: number, ctime: number,
    mtime: number, version: number, cversion: number, aversion: number, kind: NodeKind, ephemeralOwner: number, ttlMs: number,
  ) {
    this.path = path;
    this.latin1Data = latin1Data;
    this.acl = acl;
    this.czxid = czxid;
    this.mzxid = mzxid;
    this.pzxid = pzxid;
    this.ctime = ctime;
    this.mtime = mtime;
    this.version = version;
    this.cversion = cversion;
    this.aversion = aversion;
    this.kind = kind;
    this.ephemeralOwner = ephemeralOwner;
    this.ttlMs = ttlMs;
  }

  static of(f: ZnodeFields): ZnodeRecord {
    return new ZnodeRecord(
      f.path, f.latin1Data, f.acl, f.czxid, f.mzxid, f.pzxid, f.ctime, f.mtime, f.version, f.cversion, f.aversion, f.kind,
      f.ephemeralOwner, f.ttlMs,
    );
  }

  /** A record from its stored shape (the data bytes are copied). */
  static fromSnapshotNode(n: SnapshotNode, acl: readonly ACL[] = n.acl): ZnodeRecord {
    return new ZnodeRecord(
      n.path, latin1OfData(n.data), acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion,
      sharedKind(n.kind), n.ephemeralOwner, n.ttlMs,
    );
  }

  /** 0 for null data, as ZooKeeper's Stat reports it. */
  get dataLength(): number {
    return this.latin1Data === null ? 0 : this.latin1Data.length;
  }

  /** A fresh copy of the data bytes; NULL_DATA itself for null data. */
  dataBytes(): Uint8Array {
    if (this.latin1Data === null) return NULL_DATA;
    if (this.latin1Data.length === 0) return new Uint8Array(0);
    // Buffer.from takes small values from Node's pool; callers get a plain Uint8Array view of it.
    const b = Buffer.from(this.latin1Data, 'latin1');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  /** This record with some fields changed (path and kind never change). */
  with(c: Partial<Omit<ZnodeFields, 'path' | 'kind'>>): ZnodeRecord {
    // Not `??` for the data: null is a value to set (null data), only undefined means unchanged.
    return new ZnodeRecord(
      this.path, c.latin1Data === undefined ? this.latin1Data : c.latin1Data, c.acl ?? this.acl, c.czxid ?? this.czxid, c.mzxid ?? this.mzxid,
      c.pzxid ?? this.pzxid, c.ctime ?? this.ctime, c.mtime ?? this.mtime, c.version ?? this.version, c.cversion ?? this.cversion,
      c.aversion ?? this.aversion, this.kind, c.ephemeralOwner ?? this.ephemeralOwner, c.ttlMs ?? this.ttlMs,
    );
  }

  toSnapshotNode(): SnapshotNode {
    return {
      path: this.path, data: this.latin1Data === null ? null : this.dataBytes(), acl: this.acl, czxid: this.czxid, mzxid: this.mzxid, pzxid: this.pzxid,
      ctime: this.ctime, mtime: this.mtime, version: this.version, cversion: this.cversion, aversion: this.aversion,
      kind: this.kind, ephemeralOwner: this.ephemeralOwner, ttlMs: this.ttlMs,
    };
  }

  /** What msgpack and JSON write for it: its SnapshotNode. */
  toJSON(): SnapshotNode {
    return this.toSnapshotNode();
  }
}

/** A live session, as the replicated session table holds it. */
export interface SessionRecord {
  readonly sessionId: number;
  readonly timeoutMs: number;
  readonly passwd: Uint8Array;
}

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
    dataLength: r.dataLength,
    numChildren,
  };
}

/** A node created at zxid 0 when the tree starts (/, /zookeeper and the nodes below it). */
export function initialRecord(path: string, acl: readonly ACL[]): ZnodeRecord {
  return ZnodeRecord.of({
    path,
    latin1Data: EMPTY_DATA,
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
  });
}

/**
 * What storage applies to each snapshot node as it reads it back (StorageOptions.reviveSnapshotNode):
 * the node becomes its record at once, with its ACL list shared, so that recovery never holds a million
 * decoded nodes beside the records made of them. The snapshot's checksums have verified by then.
 */
export function snapshotNodeReviver(): (node: unknown) => ZnodeRecord {
  const acls = new AclInterner();
  return (node) => {
    const n = node as SnapshotNode;
    return ZnodeRecord.fromSnapshotNode(n, acls.intern(n.acl));
  };
}
