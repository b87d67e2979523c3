// ChildrenCache (Curator's PathChildrenCache): the children of one znode, each with its data and Stat.
// Events are about children only ('added', 'updated' on data change, 'removed'); the parent may be missing,
// and appear later. Correct across reconnects; 'error' with SESSIONEXPIRED when the session ends.
import type { Client } from '../client.js';
import { CacheBase } from './cache-core.js';
import type { CachedNode } from './cache-core.js';
import { joinPath } from './internal/sequence.js';

/**
 * Bounds of a ChildrenCache.
 */
export interface ChildrenCacheOptions {
  /** Most children held (default CACHE_NODES_MAX). */
  nodesMax?: number;
}

/**
 * A local copy of a node's children with their data (Curator's PathChildrenCache): `added`, `updated`
 * and `removed` per child.
 */
export class ChildrenCache extends CacheBase {
  /**
   * A cache of the children of `path` (which need not exist). Nothing is sent before start.
   */
  constructor(client: Client, path: string, opts: ChildrenCacheOptions = {}) {
    super(client, path, { maxDepth: 1, reportRoot: false, nodesMax: opts.nodesMax === undefined ? undefined : opts.nodesMax + 1 });
  }

  /**
   * The children as last seen.
   * @returns them, sorted by name.
   */
  current(): CachedNode[] {
    return this.sync.nodes();
  }

  /**
   * One child by name.
   * @returns it, or undefined when it is not in the view.
   */
  get(name: string): CachedNode | undefined {
    return this.sync.get(joinPath(this.path, name));
  }

  /**
   * The children's names.
   * @returns them, sorted.
   */
  names(): string[] {
    return this.sync.childNames(this.path);
  }
}
