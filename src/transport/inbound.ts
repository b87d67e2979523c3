// The listening side: accepts the links other members dial to send us their messages. An inbound link
// only receives. The first frame must be a valid hello; then every frame is a batch delivered in order.
// At most one authenticated link per member: a newer one replaces the older (the peer redialled after a
// failure we have not noticed yet). Whatever a connection sends, the worst outcome is that it is closed
// with a logged reason.
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { decodeFrame, encodeWelcome } from './codec.js';
import { TransportError } from './errors.js';
import { checkHello, type AcceptorIdentity } from './handshake.js';
import { closeSocket, errorText, rawDataBytes } from './socket-util.js';
import { CloseCode, TRANSPORT_LIMITS, type TransportLogger } from './types.js';

export interface InboundOptions extends AcceptorIdentity {
  host: string;
  port: number;
  maxPayloadBytes: number;
  /** How long a new connection may take to send its hello. */
  helloTimeoutMs: number;
  logger: TransportLogger;
  onMessage(from: number, message: unknown): void;
  onInboundDown?(from: number): void;
}

interface InboundConnection {
  socket: WebSocket;
  remote: string;
  /** The member this connection authenticated as; undefined until its hello is accepted. */
  peer: number | undefined;
  /** Closing after a refusal or protocol error: its further frames are ignored. */
  rejected: boolean;
  helloTimer: NodeJS.Timeout | undefined;
}

export class InboundAcceptor {
  /** Authenticated links by member id: at most one per member. */
  private readonly links = new Map<number, WebSocket>();
  /** Messages received per member (keys are members only). */
  private readonly received = new Map<number, number>();
  private pendingHandshakes = 0;
  private closing = false;

  private constructor(
    private readonly server: WebSocketServer,
    private readonly options: InboundOptions,
  ) {
    server.on('connection', (socket: WebSocket, req: IncomingMessage) => this.serverOnConnection(socket, req));
    server.on('error', (err: Error) => options.logger.warn('peer listener error', { error: err.message }));
  }

  /** Resolves once listening; rejects with a TransportError when the address cannot be bound. */
  static listen(options: InboundOptions): Promise<InboundAcceptor> {
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({
        host: options.host, port: options.port, perMessageDeflate: false, maxPayload: options.maxPayloadBytes, clientTracking: true,
      });
      const onError = (err: Error): void => {
        server.close();
        reject(new TransportError(`cannot listen for peers on ${options.host}:${options.port}: ${err.message}`));
      };
      server.once('error', onError);
      server.once('listening', () => {
        server.off('error', onError);
        resolve(new InboundAcceptor(server, options));
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  isConnected(peer: number): boolean {
    return this.links.has(peer);
  }

  receivedFrom(peer: number): number {
    return this.received.get(peer) ?? 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.server.clients].map((s) => closeSocket(s, CloseCode.GOING_AWAY, 'shutting down')));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serverOnConnection(socket: WebSocket, req: IncomingMessage): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    socket.on('error', (err: Error) => this.options.logger.debug('inbound peer socket error', { remote, error: err.message }));
    if (this.closing) {
      socket.terminate();
      return;
    }
    if (this.pendingHandshakes >= TRANSPORT_LIMITS.pendingHandshakesMax) {
      this.options.logger.warn('refusing inbound peer connection: too many pending handshakes', { remote });
      void closeSocket(socket, CloseCode.TRY_AGAIN_LATER, 'too many pending handshakes');
      return;
    }
    this.pendingHandshakes++;
    const conn: InboundConnection = { socket, remote, peer: undefined, rejected: false, helloTimer: undefined };
    conn.helloTimer = setTimeout(() => this.reject(conn, CloseCode.TIMEOUT, `no hello within ${this.options.helloTimeoutMs} ms`), this.options.helloTimeoutMs);
    socket.on('message', (data: RawData, isBinary: boolean) => this.socketOnMessage(conn, data, isBinary));
    socket.on('close', (code: number, reason: Buffer) => this.socketOnClose(conn, code, reason.toString()));
  }

  private socketOnMessage(conn: InboundConnection, data: RawData, isBinary: boolean): void {
    if (this.closing || conn.rejected) return;
    if (!isBinary) {
      this.reject(conn, CloseCode.PROTOCOL_ERROR, 'text frame on a peer link');
      return;
    }
    let frame: unknown;
    try {
      frame = decodeFrame(rawDataBytes(data));
    } catch (err) {
      this.reject(conn, CloseCode.PROTOCOL_ERROR, `undecodable frame: ${errorText(err)}`);
      return;
    }
    if (conn.peer === undefined) {
      this.acceptHello(conn, frame);
      return;
    }
    // A replaced connection's late frames would interleave with the newer link's: drop them.
    if (this.links.get(conn.peer) !== conn.socket) return;
    if (!Array.isArray(frame)) {
      this.reject(conn, CloseCode.PROTOCOL_ERROR, 'expected a batch (array) frame');
      return;
    }
    this.deliver(conn.peer, frame);
  }

  private deliver(from: number, batch: readonly unknown[]): void {
    this.received.set(from, this.receivedFrom(from) + batch.length);
    for (const message of batch) {
      // The callback may close the transport: nothing after that is delivered.
      if (this.closing) return;
      this.options.onMessage(from, message);
    }
  }

  private acceptHello(conn: InboundConnection, frame: unknown): void {
    const checked = checkHello(frame, this.options);
    if (!checked.ok) {
      this.reject(conn, CloseCode.HANDSHAKE_REFUSED, checked.reason);
      return;
    }
    const peer = checked.value.serverId;
    clearTimeout(conn.helloTimer);
    this.pendingHandshakes--;
    conn.peer = peer;
    const older = this.links.get(peer);
    this.links.set(peer, conn.socket);
    if (older !== undefined) {
      this.options.logger.info('inbound peer link replaced by a newer connection', { peer, remote: conn.remote });
      void closeSocket(older, CloseCode.REPLACED, 'replaced by a newer connection');
    }
    conn.socket.send(encodeWelcome(this.options.myId));
    this.options.logger.info('inbound peer link up', { peer, remote: conn.remote });
  }

  private reject(conn: InboundConnection, code: number, reason: string): void {
    if (conn.rejected) return;
    conn.rejected = true;
    clearTimeout(conn.helloTimer);
    this.options.logger.warn('closing inbound peer connection', { remote: conn.remote, peer: conn.peer, code, reason });
    void closeSocket(conn.socket, code, reason);
  }

  private socketOnClose(conn: InboundConnection, code: number, reason: string): void {
    clearTimeout(conn.helloTimer);
    if (conn.peer === undefined) {
      this.pendingHandshakes--;
      return;
    }
    if (this.links.get(conn.peer) === conn.socket) {
      this.links.delete(conn.peer);
      this.options.logger.info('inbound peer link down', { peer: conn.peer, code, reason });
      if (!this.closing) this.options.onInboundDown?.(conn.peer);
    }
  }
}
