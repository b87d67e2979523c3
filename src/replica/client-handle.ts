// The replica's side of one client connection: the handshake state, the session it is bound to, its auth
// ids, and its answers in FIFO order (the response queue). The driver feeds it decoded frames; what a
// request means is the replica's business (ClientHandler).
// Bounds: requests waiting (maxOutstanding, and their bytes up to maxQueuedBytes) and the global budget of
// writes in flight pause reading from the connection; answers are computed only while its link is not
// congested, so a client that does not read makes the server hold its small requests, not their answers
// (unless a write of its own waits behind a read: see response-queue.ts).
import { CloseCode, ErrorCode, Xid } from '../../protocol/index.js';
import type { ConnectRequest, ConnectResponse, NotificationFrame, Request, Response, WatchedEvent } from '../../protocol/index.js';
import { ConnectionAuth } from './auth/connection-auth.js';
import type { ConnectionFacts } from './auth/provider.js';
import type { AuthRegistry } from './auth/registry.js';
import type { ClientLink, ReplicaLog } from './ports.js';
import type { BudgetToken, RequestBudget } from './request-budget.js';
import { QUEUED_EVENTS_MAX, ResponseQueue } from './response-queue.js';
import type { QueuedItem } from './response-queue.js';

export interface ClientHandler {
  onConnect(conn: ClientHandle, req: ConnectRequest): void;
  onRequest(conn: ClientHandle, req: Request): void;
  onClose(conn: ClientHandle): void;
}

export interface ClientLimits {
  maxOutstanding: number;
  /** Bytes of unanswered requests before reading pauses. */
  maxQueuedBytes: number;
}

export interface PendingAnswer {
  item: QueuedItem;
  token: BudgetToken | undefined;
}

export type ClientState = 'handshake' | 'connecting' | 'open' | 'closed';

/** The event framed last, and its frame: a fan-out hands one event object to every watcher in a row. */
let lastEvent: WatchedEvent | undefined;
let lastFrame: NotificationFrame | undefined;

/** The event's frame, built once per event; the link can then encode it once for every connection too. */
function notificationFrame(event: WatchedEvent): NotificationFrame {
  if (event !== lastEvent || lastFrame === undefined) {
    lastFrame = { xid: Xid.NOTIFICATION, zxid: event.zxid, err: ErrorCode.OK, type: event.type, state: event.state, path: event.path };
    lastEvent = event;
  }
  return lastFrame;
}

export class ClientHandle {
  /** 0 until the handshake binds a session. */
  sessionId = 0;
  sessionTimeoutMs = 0;
  private state: ClientState = 'handshake';
  private readingPaused = false;
  private waitingForBudget = false;
  private readonly queue: ResponseQueue;
  /** The connection's auth ids: they belong to the connection, not the session (the client re-sends them after a reconnect). */
  readonly auth: ConnectionAuth;
  /** An answer that ends the connection is queued: later requests are not served (ZooKeeper's disableRecv). */
  private refusing = false;
  /** Bytes of the frame being handled, charged to what it queues. */
  private arrivingBytes = 0;
  private readonly budgetHasRoom = (): void => {
    this.waitingForBudget = false;
    this.updateReading();
  };

  constructor(
    readonly id: number,
    private readonly link: ClientLink,
    readonly facts: ConnectionFacts,
    auth: AuthRegistry,
    private readonly handler: ClientHandler,
    private readonly limits: ClientLimits,
    private readonly budget: RequestBudget,
    private readonly log: ReplicaLog,
  ) {
    this.queue = new ResponseQueue((r) => this.link.send(r), () => this.link.congested);
    this.auth = new ConnectionAuth(auth, facts);
  }

  /** Handshake received, answer not yet sent (a new session may still be in flight). */
  get isConnecting(): boolean {
    return this.state === 'connecting';
  }

