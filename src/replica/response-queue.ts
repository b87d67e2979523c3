// One connection's answers, in the order its requests arrived (ZooKeeper's FIFO client order).
// A read runs only when it reaches the head, so it sees every earlier write of its own session; and it runs
// only while the connection's output is not congested, so a client that does not read its answers makes
// the server hold its small requests, never their large answers.
import type { Response } from '../../protocol/index.js';

export interface QueuedItem {
  /** Set once the answer is known; a read sets it when it reaches the head. */
  response: Response | undefined;
  /** For reads: computes the answer at the head of the queue. */
  runAtHead: (() => Response) | undefined;
  /** Runs after the response is sent (closeSession closes the socket). */
  afterSend: (() => void) | undefined;
  /** Bytes of the request frame, held until its answer leaves. */
  readonly requestBytes: number;
}

export class ResponseQueue {
  private readonly items: QueuedItem[] = [];
  private head = 0;
  private heldBytes = 0;

  /**
   * send: hands one answer to the socket. blocked: whether the socket's output is congested; flush()
   * stops there and the owner calls it again once the output drained.
   */
  constructor(
    private readonly send: (response: Response) => void,
    private readonly blocked: () => boolean,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Request bytes of every request not yet answered. */
  get requestBytes(): number {
    return this.heldBytes;
  }

  /** A request whose answer comes later (writes, sync, ordered errors): call complete() on the item. */
  pushPending(requestBytes: number, afterSend?: () => void): QueuedItem {
    return this.push({ response: undefined, runAtHead: undefined, afterSend, requestBytes });
  }

  pushRead(requestBytes: number, run: () => Response): void {
    this.push({ response: undefined, runAtHead: run, afterSend: undefined, requestBytes });
    this.flush();
  }

  pushReady(requestBytes: number, response: Response): void {
    this.push({ response, runAtHead: undefined, afterSend: undefined, requestBytes });
    this.flush();
  }

  private push(item: QueuedItem): QueuedItem {
    this.items.push(item);
    this.heldBytes += item.requestBytes;
    return item;
  }

  complete(item: QueuedItem, response: Response): void {
    item.response = response;
    this.flush();
  }

  /** Sends every answer at the head that is ready, running reads as they reach it, until the output congests. */
  flush(): void {
    while (this.head < this.items.length && !this.blocked()) {
      const item = this.items[this.head]!;
      if (item.response === undefined && item.runAtHead !== undefined) item.response = item.runAtHead();
      if (item.response === undefined) break;
      this.items[this.head] = undefined as unknown as QueuedItem;
      this.head += 1;
      this.heldBytes -= item.requestBytes;
      this.send(item.response);
      item.afterSend?.();
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
    this.heldBytes = 0;
  }
}
