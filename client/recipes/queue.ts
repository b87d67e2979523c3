// Distributed FIFO queue (ZooKeeper's queue recipe, Curator's DistributedQueue): many producers, many
// consumers, each item handed to exactly one take(). See queue-core.ts for how, and for the one window
// (a consumer dying between claiming an item and receiving it) in which an item is not delivered.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { ITEM_PREFIX, QueueCore } from './queue-core.js';
import type { WaitOptions } from './recipe-wait.js';

/**
 * A distributed FIFO queue (ZooKeeper's queue recipe, Curator's DistributedQueue): many producers and
 * consumers; each item goes to exactly one take(). Items are persistent nodes under `path`.
 */
export class DistributedQueue {
  private readonly core: QueueCore;

  /**
   * A queue at `path` (created as needed). Nothing is sent yet.
   */
  constructor(client: Client, readonly path: string) {
    this.core = new QueueCore(client, path, { reuseListing: true });
  }

  /**
   * Adds an item at the tail.
   * @returns the item's node path, once it is durably queued (a put whose answer was lost is found again,
   * never queued twice).
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  put(item: Data): Promise<string> {
    return this.core.put(ITEM_PREFIX, item);
  }

  /**
   * Removes and returns the head, waiting for one.
   * @returns the item's data; the item is gone from the queue and no other take gets it.
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  take(opts: WaitOptions = {}): Promise<Uint8Array> {
    return this.core.take(opts);
  }

  /**
   * Items waiting.
   * @returns the count (claimed items excluded).
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  size(): Promise<number> {
    return this.core.size();
  }
}
