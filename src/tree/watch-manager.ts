// The server-side watch registry. Watches are local to the server holding the session's connection:
// they fire as this server applies txns, from the NodeChanges that DataTree.apply() reports.
// A session gets at most one event per (type, path) per txn, however many of its watches match.
import {
  EventType,
  KeeperState,
  WatcherType,
  parentPath,
  type ACL,
  type SetWatchesRequest,
  type WatchedEvent,
} from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { NodeChange } from './apply-ops.js';
import type { DataTree } from './data-tree.js';
import { TreeInvariantError } from './errors.js';
import { WatchTable } from './watch-table.js';

export interface WatchLimits {
  watchesPerSessionMax: number;
}

/** A session asked for more watches than watchesPerSessionMax. */
export class WatchLimitError extends Error {
  constructor(readonly sessionId: number, readonly limit: number) {
    super(`session 0x${sessionId.toString(16)} has reached its limit of ${limit} watches`);
    this.name = 'WatchLimitError';
  }
}

export interface WatchSummary {
  sessions: number;
  paths: number;
  watches: number;
}

/** Session id → paths (by session), or path → session ids (by path). */
export interface WatchDump {
  groups: ReadonlyMap<number | string, ReadonlySet<number | string>>;
  /** The dump stopped at its bound. */
  truncated: boolean;
}

/** One event of a txn and every session it goes to: a fan-out shares one event object (and so one encoding). */
export interface WatchEventGroup {
  event: WatchedEvent;
  /** The ACL of the node the event is about; undefined when no ACL applies (events fired by setWatches for nodes gone). */
  acl?: readonly ACL[];
  sessionIds: number[];
}

/**
 * Collects events for one txn, dropping repeats of (session, type, path). A (type, path) seen again later in
 * the txn opens a new group, so that each session still gets its events in the order of their first cause.
 */
class EventBatch {
  readonly groups: WatchEventGroup[] = [];
  /** Sessions already given each (type, path) in this txn. */
  private readonly seen = new Map<string, Set<number>>();

  constructor(private readonly zxid: number) {}

  add(sessionIds: Iterable<number> | undefined, type: EventType, path: string, acl?: readonly ACL[]): void {
    if (sessionIds === undefined) return;
    // Nothing is built for a change no one watches: this runs for every change of every applied txn.
    let seen: Set<number> | undefined;
    const last = this.groups[this.groups.length - 1];
    let group = last !== undefined && last.event.type === type && last.event.path === path && last.acl === acl ? last : undefined;
    for (const sessionId of sessionIds) {
      seen ??= this.seenFor(`${type}\u0000${path}`);
      if (seen.has(sessionId)) continue;
      seen.add(sessionId);
      if (group === undefined) {
        group = { event: { type, state: KeeperState.SyncConnected, path, zxid: this.zxid }, sessionIds: [] };
        if (acl !== undefined) group.acl = acl;
        this.groups.push(group);
      }
      group.sessionIds.push(sessionId);
    }
  }

  private seenFor(key: string): Set<number> {
    let seen = this.seen.get(key);
    if (seen === undefined) {
      seen = new Set<number>();
      this.seen.set(key, seen);
    }
    return seen;
  }
}

export class WatchManager {
  /** getData and exists watches: they fire on the same events, so one table holds both (as in ZooKeeper). */
  private readonly data = new WatchTable();
  private readonly child = new WatchTable();
  private readonly persistent = new WatchTable();
  private readonly recursive = new WatchTable();

  constructor(private readonly limits: WatchLimits) {}

  /** getData, and exists on an existing node. */
  addDataWatch(sessionId: number, path: string): void {
    this.addTo(this.data, sessionId, path);
  }

  /** exists on a missing node: fires NodeCreated. */
  addExistWatch(sessionId: number, path: string): void {
    this.addTo(this.data, sessionId, path);
  }

  addChildWatch(sessionId: number, path: string): void {
    this.addTo(this.child, sessionId, path);
  }

