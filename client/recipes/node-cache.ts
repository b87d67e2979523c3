// NodeCache (Curator's NodeCache): one znode's data and Stat, or its absence, kept current by watches.
// Events: 'added' when it is created (or found at start), 'updated' when its data changes, 'removed'
// when it is deleted. Correct across reconnects; 'error' with SESSIONEXPIRED when the session ends.
import type { Client } from '../client.js';
import { CacheBase } from './cache-core.js';
import type { CachedNode } from './cache-core.js';

export class NodeCache extends CacheBase {
  constructor(client: Client, path: string) {
    super(client, path, { maxDepth: 0, reportRoot: true });
  }

  /** The node as last seen, or undefined while it does not exist. */
  current(): CachedNode | undefined {
    return this.sync.get(this.path);
  }
}
