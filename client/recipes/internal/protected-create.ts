// Connection-loss-safe creation of sequential nodes (Curator's "protected" mode). A create whose answer is
// lost may or may not have happened; retrying blindly would leak a node (an ephemeral that holds a lock
// forever, for its session's lifetime) or take a second place in line. So the name carries a unique prefix
// `_c_<guid>-`, and after a loss the recipe looks for a child with that prefix before creating again.
import type { Client } from '../../client.js';
import type { Data } from '../../bytes.js';
import { KeeperError } from '../../errors.js';
import { CreateMode, ErrorCode } from '../../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './connected.js';
import { ensurePath } from './ensure-path.js';
import { joinPath } from './sequence.js';

export const PROTECTED_PREFIX = '_c_';

/** A fresh guid (Web Crypto: in browsers and in Node). */
export function newGuid(): string {
  return globalThis.crypto.randomUUID();
}

export function protectedPrefix(guid: string): string {
  return `${PROTECTED_PREFIX}${guid}-`;
}

/** The name without its protection prefix (`_c_<guid>-lock-0000000003` → `lock-0000000003`). */
export function unprotectedName(name: string): string {
  if (!name.startsWith(PROTECTED_PREFIX)) return name;
  const dash = name.indexOf('-', PROTECTED_PREFIX.length + 36);
  return dash < 0 ? name : name.slice(dash + 1);
}

export interface ProtectedCreateOptions {
  mode: typeof CreateMode.EPHEMERAL_SEQUENTIAL | typeof CreateMode.PERSISTENT_SEQUENTIAL | typeof CreateMode.EPHEMERAL;
  /** The guid to use (a recipe that retries a whole acquisition keeps its guid). Default: a fresh one. */
  guid?: string;
  signal?: AbortSignal;
  /** Create missing parents (persistent). Default true. */
  createParents?: boolean;
}

/**
 * Creates `parent/_c_<guid>-<name>` (plus the server's sequence suffix for sequential modes) and returns its
 * full path. Exactly one such node exists afterwards, whatever connection losses happened on the way.
 * SESSIONEXPIRED and other errors propagate.
 */
export async function createProtected(client: Client, parent: string, name: string, data: Data, opts: ProtectedCreateOptions): Promise<string> {
  const guid = opts.guid ?? newGuid();
  const prefix = protectedPrefix(guid);
  for (;;) {
    try {
      return await client.create(joinPath(parent, `${prefix}${name}`), data, { mode: opts.mode });
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE) && opts.createParents !== false) {
        await ensurePath(client, parent);
        continue;
      }
      if (!isConnectionLoss(e)) throw e;
    }
    const found = await findProtected(client, parent, guid, opts.signal);
    if (found !== undefined) return found;
  }
}

/** After a lost answer: the node this guid created, if the create happened. */
export async function findProtected(client: Client, parent: string, guid: string, signal?: AbortSignal): Promise<string | undefined> {
  const prefix = protectedPrefix(guid);
  for (;;) {
    await whenConnected(client, signal);
    try {
      // The lost create may be committed but not yet applied on the server we reconnected to: sync first.
      await client.sync(parent);
      const { children } = await client.getChildren(parent);
      const mine = children.find((c) => c.startsWith(prefix));
      return mine === undefined ? undefined : joinPath(parent, mine);
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
      if (!isConnectionLoss(e)) throw e;
    }
  }
}
