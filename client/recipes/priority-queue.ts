// Distributed priority queue (Curator's DistributedPriorityQueue): like the FIFO queue, but an item with
// a lower priority number is taken first; equal priorities are FIFO. The priority is part of the node's
// name, offset to be non-negative and zero-padded, so that the names sort in delivery order.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { ITEM_PREFIX, QueueCore } from './queue-core.js';
import type { WaitOptions } from './recipe-wait.js';

export const PRIORITY_MIN = -(2 ** 31);
export const PRIORITY_MAX = 2 ** 31 - 1;

/** `q-<priority + 2^31, 10 digits>-`: the server then appends the sequence. */
export function priorityName(priority: number): string {
  if (!Number.isInteger(priority) || priority < PRIORITY_MIN || priority > PRIORITY_MAX) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `priority must be an integer in [${PRIORITY_MIN}, ${PRIORITY_MAX}]` });
  }
  return `${ITEM_PREFIX}${String(priority - PRIORITY_MIN).padStart(10, '0')}-`;
}

export class PriorityQueue {
  private readonly core: QueueCore;

  constructor(client: Client, readonly path: string) {
    this.core = new QueueCore(client, path);
  }

  /** Adds an item; lower numbers are taken first. */
  put(item: Data, priority: number): Promise<string> {
    return this.core.put(priorityName(priority), item);
  }

  /** Removes and returns the item with the lowest priority number (the oldest among equals). */
  take(opts: WaitOptions = {}): Promise<Uint8Array> {
    return this.core.take(opts);
  }

  size(): Promise<number> {
    return this.core.size();
  }
}
