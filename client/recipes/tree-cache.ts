// TreeCache (Curator's TreeCache): a subtree — the root and its descendants down to maxDepth levels below
// it — with data and Stat, kept current by one-shot watches. 'added' / 'updated' / 'removed' for any node
// of the subtree (the root included; a removed node's descendants are reported removed first).
import type { Client } from '../client.js';
import { CacheBase } from './cache-core.js';
import type { CachedNode } from './cache-core.js';

export interface TreeCacheOptions {
  /** Levels below the root that are cached (default: all). 0 caches the root alone. */
  maxDepth?: number;
  /** Most nodes held (default CACHE_NODES_MAX). */
  nodesMax?: number;
}

export class TreeCache extends CacheBase {
  constructor(client: Client, path: string, opts: TreeCacheOptions = {}) {
    super(client, path, { maxDepth: opts.maxDepth ?? Number.POSITIVE_INFINITY, reportRoot: true, nodesMax: opts.nodesMax });
  }

  /** Every cached node (the root first), by path. */
  current(): CachedNode[] {
    return this.sync.nodes();
  }

  get(path: string): CachedNode | undefined {
    return this.sync.get(path);
  }

  /** Names of a cached node's children, sorted. */
  childNames(path: string): string[] {
    return this.sync.childNames(path);
  }
}
