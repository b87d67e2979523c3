// One connection's answers, in the order its requests arrived (ZooKeeper's FIFO client order).
// A read runs only when it reaches the head, so it sees every earlier write of its own session; and it runs
// only while the connection's output is not congested, so a client that does not read its answers makes
// the server hold its small requests, never their large answers. Except when a write or sync of the same
// session waits behind it: that write goes to the leader on arrival and may be applied any moment, and the
// read must not see it (FIFO client order), so then the read runs as soon as everything before it is
// answered, congested or not. Watch events then queue after the answers already computed (a watch such a
// read set must not fire before its answer) and ahead of the answers computed later (which may show the
// change the event is about).
import { Xid } from '../../protocol/index.js';
import type { NotificationFrame, Response } from '../../protocol/index.js';

export interface QueuedItem {
  /** Set once the answer is known; a read sets it when it reaches the head. A queued watch event is its own item. */
  response: Response | NotificationFrame | undefined;
  /** For reads: computes the answer at the head of the queue. */
  runAtHead: (() => Response) | undefined;
  /** Runs after the response is sent (closeSession closes the socket). */
  afterSend: (() => void) | undefined;
  /** Bytes of the request frame, held until its answer leaves. */
  readonly requestBytes: number;
}

/**
 * Watch events one connection may have queued behind computed answers (only while its output is congested).
 * They bypass the driver's bound on unsent bytes until they leave, so they have a bound of their own: past
 * it the connection is a slow consumer (ClientHandle closes it).
 */
export const QUEUED_EVENTS_MAX = 10_000;

export class ResponseQueue {
  private readonly items: QueuedItem[] = [];
  private head = 0;
  private heldBytes = 0;
  /** Writes and syncs queued whose answer is not known yet. */
  private pendingCount = 0;
  /** Watch events waiting behind computed answers (not requests: they do not count in length). */
  private queuedEvents = 0;

  /**
   * send: hands one answer to the socket. blocked: whether the socket's output is congested; flush()
   * stops there and the owner calls it again once the output drained.
   */
  constructor(
    private readonly send: (frame: Response | NotificationFrame) => void,
    private readonly blocked: () => boolean,
  ) {}

  get length(): number {
    return this.items.length - this.head - this.queuedEvents;
  }

  get queuedEventCount(): number {
    return this.queuedEvents;
  }

  /** Request bytes of every request not yet answered. */
  get requestBytes(): number {
    return this.heldBytes;
  }

  /** A request whose answer comes later (writes, sync, ordered errors): call complete() on the item. */
  pushPending(requestBytes: number, afterSend?: () => void): QueuedItem {
    const item = this.push({ response: undefined, runAtHead: undefined, afterSend, requestBytes });
    this.pendingCount += 1;
    // Before this write leaves for the write path: the reads ahead of it that can run must run now.
    if (this.blocked()) this.runReadsAhead();
    return item;
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

  /**
   * A watch event: false when it can go out now (no computed answer waits, the usual case); otherwise it is
   * queued right after the answers computed so far, and leaves in order with them.
   */
  pushEvent(frame: NotificationFrame): boolean {
    let at = this.head;
    while (at < this.items.length && this.items[at]!.response !== undefined) at += 1;
    if (at === this.head) return false;
    this.items.splice(at, 0, { response: frame, runAtHead: undefined, afterSend: undefined, requestBytes: 0 });
    this.queuedEvents += 1;
    return true;
  }

  complete(item: QueuedItem, response: Response): void {
    if (item.response === undefined && item.runAtHead === undefined) this.pendingCount -= 1;
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
      if (item.response.xid === Xid.NOTIFICATION) this.queuedEvents -= 1;
      this.send(item.response);
      item.afterSend?.();
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.blocked()) this.runReadsAhead();
  }

  /** Congested, with a write or sync queued: runs every read whose earlier requests are all answered. */
  private runReadsAhead(): void {
    if (this.pendingCount === 0) return;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (item.response !== undefined) continue;
      if (item.runAtHead === undefined) return;
      item.response = item.runAtHead();
    }
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
    this.heldBytes = 0;
    this.pendingCount = 0;
    this.queuedEvents = 0;
  }
}