  /** Waiting for the client's ConnectRequest. */
  get expectsConnect(): boolean {
    return this.state === 'handshake';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get queuedAnswers(): number {
    return this.queue.length;
  }

  // ---- inputs from the driver ----

  /** The client's ConnectRequest arrived; false if it came out of turn (the driver closes the connection). */
  connect(req: ConnectRequest): boolean {
    if (this.state !== 'handshake') return false;
    this.state = 'connecting';
    this.handler.onConnect(this, req);
    return true;
  }

  /** A request frame of frameBytes arrived; false if it came before the session was bound. */
  request(req: Request, frameBytes: number): boolean {
    if (this.state === 'closed' || this.refusing) return true;
    if (this.state !== 'open') return false;
    this.arrivingBytes = frameBytes;
    this.handler.onRequest(this, req);
    this.updateReading();
    return true;
  }

  /** A request the codec refused with an error code: answered in its turn like any other. */
  rejected(xid: number, err: ErrorCode, frameBytes: number): void {
    if (this.state !== 'open') return;
    this.queue.pushReady(frameBytes, { xid, zxid: -1, err });
    this.updateReading();
  }

  /** The link is no longer congested. */
  drained(): void {
    if (this.state === 'closed') return;
    this.queue.flush();
    this.updateReading();
  }

  /** The connection is gone (closed by either side). */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue.clear();
    this.budget.forget(this.budgetHasRoom);
    this.handler.onClose(this);
  }

  // ---- what the replica does with it ----

  /** The handshake succeeded: requests may flow. */
  opened(sessionId: number, timeoutMs: number): void {
    if (this.state !== 'connecting') return;
    this.sessionId = sessionId;
    this.sessionTimeoutMs = timeoutMs;
    this.state = 'open';
  }

  /** An answer known now, sent in FIFO order. */
  answer(response: Response): void {
    this.queue.pushReady(this.arrivingBytes, response);
  }

  /** An answer sent in its turn, after which the connection closes; nothing it sends later is served. */
  answerThenClose(response: Response, code: number, reason: string): void {
    const pending = this.pending(() => this.close(code, reason));
    this.refusing = true;
    this.settle(pending, response);
  }

  /** A read computed when it reaches the head of the queue. */
  read(run: () => Response): void {
    this.queue.pushRead(this.arrivingBytes, run);
  }

  /**
   * A write or sync: its answer comes later through settle(). It counts against the global budget of work in
   * flight until then, even if this connection closes meanwhile, since the work goes on.
   */
  pending(afterSend?: () => void): PendingAnswer {
    const token = this.budget.take(this.arrivingBytes);
    return { item: this.queue.pushPending(this.arrivingBytes, afterSend), token };
  }

  settle(pending: PendingAnswer, response: Response): void {
    if (pending.token !== undefined) this.budget.give(pending.token);
    pending.token = undefined;
    if (this.state !== 'closed') this.queue.complete(pending.item, response);
  }

  /** The connect response, outside the ordered queue. */
  sendConnectResponse(response: ConnectResponse): void {
    if (this.state !== 'closed') this.link.send(response);
  }

  sendEvent(event: WatchedEvent): void {
    if (this.state === 'closed') return;
    const frame = notificationFrame(event);
    if (this.queue.queuedEventCount >= QUEUED_EVENTS_MAX) {
      return this.close(CloseCode.SLOW_CONSUMER, `client is not reading its events (over ${QUEUED_EVENTS_MAX} queued)`);
    }
    if (!this.queue.pushEvent(frame)) this.link.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.log.debug('closing client connection', { conn: this.id, session: this.sessionId, code, reason });
    this.link.close(code, reason);
    this.closed();
  }

  private updateReading(): void {
    if (this.state === 'closed') return;
    const overBudget = this.budget.exhausted;
    const shouldPause = this.queue.length >= this.limits.maxOutstanding || this.queue.requestBytes >= this.limits.maxQueuedBytes || overBudget;
    if (overBudget && !this.waitingForBudget) {
      this.waitingForBudget = true;
      this.budget.waitForRoom(this.budgetHasRoom);
    }
    if (shouldPause !== this.readingPaused) {
      this.readingPaused = shouldPause;
      this.link.setReadingPaused(shouldPause);
    }
  }
}
