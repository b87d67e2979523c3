// One client's WebSocket: frame decoding and validation at the edge, the handshake state, the ordered
// response queue and every per-connection bound. What a request means is the server's business.
// Bounds: requests waiting (maxOutstanding, and their bytes up to maxOutputBytes) and the global budget of
// writes in flight stop the server reading from the socket; answers are computed only while fewer than
// half of maxOutputBytes wait to be sent, and a connection whose unsent bytes pass maxOutputBytes anyway
// (watch events pile up for a client that does not read) is closed as a slow consumer.
import type { WebSocket } from 'ws';
import { CloseCode, decodeConnectRequest, decodeRequest, encode, ErrorCode, Xid } from '../../protocol/index.js';
import type { CodecLimits, ConnectRequest, NotificationFrame, Request, Response, WatchedEvent } from '../../protocol/index.js';
import { ConnectionAuth } from '../replica/auth.js';
import type { Logger } from './logger.js';
import type { BudgetToken, RequestBudget } from '../replica/request-budget.js';
import { ResponseQueue } from '../replica/response-queue.js';
import type { QueuedItem } from '../replica/response-queue.js';

export interface ConnectionHandler {
  onConnect(conn: ClientConnection, req: ConnectRequest): void;
  onRequest(conn: ClientConnection, req: Request): void;
  onClose(conn: ClientConnection): void;
}

