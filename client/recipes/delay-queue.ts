// Distributed delay queue (Curator's DistributedDelayQueue): an item is not taken before its delivery
// time; due items come out in delivery-time order (FIFO among equal times). The time is part of the
// node's name (15 zero-padded digits of ms since the epoch). Producers' and consumers' clocks are
// compared directly: skew between machines shifts delivery by the same amount.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { ITEM_PREFIX, QueueCore } from './queue-core.js';
import type { WaitOptions } from './recipe-wait.js';

const TIME_DIGITS = 15;
const TIME_MAX_MS = 10 ** TIME_DIGITS - 1;

export function delayName(deliverAtMs: number): string {
  if (!Number.isInteger(deliverAtMs) || deliverAtMs < 0 || deliverAtMs > TIME_MAX_MS) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: 'deliverAtMs must be a non-negative integer (ms since the epoch)' });
  }
  return `${ITEM_PREFIX}${String(deliverAtMs).padStart(TIME_DIGITS, '0')}-`;
}

/** The delivery time an item's (unprotected) name carries; 0 for a name without one. */
export function deliveryTimeOf(name: string): number {
  const m = /^q-(\d{15})-\d{10}$/.exec(name);
  return m === null ? 0 : Number(m[1]);
}

/**
 * A distributed delay queue (Curator's DistributedDelayQueue): an item is not taken before its delivery time;
 * due items come out in delivery-time order. Producers' and consumers' clocks are compared directly.
 */
export class DelayQueue {
  private readonly core: QueueCore;

  /**
   * A queue at `path` (created as needed). Nothing is sent yet.
   */
  constructor(client: Client, readonly path: string) {
    this.core = new QueueCore(client, path, { dueAtMs: deliveryTimeOf });
  }

  /**
   * Adds an item to be delivered no earlier than `deliverAtMs` (ms since the epoch, e.g. Date.now() + 5000).
   * @throws {KeeperError} BADARGUMENTS for a deliverAtMs that is not a non-negative integer.
   * @returns the item's node path, once it is durably queued (a put whose answer was lost is found again,
   * never queued twice).
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  put(item: Data, deliverAtMs: number): Promise<string> {
    return this.core.put(delayName(deliverAtMs), item);
  }

  /**
   * Removes and returns the earliest due item, waiting until one is due.
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
   * Items waiting, due or not.
   * @returns the count (claimed items excluded).
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  size(): Promise<number> {
    return this.core.size();
  }
}
