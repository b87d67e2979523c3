// The mutable indexes around the immutable records: nodes by path, children by parent, ephemerals by
// session, and the container/TTL nodes the cleanup scan looks at. Only the records go into a snapshot;
// every index here is rebuilt from their paths on load.
// Invariant: every node except '/' has its parent in `nodes`, and its name in the parent's children set.
import { parentPath, baseName, type NodeKind } from '../../protocol/index.js';
import { AclInterner } from './acl-intern.js';
import { ChildList } from './child-list.js';
import { invariant } from './errors.js';
import { ZnodeRecord, type SnapshotNode } from './znode.js';

const NO_CHILDREN: Iterable<string> = [];
const NO_EPHEMERALS: ReadonlySet<string> = new Set<string>();

function isExpirable(kind: NodeKind): boolean {
  return kind === 'container' || kind === 'ttl';
}

export class NodeStore {
  private readonly nodes = new Map<string, ZnodeRecord>();
  /** Only parents that have children right now hold a list, to keep a million leaves cheap. */
  private readonly children = new Map<string, ChildList>();
  private readonly ephemerals = new Map<number, Set<string>>();
  private readonly expirable = new Set<string>();
  /** Bytes of every path and data (ZooKeeper's approximate data size). */
  private pathAndDataBytes = 0;
  readonly acls = new AclInterner();

  get(path: string): ZnodeRecord | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The length of every path plus every node's data, as ZooKeeper's approximate data size counts it. */
  get approximateDataSize(): number {
    return this.pathAndDataBytes;
  }

  /** Ephemeral nodes, over every session. */
  get ephemeralCount(): number {
    let count = 0;
    for (const owned of this.ephemerals.values()) count += owned.size;
    return count;
  }

  records(): IterableIterator<ZnodeRecord> {
    return this.nodes.values();
  }

  /** In the order they were linked. */
  childNames(path: string): Iterable<string> {
    return this.children.get(path) ?? NO_CHILDREN;
  }

  childCount(path: string): number {
    return this.children.get(path)?.size ?? 0;
  }

  ephemeralsOf(sessionId: number): ReadonlySet<string> {
    return this.ephemerals.get(sessionId) ?? NO_EPHEMERALS;
  }

  expirablePaths(): IterableIterator<string> {
    return this.expirable.values();
  }

  /** Adds a new node and links it under its parent (the caller replaces the parent's record). */
  insert(record: ZnodeRecord): void {
    invariant(!this.nodes.has(record.path), `insert of existing node ${record.path}`);
    invariant(record.path === '/' || this.nodes.has(parentPath(record.path)), `insert of ${record.path} without parent`);
    this.nodes.set(record.path, record);
    if (record.path !== '/') this.link(record.path);
    this.index(record);
  }

  /** Replaces the record of an existing node; path and kind never change. */
  replace(record: ZnodeRecord): void {
    const old = this.nodes.get(record.path);
    invariant(old !== undefined && old.kind === record.kind, `replace of missing node ${record.path}`);
    this.nodes.set(record.path, record);
    this.pathAndDataBytes += record.dataLength - old.dataLength;
  }

  /** Removes a childless node and unlinks it from its parent (the caller replaces the parent's record). */
  remove(path: string): void {
    const record = this.nodes.get(path);
    invariant(record !== undefined && path !== '/', `remove of missing node ${path}`);
    invariant(this.childCount(path) === 0, `remove of node with children ${path}`);
    this.nodes.delete(path);
    this.pathAndDataBytes -= path.length + record.dataLength;
    const parent = parentPath(path);
    const siblings = this.children.get(parent);
    invariant(siblings !== undefined, `remove of ${path}, which is not linked under ${parent}`);
    siblings.remove(baseName(path));
    if (siblings.size === 0) this.children.delete(parent);
    if (record.kind === 'ephemeral') {
      const owned = this.ephemerals.get(record.ephemeralOwner);
      owned?.delete(path);
      if (owned !== undefined && owned.size === 0) this.ephemerals.delete(record.ephemeralOwner);
    }
    if (isExpirable(record.kind)) this.expirable.delete(path);
  }

  /**
   * Loads nodes in any order (a snapshot) and links every node under its parent. Records are taken as
   * they are when their ACL is already the shared one (another tree's snapshot); anything else is copied.
   * A snapshot lists parents before children and siblings together (the store's insertion order), so
   * most nodes link at once under the parent linked last; the rest wait until every node is in.
   */
  load(nodes: Iterable<ZnodeRecord | SnapshotNode>): void {
    invariant(this.nodes.size === 0, 'load into a non-empty store');
    const waiting: string[] = [];
    let lastParent: string | undefined;
    let lastSiblings: ChildList | undefined;
    for (const n of nodes) {
      const shared = this.acls.intern(n.acl);
      const record = n instanceof ZnodeRecord ? (shared === n.acl ? n : n.with({ acl: shared })) : ZnodeRecord.fromSnapshotNode(n, shared);
      const path = record.path;
      const before = this.nodes.size;
      this.nodes.set(path, record);
      invariant(this.nodes.size > before, `duplicate node ${path} in snapshot`);
      this.index(record);
      if (path === '/') continue;
      const parent = parentPath(path);
      if (parent === lastParent) {
        lastSiblings!.add(baseName(path));
      } else if (this.nodes.has(parent)) {
        lastParent = parent;
        lastSiblings = this.link(path);
      } else {
        waiting.push(path);
      }
    }
    invariant(this.nodes.has('/'), 'snapshot has no root node');
    for (const path of waiting) {
      invariant(this.nodes.has(parentPath(path)), `snapshot node ${path} has no parent`);
      this.link(path);
    }
  }

  /** Adds path's name to its parent's children and returns that list. */
  private link(path: string): ChildList {
    const parent = parentPath(path);
    let list = this.children.get(parent);
    if (list === undefined) {
      list = new ChildList();
      this.children.set(parent, list);
    }
    list.add(baseName(path));
    return list;
  }

  private index(record: ZnodeRecord): void {
    this.pathAndDataBytes += record.path.length + record.dataLength;
    if (record.kind === 'ephemeral') {
      let owned = this.ephemerals.get(record.ephemeralOwner);
      if (owned === undefined) {
        owned = new Set<string>();
        this.ephemerals.set(record.ephemeralOwner, owned);
      }
      owned.add(record.path);
    }
    if (isExpirable(record.kind)) this.expirable.add(record.path);
  }
}
