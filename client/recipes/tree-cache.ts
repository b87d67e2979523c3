// TreeCache (Curator's TreeCache): a subtree — the root and its descendants down to maxDepth levels below
// it — with data and Stat, kept current by one-shot watches. 'added' / 'updated' / 'removed' for any node
// of the subtree (the root included; a removed node's descendants are reported removed first).
import type { Client } from '../client.js';
import { CacheBase } from './cache-core.js';
import type { CachedNode } from './cache-core.js';

/**
 * Bounds of a TreeCache.
 */
export interface TreeCacheOptions {
  /** Levels below the root that are cached (default: all). 0 caches the root alone. */
  maxDepth?: number;
  /** Most nodes held (default CACHE_NODES_MAX). */
  nodesMax?: number;
}

/**
 * A local copy of a whole subtree (Curator's TreeCache), down to maxDepth levels: `added`, `updated` and
 * `removed` per node.
 */
export class TreeCache extends CacheBase {
  /**
   * A cache of the subtree at `path` (which need not exist). Nothing is sent before start.
   */
  constructor(client: Client, path: string, opts: TreeCacheOptions = {}) {
    super(client, path, { maxDepth: opts.maxDepth ?? Number.POSITIVE_INFINITY, reportRoot: true, nodesMax: opts.nodesMax });
  }

  /**
   * Every cached node.
   * @returns them, the root first, by path.
   */
  current(): CachedNode[] {
    return this.sync.nodes();
  }

  /**
   * One cached node by full path.
   * @returns it, or undefined when it is not in the view.
   */
  get(path: string): CachedNode | undefined {
    return this.sync.get(path);
  }

  /**
   * The names of a cached node's children.
   * @returns them, sorted; empty when the node is unknown or at maxDepth.
   */
  childNames(path: string): string[] {
    return this.sync.childNames(path);
  }
}
