// The engine behind NodeCache, ChildrenCache and TreeCache: a local, watch-driven view of a subtree
// (the root and its descendants down to maxDepth).
//
// Invariant: the view only ever changes when a read's answer is applied, and answers are applied in the
// order their requests were sent. A session's requests are served in order (FIFO), so each applied answer
// is at least as new as every earlier one: a child missing from a fresh listing has really been deleted,
// a child present there but not in the view has really been added. Watch events never change the view
// themselves; they only send the reads that will. After a reconnect the SDK re-registers our watches,
// and we also re-read the whole subtree and diff it with the view, so no change is lost or invented.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { ErrorCode, EventType, WatcherType } from '../../protocol/index.js';
import type { Stat, WatchedEvent } from '../../protocol/index.js';
import { isConnectionLoss } from './internal/connected.js';
import { joinPath } from './internal/sequence.js';
import { isFinalState } from '../connection.js';

/** One cached znode. */
export interface CachedNode {
  readonly path: string;
  readonly data: Uint8Array;
  readonly stat: Stat;
}

/**
 * The events of NodeCache, ChildrenCache and TreeCache.
 */
export interface CacheEvents {
  added: [node: CachedNode];
  updated: [node: CachedNode, previous: CachedNode];
  removed: [node: CachedNode];
  /** The first full read is in the view (events for it came before). */
  initialized: [];
  /** SESSIONEXPIRED when the client's session ended (the cache is then closed), a limit, or a read error. */
  error: [error: unknown];
}

/** Default bound on the nodes one cache holds. */
export const CACHE_NODES_MAX = 100_000;

/**
 * A cache hit its nodesMax: nodes beyond it are left out of the view (reported once with `error`).
 */
export class CacheLimitError extends Error {
  constructor(readonly path: string, readonly nodesMax: number) {
    super(`cache of ${path} holds ${nodesMax} nodes, its limit; further nodes are not cached`);
    this.name = 'CacheLimitError';
  }
}

export interface TreeSyncOptions {
  /** Depth below the root whose children are listed: 0 = the root only. */
  maxDepth: number;
  /** Whether events about the root itself are reported. */
  reportRoot: boolean;
  nodesMax?: number;
}

interface Entry {
  node: CachedNode;
  depth: number;
  /** Names of children in the view (only for depth < maxDepth). */
  children: Set<string>;
}

type ReadResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class TreeSync {
  private readonly view = new Map<string, Entry>();
  private readonly events = new Emitter<CacheEvents>((e) => globalThis.console?.error('canopy cache: a listener threw', e));
  /** The answer-application chain: answers are applied strictly in send order. */
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /** A read was lost with the connection: the view is not known complete until the resync after reconnect. */
  private dirty = false;
  private started = false;
  private closed = false;
  private initialized = false;
  private limitReported = false;
  private readonly settledWaiters: Array<() => void> = [];
  private readonly nodesMax: number;
  private readonly watcher = (event: WatchedEvent): void => this.watcherOnEvent(event);
  private readonly stateListener = (state: ClientState): void => this.clientOnState(state);

  constructor(private readonly client: Client, readonly root: string, private readonly opts: TreeSyncOptions) {
    this.nodesMax = opts.nodesMax ?? CACHE_NODES_MAX;
  }

  on<K extends keyof CacheEvents>(event: K, listener: Listener<CacheEvents[K]>): void {
    this.events.on(event, listener);
  }
  off<K extends keyof CacheEvents>(event: K, listener: Listener<CacheEvents[K]>): void {
    this.events.off(event, listener);
  }

  /** Loads the subtree; resolves once the first full read is applied ('initialized'). */
  start(): Promise<void> {
    if (this.started) throw new Error('cache already started');
    this.started = true;
    const ready = new Promise<void>((resolve, reject) => {
      const onInit = (): void => done(resolve);
      const onError = (e: unknown): void => {
        if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) done(() => reject(e));
      };
      const done = (settle: () => void): void => {
        this.events.off('initialized', onInit);
        this.events.off('error', onError);
        settle();
      };
      this.events.on('initialized', onInit);
      this.events.on('error', onError);
    });
    this.client.on('state', this.stateListener);
    if (isFinalState(this.client.state)) {
      this.clientOnState(this.client.state);
      return ready;
    }
    // Sent now even when disconnected (the SDK queues it); the resync on 'connected' covers any loss.
    if (this.client.state === 'disconnected') this.dirty = true;
    this.readNode(this.root, 0, true);
    return ready;
  }

  /** Stops listening; the view stays readable as it was. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.off('state', this.stateListener);
    for (const path of [this.root, ...this.view.keys()]) {
      // Local removal only: the server's copies fire once more at most and reach no callback.
      this.client.removeWatches(path, this.watcher, WatcherType.Any, true).catch(() => undefined);
    }
    this.releaseSettled();
  }

  get isInitialized(): boolean {
    return this.initialized;
  }

  get(path: string): CachedNode | undefined {
    return this.view.get(path)?.node;
  }

  /** Cached nodes, by path order; the root only when reported. */
  nodes(): CachedNode[] {
    const out: CachedNode[] = [];
    for (const [path, entry] of this.view) if (this.opts.reportRoot || path !== this.root) out.push(entry.node);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Names of the cached children of a path (empty when unknown or below maxDepth). */
  childNames(path: string): string[] {
    return [...(this.view.get(path)?.children ?? [])].sort();
  }

  /** Resolves once no read is outstanding and nothing was lost with a connection (or the cache closed). */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  // ---- reads: sent now, applied in send order ----

  private read<T>(send: () => Promise<T>, apply: (result: ReadResult<T>) => void): void {
    if (this.closed) return;
    this.pending++;
    const answer = send().then((value): ReadResult<T> => ({ ok: true, value }), (error: unknown): ReadResult<T> => ({ ok: false, error }));
    this.tail = this.tail.then(async () => {
      const result = await answer;
      try {
        if (!this.closed) apply(result);
      } finally {
        this.pending--;
        this.checkSettled();
      }
    });
  }

  private readNode(path: string, depth: number, deep: boolean): void {
    this.read(() => this.client.getData(path, { watch: this.watcher }), (r) => {
      if (r.ok) this.applyData(path, depth, deep, r.value);
      else if (KeeperError.is(r.error, ErrorCode.NONODE)) this.applyGone(path);
      else this.readFailed(r.error);
    });
  }

  private watchRootCreation(): void {
    this.read(() => this.client.exists(this.root, { watch: this.watcher }), (r) => {
      if (!r.ok) return this.readFailed(r.error);
      // Created between our getData and this exists: read it (the exists watch is a data watch now).
      if (r.value !== null) this.readNode(this.root, 0, true);
    });
  }

  private listChildren(path: string, depth: number, deep: boolean): void {
    this.read(() => this.client.getChildren(path, { watch: this.watcher }), (r) => {
      if (r.ok) this.applyChildren(path, depth, deep, r.value.children);
      // NONODE: the node's own data watch or the parent's listing reports the deletion.
      else if (!KeeperError.is(r.error, ErrorCode.NONODE)) this.readFailed(r.error);
    });
  }

  // ---- applying answers ----

  private applyData(path: string, depth: number, deep: boolean, read: { data: Uint8Array; stat: Stat }): void {
    const node: CachedNode = { path, data: read.data, stat: read.stat };
    const entry = this.view.get(path);
    if (entry !== undefined && entry.node.stat.czxid !== read.stat.czxid) {
      // Deleted and created again while we were not looking: both happened.
      this.removeSubtree(path);
      return this.applyData(path, depth, deep, read);
    }
    if (entry === undefined) {
      if (!this.withinLimit()) return;
      if (path !== this.root && !this.parentListed(path)) return;
      this.view.set(path, { node, depth, children: new Set() });
      this.view.get(parentOf(path))?.children.add(baseOf(path));
      this.emitFor('added', path, node);
      if (depth < this.opts.maxDepth) this.listChildren(path, depth, deep);
      return;
    }
    const previous = entry.node;
    entry.node = node;
    if (previous.stat.mzxid !== read.stat.mzxid) this.emitFor('updated', path, node, previous);
    if (deep && depth < this.opts.maxDepth) this.listChildren(path, depth, deep);
  }

  private applyGone(path: string): void {
    this.removeSubtree(path);
    if (path === this.root) this.watchRootCreation();
  }

  private applyChildren(path: string, depth: number, deep: boolean, names: readonly string[]): void {
    const entry = this.view.get(path);
    if (entry === undefined) return;
    const listed = new Set(names);
    for (const name of [...entry.children]) if (!listed.has(name)) this.removeSubtree(joinPath(path, name));
    for (const name of names) {
      const child = joinPath(path, name);
      if (!this.view.has(child) || deep) this.readNode(child, depth + 1, deep);
    }
  }

  /** A child is only added under a parent still in the view (its listing is what we add from). */
  private parentListed(path: string): boolean {
    return this.view.has(parentOf(path));
  }

  private removeSubtree(path: string): void {
    const entry = this.view.get(path);
    if (entry === undefined) return;
    for (const name of [...entry.children]) this.removeSubtree(joinPath(path, name));
    this.view.delete(path);
    this.view.get(parentOf(path))?.children.delete(baseOf(path));
    this.emitFor('removed', path, entry.node);
  }

  private withinLimit(): boolean {
    if (this.view.size < this.nodesMax) return true;
    if (!this.limitReported) {
      this.limitReported = true;
      this.events.emit('error', new CacheLimitError(this.root, this.nodesMax));
    }
    return false;
  }

  private emitFor(kind: 'added' | 'removed', path: string, node: CachedNode): void;
  private emitFor(kind: 'updated', path: string, node: CachedNode, previous: CachedNode): void;
  private emitFor(kind: 'added' | 'updated' | 'removed', path: string, node: CachedNode, previous?: CachedNode): void {
    if (!this.opts.reportRoot && path === this.root) return;
    if (kind === 'updated') this.events.emit('updated', node, previous!);
    else this.events.emit(kind, node);
  }

  // ---- events from the client ----

  private watcherOnEvent(event: WatchedEvent): void {
    if (this.closed) return;
    const entry = this.view.get(event.path);
    const depth = entry?.depth ?? depthBelow(this.root, event.path);
    if (depth < 0) return;
    switch (event.type) {
      case EventType.NodeChildrenChanged:
        if (depth < this.opts.maxDepth) this.listChildren(event.path, depth, false);
        return;
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
      case EventType.NodeDeleted:
        this.readNode(event.path, depth, false);
        return;
      default:
        // Watch-removed and session events: the state listener handles sessions.
        return;
    }
  }

  private clientOnState(state: ClientState): void {
    if (this.closed) return;
    if (state === 'disconnected') {
      this.dirty = true;
    } else if (state === 'connected') {
      this.dirty = false;
      this.readNode(this.root, 0, true);
    } else {
      this.events.emit('error', new KeeperError(ErrorCode.SESSIONEXPIRED, this.root, { detail: `client is ${state}; the cache is closed` }));
      this.close();
    }
  }

  private readFailed(error: unknown): void {
    // A lost connection was announced as 'disconnected' (dirty) and the resync on 'connected' reads it again.
    if (isConnectionLoss(error)) return;
    // Session end is reported once, by the state listener.
    if (KeeperError.is(error, ErrorCode.SESSIONEXPIRED)) return;
    this.events.emit('error', error);
  }

  private isSettled(): boolean {
    return this.closed || (this.pending === 0 && !this.dirty);
  }

  private checkSettled(): void {
    if (!this.isSettled()) return;
    if (!this.initialized && !this.closed) {
      this.initialized = true;
      this.events.emit('initialized');
    }
    this.releaseSettled();
  }

  private releaseSettled(): void {
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Depth of `path` below `root` (0 for the root itself), or -1 when it is not inside. */
function depthBelow(root: string, path: string): number {
  if (path === root) return 0;
  const prefix = root === '/' ? '/' : `${root}/`;
  if (!path.startsWith(prefix)) return -1;
  return path.slice(prefix.length).split('/').length;
}

/**
 * What NodeCache, ChildrenCache and TreeCache share: a local, watch-driven view of a subtree that never
 * loses or invents a change across reconnects, its events, start, close and settled.
 */
export abstract class CacheBase {
  protected readonly sync: TreeSync;

  protected constructor(client: Client, path: string, opts: TreeSyncOptions) {
    this.sync = new TreeSync(client, path, opts);
  }

  /**
   * The path of the cached node (the root of the cached subtree).
   */
  get path(): string {
    return this.sync.root;
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof CacheEvents>(event: K, listener: Listener<CacheEvents[K]>): this {
    this.sync.on(event, listener);
    return this;
  }

  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof CacheEvents>(event: K, listener: Listener<CacheEvents[K]>): this {
    this.sync.off(event, listener);
    return this;
  }

  /**
   * Reads the initial state and starts following changes. Requests sent while disconnected wait for the
   * connection.
   * @returns once the first full read is in the view (after the `added` events for it, and `initialized`).
   * @throws {Error} when called a second time.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first. Other read failures are reported with
   * `error`, not thrown.
   */
  start(): Promise<void> {
    return this.sync.start();
  }

  /**
   * Stops watching; the view keeps answering as it was.
   */
  close(): void {
    this.sync.close();
  }

  /**
   * Whether the first full read is in the view.
   */
  get isInitialized(): boolean {
    return this.sync.isInitialized;
  }

  /**
   * Waits for the view to catch up.
   * @returns once every outstanding read is applied and no connection loss is awaiting its resync (or the
   * cache is closed); it does not reject.
   */
  settled(): Promise<void> {
    return this.sync.settled();
  }
}
