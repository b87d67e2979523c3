// One client's WebSocket: frame decoding and validation at the edge, the handshake state, the ordered
// response queue and backpressure. What a request means is the server's business (client-requests.ts).
import type { WebSocket } from 'ws';
import { CloseCode, decodeConnectRequest, decodeRequest, encode, ErrorCode, Xid } from '../../protocol/index.js';
import type { CodecLimits, ConnectRequest, NotificationFrame, Request, Response, WatchedEvent } from '../../protocol/index.js';
import { ConnectionAuth } from './auth.js';
import type { Logger } from './logger.js';
import { ResponseQueue } from './response-queue.js';

export interface ConnectionHandler {
  onConnect(conn: ClientConnection, req: ConnectRequest): void;
  onRequest(conn: ClientConnection, req: Request): void;
  onClose(conn: ClientConnection): void;
}

export interface ConnectionLimits extends CodecLimits {
  handshakeTimeoutMs: number;
  maxOutstanding: number;
  /** Bytes the socket may buffer for a client that does not read before it is dropped. */
  maxBufferedBytes: number;
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
function closeReason(reason: string): string {
  let r = reason;
  while (new TextEncoder().encode(r).byteLength > 123) r = r.slice(0, -2);
  return r;
}

let nextConnectionId = 1;

export class ClientConnection {
  readonly id = nextConnectionId++;
  /** 0 until the handshake binds a session. */
  sessionId = 0;
  sessionTimeoutMs = 0;
  private state: 'handshake' | 'connecting' | 'open' | 'closed' = 'handshake';
  private paused = false;
  readonly queue: ResponseQueue;
  /** The connection's auth ids: they belong to the connection, not the session (the client re-sends them after a reconnect). */
  readonly auth: ConnectionAuth;
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
    private readonly handler: ConnectionHandler,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.queue = new ResponseQueue((r) => this.sendFrame(r));
    this.auth = new ConnectionAuth(remoteAddress);
    ws.on('message', (data, isBinary) => this.socketOnMessage(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    ws.on('close', () => this.socketOnClose());
    ws.on('error', (e) => this.log.debug('client socket error', { conn: this.id, error: e.message }));
    this.handshakeTimer = setTimeout(() => this.close(CloseCode.TIMEOUT, 'no connect request in time'), limits.handshakeTimeoutMs);
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
    if (!isBinary) return this.close(CloseCode.PROTOCOL_ERROR, 'text frames are not accepted: send one msgpack message per binary frame');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (this.state === 'handshake') return this.handshakeFrame(bytes);
    if (this.state === 'connecting') return this.close(CloseCode.PROTOCOL_ERROR, 'request sent before the connect response');
    const decoded = decodeRequest(bytes, this.limits);
    if (!decoded.ok) {
      if (decoded.fatal || decoded.xid === undefined) return this.close(CloseCode.PROTOCOL_ERROR, decoded.message);
      this.log.debug('rejected request', { conn: this.id, session: this.sessionId, xid: decoded.xid, err: decoded.err, reason: decoded.message });
      // Ordered behind the session's earlier requests like any other answer.
      this.queue.pushReady({ xid: decoded.xid, zxid: -1, err: decoded.err });
      return;
    }
    this.handler.onRequest(this, decoded.value);
    this.applyBackpressure();
  }

  private handshakeFrame(bytes: Uint8Array): void {
    const decoded = decodeConnectRequest(bytes);
    if (!decoded.ok) return this.close(CloseCode.PROTOCOL_ERROR, decoded.message);
    clearTimeout(this.handshakeTimer);
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

  private applyBackpressure(): void {
    if (!this.paused && this.queue.length >= this.limits.maxOutstanding) {
      this.paused = true;
      this.ws.pause();
    }
  }

  private sendFrame(frame: Response | NotificationFrame | object): void {
    if (this.state === 'closed') return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(CloseCode.GOING_AWAY, 'client is not reading its responses');
      return;
    }
    this.ws.send(encode(frame));
    if (this.paused && this.queue.length < this.limits.maxOutstanding / 2) {
      this.paused = false;
      this.ws.resume();
    }
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
    clearTimeout(this.handshakeTimer);
    this.queue.clear();
    this.handler.onClose(this);
  }
}