  addPersistentWatch(sessionId: number, path: string, recursive: boolean): void {
    this.addTo(recursive ? this.recursive : this.persistent, sessionId, path);
  }

  /** False if no watch matched (the server answers NOWATCHER). */
  removeWatches(sessionId: number, path: string, watcherType: WatcherType): boolean {
    switch (watcherType) {
      case WatcherType.Children:
        return this.child.remove(sessionId, path);
      case WatcherType.Data:
        return this.data.remove(sessionId, path);
      case WatcherType.Persistent:
        return this.persistent.remove(sessionId, path);
      case WatcherType.PersistentRecursive:
        return this.recursive.remove(sessionId, path);
      case WatcherType.Any: {
        let removed = false;
        for (const table of this.tables()) removed = table.remove(sessionId, path) || removed;
        return removed;
      }
      default:
        return assertNever(watcherType, 'watcher type', TreeInvariantError);
    }
  }

  /**
   * Whether the session holds a watch of the type on the path (ZooKeeper's checkWatches): a persistent or
   * recursive watch there counts for Data and Children too, as ZooKeeper registers those in both tables.
   */
  holdsWatch(sessionId: number, path: string, watcherType: WatcherType): boolean {
    const persistentThere = (): boolean => this.persistent.has(sessionId, path) || this.recursive.has(sessionId, path);
    switch (watcherType) {
      case WatcherType.Children:
        return this.child.has(sessionId, path) || persistentThere();
      case WatcherType.Data:
        return this.data.has(sessionId, path) || persistentThere();
      case WatcherType.Persistent:
        return this.persistent.has(sessionId, path);
      case WatcherType.PersistentRecursive:
        return this.recursive.has(sessionId, path);
      case WatcherType.Any:
        return this.tables().some((table) => table.has(sessionId, path));
      default:
        return assertNever(watcherType, 'watcher type', TreeInvariantError);
    }
  }

  /** Sessions holding a watch, paths watched, and watches, over every kind of watch (ZooKeeper's wchs). */
  summary(): WatchSummary {
    const sessions = new Set<number>();
    const paths = new Set<string>();
    let watches = 0;
    for (const table of this.tables()) {
      for (const [sessionId] of table.sessionEntries()) sessions.add(sessionId);
      for (const [path] of table.pathEntries()) paths.add(path);
      watches += table.size;
    }
    return { sessions: sessions.size, paths: paths.size, watches };
  }

  /**
   * Watched paths by session, or watching sessions by path (wchc, wchp), over every kind of watch, with at
   * most `entriesMax` (session, path) pairs: the lists are for people, and may be huge.
   */
  dump(by: 'session' | 'path', entriesMax: number): WatchDump {
    const groups = new Map<number | string, Set<number | string>>();
    let entries = 0;
    for (const table of this.tables()) {
      const rows: Iterable<[number | string, ReadonlySet<number | string>]> = by === 'session' ? table.sessionEntries() : table.pathEntries();
      for (const [key, members] of rows) {
        let group = groups.get(key);
        for (const member of members) {
          if (group?.has(member) === true) continue;
          if (entries >= entriesMax) return { groups, truncated: true };
          if (group === undefined) {
            group = new Set();
            groups.set(key, group);
          }
          group.add(member);
          entries++;
        }
      }
    }
    return { groups, truncated: false };
  }

  removeSession(sessionId: number): void {
    for (const table of this.tables()) table.removeSession(sessionId);
  }

  /** Events for one applied txn, in order. One-shot watches are consumed; persistent ones stay. */
  trigger(changes: readonly NodeChange[], zxid: number): WatchEventGroup[] {
    const batch = new EventBatch(zxid);
    for (const { type, path, acl } of changes) {
      switch (type) {
        case EventType.NodeCreated:
        case EventType.NodeDataChanged:
          batch.add(this.data.takeAll(path), type, path, acl);
          batch.add(this.persistent.sessionsAt(path), type, path, acl);
          this.addRecursive(batch, type, path, acl);
          break;
        case EventType.NodeDeleted:
          batch.add(this.data.takeAll(path), type, path, acl);
          batch.add(this.child.takeAll(path), type, path, acl);
          batch.add(this.persistent.sessionsAt(path), type, path, acl);
          this.addRecursive(batch, type, path, acl);
          break;
        case EventType.NodeChildrenChanged:
          batch.add(this.child.takeAll(path), type, path, acl);
          batch.add(this.persistent.sessionsAt(path), type, path, acl);
          break;
        default:
          return assertNever(type, 'node change', TreeInvariantError);
      }
    }
    return batch.groups;
  }

