// One connection's answers, in the order its requests arrived (ZooKeeper's FIFO client order).
// A read runs only when it reaches the head, so it sees every earlier write of its own session.
import type { Response } from '../../protocol/index.js';

export interface QueuedItem {
  /** Set once the answer is known; a read sets it when it reaches the head. */
  response: Response | undefined;
  /** For reads: computes the answer at the head of the queue. */
  runAtHead: (() => Response) | undefined;
  /** Runs after the response is sent (closeSession closes the socket). */
  afterSend: (() => void) | undefined;
}

export class ResponseQueue {
  private readonly items: QueuedItem[] = [];
  private head = 0;

  constructor(private readonly send: (response: Response) => void) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** A request whose answer comes later (writes, sync, ordered errors): call complete() on the item. */
  pushPending(afterSend?: () => void): QueuedItem {
    const item: QueuedItem = { response: undefined, runAtHead: undefined, afterSend };
    this.items.push(item);
    return item;
  }

  pushRead(run: () => Response): void {
    this.items.push({ response: undefined, runAtHead: run, afterSend: undefined });
    this.flush();
  }

  pushReady(response: Response): void {
    this.items.push({ response, runAtHead: undefined, afterSend: undefined });
    this.flush();
  }

  complete(item: QueuedItem, response: Response): void {
    item.response = response;
    this.flush();
  }

  /** Sends every answer at the head that is ready, running reads as they reach it. */
  flush(): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      if (item.response === undefined && item.runAtHead !== undefined) item.response = item.runAtHead();
      if (item.response === undefined) break;
      this.items[this.head] = undefined as unknown as QueuedItem;
      this.head += 1;
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
  }
}
