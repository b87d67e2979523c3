// Removing a recipe's own node on the way out (release, leave, close): retried across connection loss,
// done when the node is gone whoever removed it. A session that has ended took its ephemerals with it,
// so SESSIONEXPIRED counts as done for ephemerals and is passed on otherwise.
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './internal/connected.js';

export async function removeNode(client: Client, path: string, opts: { ephemeral: boolean } = { ephemeral: true }): Promise<void> {
  for (;;) {
    try {
      await client.delete(path);
      return;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return;
      if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED) && opts.ephemeral) return;
      if (!isConnectionLoss(e)) throw e;
    }
    try {
      await whenConnected(client);
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED) && opts.ephemeral) return;
      throw e;
    }
  }
}

/** Where an error that ends a recipe's background work goes when no listener takes it. */
export function reportUnheard(error: unknown): void {
  globalThis.console?.error('canopy recipe: a listener threw', error);
}
