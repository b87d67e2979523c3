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

/**
 * A distributed priority queue (Curator's DistributedPriorityQueue): like DistributedQueue, but an item with a
 * lower priority number is taken first; equal priorities are FIFO.
 */
export class PriorityQueue {
  private readonly core: QueueCore;

  /**
   * A queue at `path` (created as needed). Nothing is sent yet.
   */
  constructor(client: Client, readonly path: string) {
    this.core = new QueueCore(client, path);
  }

  /**
   * Adds an item; lower numbers are taken first.
   * @throws {KeeperError} BADARGUMENTS for a priority that is not an integer in [PRIORITY_MIN, PRIORITY_MAX].
   * @returns the item's node path, once it is durably queued (a put whose answer was lost is found again,
   * never queued twice).
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  put(item: Data, priority: number): Promise<string> {
    return this.core.put(priorityName(priority), item);
  }

  /**
   * Removes and returns the item with the lowest priority number (the oldest among equals), waiting for one.
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