  /**
   * Re-registration after a reconnect (setWatches2). Fires now what changed after relativeZxid, or
   * could not be seen by a watch set then; registers the rest. All or nothing under the watch limit.
   */
  setWatches(sessionId: number, req: SetWatchesRequest, tree: DataTree): WatchedEvent[] {
    const batch = new EventBatch(tree.lastZxid);
    const toRegister: Array<[WatchTable, string]> = [];
    for (const path of req.dataWatches) {
      const stat = tree.statOf(path);
      if (stat === undefined) batch.add([sessionId], EventType.NodeDeleted, path);
      else if (stat.mzxid > req.relativeZxid) batch.add([sessionId], EventType.NodeDataChanged, path);
      else toRegister.push([this.data, path]);
    }
    for (const path of req.existWatches) {
      if (tree.statOf(path) !== undefined) batch.add([sessionId], EventType.NodeCreated, path);
      else toRegister.push([this.data, path]);
    }
    for (const path of req.childWatches) {
      const stat = tree.statOf(path);
      if (stat === undefined) batch.add([sessionId], EventType.NodeDeleted, path);
      else if (stat.pzxid > req.relativeZxid) batch.add([sessionId], EventType.NodeChildrenChanged, path);
      else toRegister.push([this.child, path]);
    }
    for (const path of req.persistentWatches) toRegister.push([this.persistent, path]);
    for (const path of req.persistentRecursiveWatches) toRegister.push([this.recursive, path]);
    this.registerAll(sessionId, toRegister);
    return batch.groups.map((g) => g.event);
  }

  /** Watches held by one session, or by everyone. */
  watchCount(sessionId?: number): number {
    let n = 0;
    for (const table of this.tables()) n += sessionId === undefined ? table.size : table.countFor(sessionId);
    return n;
  }

  private tables(): WatchTable[] {
    return [this.data, this.child, this.persistent, this.recursive];
  }

  private addTo(table: WatchTable, sessionId: number, path: string): void {
    if (table.has(sessionId, path)) return;
    if (this.watchCount(sessionId) >= this.limits.watchesPerSessionMax) {
      throw new WatchLimitError(sessionId, this.limits.watchesPerSessionMax);
    }
    table.add(sessionId, path);
  }

  private registerAll(sessionId: number, entries: ReadonlyArray<[WatchTable, string]>): void {
    const fresh = new Map<WatchTable, Set<string>>();
    let added = 0;
    for (const [table, path] of entries) {
      let paths = fresh.get(table);
      if (paths === undefined) {
        paths = new Set<string>();
        fresh.set(table, paths);
      }
      if (table.has(sessionId, path) || paths.has(path)) continue;
      paths.add(path);
      added++;
    }
    if (this.watchCount(sessionId) + added > this.limits.watchesPerSessionMax) {
      throw new WatchLimitError(sessionId, this.limits.watchesPerSessionMax);
    }
    for (const [table, paths] of fresh) for (const path of paths) table.add(sessionId, path);
  }

  /** Recursive watches on the path or any ancestor; the walk is skipped while there are none. */
  private addRecursive(batch: EventBatch, type: EventType, path: string, acl: readonly ACL[]): void {
    if (this.recursive.isEmpty) return;
    let p = path;
    for (;;) {
      batch.add(this.recursive.sessionsAt(p), type, path, acl);
      if (p === '/') return;
      p = parentPath(p);
    }
  }
}
