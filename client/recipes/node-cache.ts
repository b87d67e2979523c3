// NodeCache (Curator's NodeCache): one znode's data and Stat, or its absence, kept current by watches.
// Events: 'added' when it is created (or found at start), 'updated' when its data changes, 'removed'
// when it is deleted. Correct across reconnects; 'error' with SESSIONEXPIRED when the session ends.
import type { Client } from '../client.js';
import { CacheBase } from './cache-core.js';
import type { CachedNode } from './cache-core.js';

/**
 * A local copy of one node (Curator's NodeCache): `added` when it is created (or found at start), `updated`
 * when its data changes, `removed` when it is deleted; `error` with SESSIONEXPIRED when the session ends.
 */
export class NodeCache extends CacheBase {
  /**
   * A cache of the node at `path` (which need not exist). Nothing is sent before start.
   */
  constructor(client: Client, path: string) {
    super(client, path, { maxDepth: 0, reportRoot: true });
  }

  /**
   * The node as last seen.
   * @returns it, or undefined while it does not exist (or before the first read).
   */
  current(): CachedNode | undefined {
    return this.sync.get(this.path);
  }
}
