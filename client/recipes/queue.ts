// Distributed FIFO queue (ZooKeeper's queue recipe, Curator's DistributedQueue): many producers, many
// consumers, each item handed to exactly one take(). See queue-core.ts for how, and for the one window
// (a consumer dying between claiming an item and receiving it) in which an item is not delivered.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { ITEM_PREFIX, QueueCore } from './queue-core.js';
import type { WaitOptions } from './recipe-wait.js';

export class DistributedQueue {
  private readonly core: QueueCore;

  constructor(client: Client, readonly path: string) {
    this.core = new QueueCore(client, path, { reuseListing: true });
  }

  /** Adds an item at the tail; resolves with its node's path once it is durably queued. */
  put(item: Data): Promise<string> {
    return this.core.put(ITEM_PREFIX, item);
  }

  /** Removes and returns the head, waiting for one; rejects on timeout (OPERATIONTIMEOUT), abort or session end. */
  take(opts: WaitOptions = {}): Promise<Uint8Array> {
    return this.core.take(opts);
  }

  /** Items waiting. */
  size(): Promise<number> {
    return this.core.size();
  }
}
