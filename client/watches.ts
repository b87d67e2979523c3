// The client's watch registry, with ZooKeeper's client-side dispatch rules:
//   NodeCreated, NodeDataChanged → data and exist watchers of the path;
//   NodeChildrenChanged          → child watchers of the path;
//   NodeDeleted                  → data, exist and child watchers of the path;
// each one-shot watcher is removed as it fires. Persistent watchers of the path and persistent
// recursive watchers of the path or an ancestor (no child events for those) fire and stay.
// A callback registered twice for one path and kind is stored once; one event calls a callback once.
import { EventType, WatcherType } from '../protocol/index.js';
import type { SetWatchesRequest, WatchedEvent } from '../protocol/index.js';

/**
 * A watch callback. It is called synchronously as the client reads the event, in the order the server sent
 * events; a watcher that throws is reported through the client's `listenerError` event.
 */
export type Watcher = (event: WatchedEvent) => void;
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

/** Most (path, kind) entries the registry holds: beyond it, new watches are refused. */
export const MAX_WATCHED_PATHS = 1_000_000;
/** Most callbacks for one path and kind. */
export const MAX_WATCHERS_PER_PATH = 10_000;

const ONE_SHOT: Record<number, readonly WatchKind[]> = {
  [EventType.NodeCreated]: ['data', 'exist'],
  [EventType.NodeDataChanged]: ['data', 'exist'],
  [EventType.NodeChildrenChanged]: ['child'],
  [EventType.NodeDeleted]: ['data', 'exist', 'child'],
};

/** The kinds a removeWatches type covers, and the event each removed watcher receives. */
const REMOVAL: Record<number, ReadonlyArray<readonly [WatchKind, EventType]>> = {
  [WatcherType.Children]: [['child', EventType.ChildWatchRemoved]],
  [WatcherType.Data]: [['data', EventType.DataWatchRemoved], ['exist', EventType.DataWatchRemoved]],
  [WatcherType.Persistent]: [['persistent', EventType.PersistentWatchRemoved]],
  [WatcherType.PersistentRecursive]: [['persistentRecursive', EventType.PersistentWatchRemoved]],
  [WatcherType.Any]: [
    ['child', EventType.ChildWatchRemoved],
    ['data', EventType.DataWatchRemoved],
    ['exist', EventType.DataWatchRemoved],
    ['persistent', EventType.PersistentWatchRemoved],
    ['persistentRecursive', EventType.PersistentWatchRemoved],
  ],
};

export interface RemovedWatcher {
  watcher: Watcher;
  type: EventType;
}

export type WatchSnapshot = Omit<SetWatchesRequest, 'relativeZxid'>;

export class WatchRegistry {
  private readonly tables: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };
  private entries = 0;

  /** Number of (path, kind) entries held. */
  get size(): number {
    return this.entries;
  }

  /** Whether add(kind, path, watcher) would fit under the limits; checked before a request is sent. */
  hasRoom(kind: WatchKind, path: string): boolean {
    const set = this.tables[kind].get(path);
    if (set === undefined) return this.entries < MAX_WATCHED_PATHS;
    return set.size < MAX_WATCHERS_PER_PATH;
  }

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const table = this.tables[kind];
    let set = table.get(path);
    if (set === undefined) {
      if (this.entries >= MAX_WATCHED_PATHS) return;
      set = new Set();
      table.set(path, set);
      this.entries++;
    }
    if (set.size < MAX_WATCHERS_PER_PATH) set.add(watcher);
  }

  /** The watchers an event reaches, each once; one-shot ones are removed. */
  triggered(event: WatchedEvent): Watcher[] {
    const out = new Set<Watcher>();
    const kinds = ONE_SHOT[event.type];
    if (kinds === undefined) return [];
    for (const kind of kinds) this.take(kind, event.path, out);
    this.collect('persistent', event.path, out);
    if (event.type !== EventType.NodeChildrenChanged && this.tables.persistentRecursive.size > 0) {
      for (let p: string | undefined = event.path; p !== undefined; p = parentOf(p)) this.collect('persistentRecursive', p, out);
    }
    return [...out];
  }

  /** True when a watcher (or any, for null) of the removal type is registered on the path. */
  has(path: string, watcher: Watcher | null, type: WatcherType): boolean {
    return (REMOVAL[type] ?? []).some(([kind]) => {
      const set = this.tables[kind].get(path);
      return set !== undefined && (watcher === null ? set.size > 0 : set.has(watcher));
    });
  }

  /** True when removing `watcher` (or all, for null) would leave no watcher of the type on the path. */
  wouldEmpty(path: string, watcher: Watcher | null, type: WatcherType): boolean {
    if (watcher === null) return true;
    return (REMOVAL[type] ?? []).every(([kind]) => {
      const set = this.tables[kind].get(path);
      return set === undefined || (set.size === 1 && set.has(watcher));
    });
  }

  /** Removes a watcher (or all, for null) of the type from the path; returns who was removed and the event each gets. */
  remove(path: string, watcher: Watcher | null, type: WatcherType): RemovedWatcher[] {
    const removed: RemovedWatcher[] = [];
    for (const [kind, eventType] of REMOVAL[type] ?? []) {
      const table = this.tables[kind];
      const set = table.get(path);
      if (set === undefined) continue;
      if (watcher === null) {
        for (const w of set) removed.push({ watcher: w, type: eventType });
        set.clear();
      } else if (set.delete(watcher)) {
        removed.push({ watcher, type: eventType });
      }
      if (set.size === 0) {
        table.delete(path);
        this.entries--;
      }
    }
    return removed;
  }

  /** Every watched path by kind, for setWatches2 after a reconnect. */
  snapshot(): WatchSnapshot {
    const { data, exist, child, persistent, persistentRecursive } = this.tables;
    return {
      dataWatches: [...data.keys()],
      existWatches: [...exist.keys()],
      childWatches: [...child.keys()],
      persistentWatches: [...persistent.keys()],
      persistentRecursiveWatches: [...persistentRecursive.keys()],
    };
  }

  /** Removes everything (the session is gone) and returns each distinct watcher once. */
  drain(): Watcher[] {
    const out = new Set<Watcher>();
    for (const table of Object.values(this.tables)) {
      for (const set of table.values()) for (const w of set) out.add(w);
      table.clear();
    }
    this.entries = 0;
    return [...out];
  }

  private take(kind: WatchKind, path: string, out: Set<Watcher>): void {
    const table = this.tables[kind];
    const set = table.get(path);
    if (set === undefined) return;
    table.delete(path);
    this.entries--;
    for (const w of set) out.add(w);
  }

  private collect(kind: WatchKind, path: string, out: Set<Watcher>): void {
    const set = this.tables[kind].get(path);
    if (set !== undefined) for (const w of set) out.add(w);
  }
}

function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
