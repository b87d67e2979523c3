// Barrier (Curator's DistributedBarrier): the barrier is up while its node exists. setBarrier creates it,
// removeBarrier deletes it, and waitOnBarrier resolves once it is gone. The node is persistent: a barrier
// outlives the session that set it, so a crashed coordinator leaves it up until someone removes it.
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';
import { waitForDeletion } from './internal/wait-delete.js';
import { deadlineFrom, timeoutError } from './recipe-wait.js';
import type { WaitOptions } from './recipe-wait.js';
import { removeNode } from './remove-node.js';

/**
 * A barrier (Curator's DistributedBarrier): up while its node exists. The node is persistent, so a barrier
 * outlives the session that set it.
 */
export class Barrier {
  /**
   * A barrier at `path`. Nothing is sent yet.
   */
  constructor(private readonly client: Client, readonly path: string) {}

  /**
   * Raises the barrier (creating missing parents); raising one that is up is not an error.
   * @returns once the barrier's node exists.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async setBarrier(): Promise<void> {
    for (;;) {
      try {
        await this.client.create(this.path, '');
        return;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NODEEXISTS)) return;
        if (KeeperError.is(e, ErrorCode.NONODE)) {
          await ensurePath(this.client, parentOf(this.path));
          continue;
        }
        if (!isConnectionLoss(e)) throw e;
      }
      await whenConnected(this.client);
    }
  }

  /**
   * Lowers the barrier, releasing every waiter; lowering one that is down is not an error.
   * @returns once the barrier's node is gone.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  removeBarrier(): Promise<void> {
    return removeNode(this.client, this.path, { ephemeral: false });
  }

  /**
   * Waits for the barrier to be lowered.
   * @returns once the barrier's node does not exist (at once if it never did).
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   */
  async waitOnBarrier(opts: WaitOptions = {}): Promise<void> {
    const deadlineMs = deadlineFrom(opts.timeoutMs);
    try {
      await waitForDeletion(this.client, this.path, { signal: opts.signal, deadlineMs });
    } catch (e) {
      // Reworded, so that the caller learns which barrier it was.
      if (KeeperError.is(e, ErrorCode.OPERATIONTIMEOUT)) throw timeoutError(`barrier ${this.path}`);
      throw e;
    }
  }
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