export interface ConnectionLimits extends CodecLimits {
  maxOutstanding: number;
  /** Unsent answer bytes before the connection is closed; also the bound on its unanswered request bytes. */
  maxOutputBytes: number;
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
const CLOSE_REASON_BYTES_MAX = 123;

/** The longest prefix of reason that fits in bytesMax of UTF-8, found in one pass (no re-encoding loop). */
export function closeReason(reason: string, bytesMax = CLOSE_REASON_BYTES_MAX): string {
  const encoded = Buffer.from(reason.length > bytesMax ? reason.slice(0, bytesMax) : reason, 'utf8');
  if (encoded.byteLength <= bytesMax) return encoded.toString('utf8');
  let end = bytesMax;
  // Back up to the start of a UTF-8 sequence so that no character is cut in half.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString('utf8');
}

/** How long a slow consumer gets to read its close frame before its socket is cut. */
const SLOW_CONSUMER_GRACE_MS = 1000;

let nextConnectionId = 1;

interface Pending {
  item: QueuedItem;
  token: BudgetToken | undefined;
}

export class ClientConnection {
  readonly id = nextConnectionId++;
  /** 0 until the handshake binds a session. */
  sessionId = 0;
  sessionTimeoutMs = 0;
  private state: 'handshake' | 'connecting' | 'open' | 'closed' = 'handshake';
  private readingPaused = false;
  private waitingForBudget = false;
  readonly queue: ResponseQueue;
  /** The connection's auth ids: they belong to the connection, not the session (the client re-sends them after a reconnect). */
  readonly auth: ConnectionAuth;
  /** Bytes handed to the socket and not yet written out to the kernel. */
  private unsentBytes = 0;
  /** Bytes of the frame being handled, charged to what it queues. */
  private arrivingBytes = 0;
  private readonly budgetHasRoom = (): void => {
    this.waitingForBudget = false;
    this.updateReading();
  };

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    private readonly handler: ConnectionHandler,
    private readonly limits: ConnectionLimits,
    private readonly budget: RequestBudget,
    private readonly handshakeReceived: () => void,
    private readonly log: Logger,
  ) {
    this.queue = new ResponseQueue((r) => this.sendFrame(r), () => this.unsentBytes >= this.limits.maxOutputBytes / 2);
    this.auth = new ConnectionAuth(remoteAddress);
    ws.on('message', (data, isBinary) => this.socketOnMessage(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    ws.on('close', () => this.socketOnClose());
    ws.on('error', (e) => this.log.debug('client socket error', { conn: this.id, error: e.message }));
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Handshake received, answer not yet sent (a new session may still be in flight). */
  get isConnecting(): boolean {
    return this.state === 'connecting';
  }

  private socketOnMessage(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    try {
      this.handleMessage(data, isBinary);
    } catch (e) {
      // A bug, not the client's fault alone: this connection goes, everyone else is served on.
      this.log.error('internal error handling a client frame; closing that connection', {
        conn: this.id, session: this.sessionId, error: e instanceof Error ? (e.stack ?? e.message) : typeof e,
      });
      this.close(CloseCode.INTERNAL_ERROR, 'internal server error');
    }
  }

  private handleMessage(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (!isBinary) return this.close(CloseCode.PROTOCOL_ERROR, 'text frames are not accepted: send one msgpack message per binary frame');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (this.state === 'handshake') return this.handshakeFrame(bytes);
    if (this.state === 'connecting') return this.close(CloseCode.PROTOCOL_ERROR, 'request sent before the connect response');
    const decoded = decodeRequest(bytes, this.limits);
    this.arrivingBytes = bytes.byteLength;
    if (!decoded.ok) {
      if (decoded.fatal || decoded.xid === undefined) return this.close(CloseCode.PROTOCOL_ERROR, decoded.message);
      this.log.debug('rejected request', { conn: this.id, session: this.sessionId, xid: decoded.xid, err: decoded.err, reason: decoded.message });
      // Ordered behind the session's earlier requests like any other answer.
      this.queue.pushReady(this.arrivingBytes, { xid: decoded.xid, zxid: -1, err: decoded.err });
    } else {
      this.handler.onRequest(this, decoded.value);
    }
    this.updateReading();
  }

  private handshakeFrame(bytes: Uint8Array): void {
    const decoded = decodeConnectRequest(bytes);
    if (!decoded.ok) return this.close(CloseCode.PROTOCOL_ERROR, decoded.message);
    this.handshakeReceived();
    this.state = 'connecting';
    this.handler.onConnect(this, decoded.value);
  }

  /** The handshake succeeded: requests may flow. */
  opened(sessionId: number, timeoutMs: number): void {
    if (this.state !== 'connecting') return;
    this.sessionId = sessionId;
    this.sessionTimeoutMs = timeoutMs;
    this.state = 'open';
  }

  // ---- what the server queues for the request being handled ----

  /** An answer known now, sent in FIFO order. */
  answer(response: Response): void {
    this.queue.pushReady(this.arrivingBytes, response);
  }

  /** A read computed when it reaches the head of the queue. */
  read(run: () => Response): void {
    this.queue.pushRead(this.arrivingBytes, run);
  }

  /**
   * A write or sync: its answer comes later through settle(). It counts against the global budget of work in
   * flight until then, even if this connection closes meanwhile, since the work goes on.
   */
  pending(afterSend?: () => void): Pending {
    const token = this.budget.take(this.arrivingBytes);
    return { item: this.queue.pushPending(this.arrivingBytes, afterSend), token };
  }

  settle(pending: Pending, response: Response): void {
    if (pending.token !== undefined) this.budget.give(pending.token);
    pending.token = undefined;
    this.queue.complete(pending.item, response);
  }

  // ---- reading and writing the socket ----

  private updateReading(): void {
    if (this.state === 'closed') return;
    const overBudget = this.budget.exhausted;
    const shouldPause = this.queue.length >= this.limits.maxOutstanding || this.queue.requestBytes >= this.limits.maxOutputBytes || overBudget;
    if (overBudget && !this.waitingForBudget) {
      this.waitingForBudget = true;
      this.budget.waitForRoom(this.budgetHasRoom);
    }
    if (shouldPause && !this.readingPaused) {
      this.readingPaused = true;
      this.ws.pause();
    } else if (!shouldPause && this.readingPaused) {
      this.readingPaused = false;
      this.ws.resume();
    }
  }

  private sendFrame(frame: Response | NotificationFrame | object): void {
    if (this.state === 'closed') return;
    if (this.ws.readyState !== this.ws.OPEN) return this.socketOnClose();
    // Reads that could outgrow maxFrameBytes are refused before they are built (read-ops.ts). A write's answer
    // may pass it a little (a multi's results carry a Stat per op) and must still be sent: the write happened.
    const bytes = encode(frame);
    if (this.unsentBytes + bytes.byteLength > this.limits.maxOutputBytes) {
      this.close(CloseCode.SLOW_CONSUMER, `client is not reading its answers (over ${this.limits.maxOutputBytes} bytes unsent)`);
      // It will not read the close frame either: what it left unread is freed now, not after ws's 30 s.
      setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
      return;
    }
    const size = bytes.byteLength;
    this.unsentBytes += size;
    this.ws.send(bytes, (err) => this.frameWritten(size, err));
  }

  private frameWritten(size: number, err: Error | undefined): void {
    this.unsentBytes -= size;
    // A failed write means the socket is gone: answering the rest of the queue into it would only burn CPU.
    if (err !== undefined && err !== null) return this.socketOnClose();
    if (this.state === 'closed') return;
    this.queue.flush();
    this.updateReading();
  }

  /** Sends a frame outside the ordered queue (the connect response). */
  sendDirect(frame: object): void {
    this.sendFrame(frame);
  }

  sendEvent(event: WatchedEvent): void {
    const frame: NotificationFrame = { xid: Xid.NOTIFICATION, zxid: event.zxid, err: ErrorCode.OK, type: event.type, state: event.state, path: event.path };
    this.sendFrame(frame);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.log.debug('closing client connection', { conn: this.id, session: this.sessionId, code, reason });
    this.ws.close(code, closeReason(reason));
    this.socketOnClose();
  }

  private socketOnClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue.clear();
    this.budget.forget(this.budgetHasRoom);
    this.handler.onClose(this);
  }
}
