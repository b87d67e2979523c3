// The client port's front door. Sockets are counted from the TCP accept, before a byte of HTTP is read,
// so half-open sockets, slow upgrades and floods are bounded like upgraded connections: per remote address
// (maxClientCnxns), in total (maxCnxns) and by the file descriptors left after the reserve. A socket must
// send its ConnectRequest within clientHandshakeTimeoutMs of the accept. Browsers are told apart by their
// Origin header: only allowed origins may open a WebSocket, so a web page cannot drive a local server.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CloseCode } from '../../protocol/index.js';
import { clientSocketClass } from './client-socket.js';
import { FdBudget, openFilesLimit } from './fd-budget.js';
import type { Logger } from './logger.js';

export interface ClientListenerOptions {
  host: string;
  port: number;
  maxFrameBytes: number;
  /** Sockets per remote address (0 = unlimited). */
  maxClientCnxns: number;
  /** Sockets in total (0 = only the descriptor reserve bounds them). */
  maxCnxns: number;
  fdReserve: number;
  clientHandshakeTimeoutMs: number;
  allowedOrigins: readonly string[];
  log: Logger;
  /** A socket completed the WebSocket upgrade; call handshakeReceived() once its ConnectRequest is in. */
  onConnection(ws: WebSocket, remoteAddress: string, handshakeReceived: () => void): void;
}

/** How often the descriptors that are not client sockets are counted again. */
const FD_SAMPLE_INTERVAL_MS = 1000;
/** A closed WebSocket whose peer does not answer the close is cut off after this. */
const CLOSE_GRACE_MS = 1000;

interface Accepted {
  remoteAddress: string;
  deadline: NodeJS.Timeout | undefined;
  ws: WebSocket | undefined;
}

function refusal(status: string, text: string): string {
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

/** Writes a short HTTP refusal and closes; the socket never gets to send more than the kernel holds. */
function refuse(socket: Duplex, status: string, text: string): void {
  socket.on('error', () => {});
  socket.end(refusal(status, `${text}\n`), () => socket.destroy());
}

export class ClientListener {
  private readonly perAddress = new Map<string, number>();
  private readonly accepted = new Map<Socket, Accepted>();
  private readonly fds: FdBudget;
  private readonly fdTimer: NodeJS.Timeout;
  private readonly wss: WebSocketServer;
  private readonly http = createHttpServer();
  private readonly net: NetServer;
  private closing = false;

  private constructor(private readonly opts: ClientListenerOptions) {
    this.fds = new FdBudget(openFilesLimit(), opts.fdReserve);
    this.fds.sample(0);
    this.fdTimer = setInterval(() => this.fds.sample(this.accepted.size), FD_SAMPLE_INTERVAL_MS);
    this.fdTimer.unref();
    this.wss = new WebSocketServer({
      noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false, WebSocket: clientSocketClass(opts.maxFrameBytes),
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => this.httpOnRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.httpOnUpgrade(req, socket, head));
    this.http.on('clientError', (_e: Error, socket: Duplex) => socket.destroy());
    this.net = createNetServer((socket) => this.netOnConnection(socket));
    // Accept errors (EMFILE when descriptors ran out anyway) must not take the process down.
    this.net.on('error', (e: Error) => opts.log.warn('client listener error', { error: e.message }));
  }

  static async listen(opts: ClientListenerOptions): Promise<ClientListener> {
    const listener = new ClientListener(opts);
    await new Promise<void>((resolve, reject) => {
      listener.net.once('error', reject);
      listener.net.listen(opts.port, opts.host, () => {
        listener.net.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  get port(): number {
    return (this.net.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Sockets open on the client port, upgraded or not. */
  get socketCount(): number {
    return this.accepted.size;
  }

  /** Open WebSockets (for closing them at shutdown or when the server stops serving). */
  get clients(): ReadonlySet<WebSocket> {
    return this.wss.clients;
  }

  private limitProblem(remoteAddress: string): string | undefined {
    const o = this.opts;
    if (this.closing) return 'server is shutting down';
    if (o.maxClientCnxns > 0 && (this.perAddress.get(remoteAddress) ?? 0) >= o.maxClientCnxns) return `too many connections from your address (maxClientCnxns=${o.maxClientCnxns})`;
    if (o.maxCnxns > 0 && this.accepted.size >= o.maxCnxns) return `too many connections (maxCnxns=${o.maxCnxns})`;
    if (this.accepted.size >= this.fds.socketsMax) return 'too many connections (file descriptors reserved for storage)';
    return undefined;
  }

  private netOnConnection(socket: Socket): void {
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    const problem = this.limitProblem(remoteAddress);
    if (problem !== undefined) {
      this.opts.log.warn('refusing client socket', { remoteAddress, reason: problem });
      refuse(socket, '503 Service Unavailable', problem);
      return;
    }
    const entry: Accepted = { remoteAddress, deadline: undefined, ws: undefined };
    entry.deadline = setTimeout(() => this.handshakeTimedOut(socket, entry), this.opts.clientHandshakeTimeoutMs);
    this.accepted.set(socket, entry);
    this.perAddress.set(remoteAddress, (this.perAddress.get(remoteAddress) ?? 0) + 1);
    socket.on('error', () => {});
    socket.once('close', () => this.socketOnClose(socket, entry));
    this.http.emit('connection', socket);
  }

  private socketOnClose(socket: Socket, entry: Accepted): void {
    clearTimeout(entry.deadline);
    this.accepted.delete(socket);
    const left = (this.perAddress.get(entry.remoteAddress) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(entry.remoteAddress);
    else this.perAddress.set(entry.remoteAddress, left);
  }

  private handshakeTimedOut(socket: Socket, entry: Accepted): void {
    entry.deadline = undefined;
    this.opts.log.debug('client socket sent no connect request in time', { remoteAddress: entry.remoteAddress, timeoutMs: this.opts.clientHandshakeTimeoutMs });
    if (entry.ws === undefined) {
      socket.destroy();
      return;
    }
    entry.ws.close(CloseCode.TIMEOUT, 'no connect request in time');
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    return this.opts.allowedOrigins.includes('*') || this.opts.allowedOrigins.includes(origin);
  }

  private httpOnRequest(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', Upgrade: 'websocket' });
    res.end('This is a Canopy client port: connect with a WebSocket (one msgpack message per binary frame).\n');
  }

  private httpOnUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const entry = this.accepted.get(socket as Socket);
    if (entry === undefined) return void socket.destroy();
    const origin = req.headers.origin;
    if (!this.originAllowed(origin)) {
      this.opts.log.warn('refusing a browser origin', { remoteAddress: entry.remoteAddress, origin });
      refuse(socket, '403 Forbidden', 'this origin may not connect (allowedOrigins)');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      entry.ws = ws;
      this.opts.onConnection(ws, entry.remoteAddress, () => {
        clearTimeout(entry.deadline);
        entry.deadline = undefined;
      });
    });
  }

  /** Stops accepting; open sockets that never upgraded are cut off (WebSockets are the caller's to close). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.fdTimer);
    for (const [socket, entry] of this.accepted) if (entry.ws === undefined) socket.destroy();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.net.close(() => resolve()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
