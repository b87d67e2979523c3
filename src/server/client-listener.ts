// The client ports' front door: the plain port (ws) and the secure port (wss), either or both. Sockets are
// counted from the TCP accept, before a byte of TLS or HTTP is read, so half-open sockets, slow or failed
// TLS handshakes, slow upgrades and floods are bounded like upgraded connections, across both ports and the
// ZooKeeper port (one SocketBudget): per remote address (maxClientCnxns), in total (maxCnxns) and by the
// file descriptors left after the reserve.
// A socket must send its ConnectRequest within clientHandshakeTimeoutMs of the accept, TLS handshake
// included. Browsers are told apart by their Origin header: only allowed origins may open a WebSocket, so a
// web page cannot drive a local server. A connection whose first four bytes spell one of ZooKeeper's
// four-letter words gets its text answer and is closed (`echo srvr | nc host port`); anything else goes on
// to HTTP and the WebSocket upgrade with its bytes put back.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CloseCode } from '../../protocol/index.js';
import { clientSocketClass } from './client-socket.js';
import type { ClientAuth } from './config.js';
import type { Logger } from './logger.js';
import { SecureHandshakes } from './secure-door.js';
import type { TlsMaterial } from './tls-material.js';
import type { FourLetterWord } from '../admin/four-letter-words.js';
import { answerFourLetterWordOn, sniffFourLetterWord } from './four-letter-door.js';
import type { SocketBudget, SocketTicket } from './socket-budget.js';

export interface DoorAddress {
  host: string;
  port: number;
}

export interface SecureDoorOptions extends DoorAddress {
  clientAuth: ClientAuth;
  material: TlsMaterial;
}

export interface ClientListenerOptions {
  /** The plain port (ws), if any. */
  plain: DoorAddress | undefined;
  /** The secure port (wss), if any. */
  secure: SecureDoorOptions | undefined;
  maxFrameBytes: number;
  /** Counts sockets from the accept, shared with the other client doors. */
  sockets: SocketBudget;
  clientHandshakeTimeoutMs: number;
  allowedOrigins: readonly string[];
  log: Logger;
  /**
   * A socket completed the WebSocket upgrade; call handshakeReceived() once its ConnectRequest is in.
   * `certificate` is the DER of the client certificate the secure port verified, if the client sent one.
   */
  /** socket: the upgraded stream under ws, corked while a turn's answers are written (ws-client.ts). */
  onConnection(ws: WebSocket, socket: Duplex, remoteAddress: string, certificate: Uint8Array | undefined, handshakeReceived: () => void): void;
  /** A connection opened with a four-letter word: the text to answer it with (the socket is then closed). */
  onFourLetterWord(word: FourLetterWord, remoteAddress: string): Promise<string>;
}

/** A closed WebSocket whose peer does not answer the close is cut off after this. */
const CLOSE_GRACE_MS = 1000;

interface Accepted {
  remoteAddress: string;
  ticket: SocketTicket;
  deadline: NodeJS.Timeout | undefined;
  ws: WebSocket | undefined;
  /** On the secure port: the TLS socket over the accepted one, once its handshake is done. */
  tls: TLSSocket | undefined;
  certificate: Uint8Array | undefined;
}

interface Door {
  net: NetServer;
  /** The secure port's TLS layer; undefined on the plain port. */
  tls: SecureHandshakes<Accepted> | undefined;
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
  private readonly accepted = new Map<Socket, Accepted>();
  /** TLS sockets whose handshake is done, until they close. */
  private readonly secured = new Map<Duplex, Accepted>();
  private readonly wss: WebSocketServer;
  private readonly http = createHttpServer();
  private readonly plain: Door | undefined;
  private readonly secure: Door | undefined;
  private closing = false;

  private constructor(private readonly opts: ClientListenerOptions) {
    this.wss = new WebSocketServer({
      noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false, WebSocket: clientSocketClass(opts.maxFrameBytes),
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => this.httpOnRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.httpOnUpgrade(req, socket, head));
    this.http.on('clientError', (_e: Error, socket: Duplex) => socket.destroy());
    if (opts.plain !== undefined) this.plain = this.door(undefined);
    if (opts.secure !== undefined) {
      this.secure = this.door(new SecureHandshakes<Accepted>(opts.secure.material, opts.secure.clientAuth, opts.clientHandshakeTimeoutMs, opts.log, {
        remoteAddressOf: (entry) => entry.remoteAddress,
        onSecure: (socket, entry, certificate) => this.tlsOnSecure(socket, entry, certificate),
      }));
    }
  }

  private door(tls: SecureHandshakes<Accepted> | undefined): Door {
    const net = createNetServer((socket) => this.netOnConnection(socket, tls));
    // Accept errors (EMFILE when descriptors ran out anyway) must not take the process down.
    net.on('error', (e: Error) => this.opts.log.warn('client listener error', { error: e.message }));
    return { net, tls };
  }

  static async listen(opts: ClientListenerOptions): Promise<ClientListener> {
    const listener = new ClientListener(opts);
    try {
      if (listener.plain !== undefined) await listenOn(listener.plain.net, opts.plain!);
      if (listener.secure !== undefined) await listenOn(listener.secure.net, opts.secure!);
    } catch (e) {
      await listener.close();
      throw e;
    }
    return listener;
  }

  /** The plain port (0 when there is none). */
  get port(): number {
    return portOf(this.plain);
  }

  /** The secure port (0 when there is none). */
  get securePort(): number {
    return portOf(this.secure);
  }

  /** New connections to the secure port get this key, certificate chain and trust store; open ones keep theirs. */
  setSecureContext(material: TlsMaterial): void {
    this.secure?.tls?.setSecureContext(material);
  }

  /** Sockets open on the WebSocket ports, upgraded or not. */
  get socketCount(): number {
    return this.accepted.size;
  }

  /** Open WebSockets (for closing them at shutdown or when the server stops serving). */
  get clients(): ReadonlySet<WebSocket> {
    return this.wss.clients;
  }

  private netOnConnection(socket: Socket, tls: SecureHandshakes<Accepted> | undefined): void {
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    const problem = this.closing ? 'server is shutting down' : this.opts.sockets.problem(remoteAddress);
    if (problem !== undefined) {
      this.opts.log.warn('refusing client socket', { remoteAddress, reason: problem, secure: tls !== undefined });
      // A TLS client would read an HTTP answer as garbage: the secure port just closes.
      if (tls !== undefined) socket.destroy();
      else refuse(socket, '503 Service Unavailable', problem);
      return;
    }
    const entry: Accepted = { remoteAddress, ticket: this.opts.sockets.admit(remoteAddress), deadline: undefined, ws: undefined, tls: undefined, certificate: undefined };
    entry.deadline = setTimeout(() => this.handshakeTimedOut(socket, entry), this.opts.clientHandshakeTimeoutMs);
    this.accepted.set(socket, entry);
    socket.on('error', () => {});
    socket.once('close', () => this.socketOnClose(socket, entry));
    if (tls === undefined) {
      this.sniff(socket, entry);
      return;
    }
    tls.begin(socket, entry);
  }

  private tlsOnSecure(socket: TLSSocket, entry: Accepted, certificate: Uint8Array | undefined): void {
    entry.tls = socket;
    entry.certificate = certificate;
    this.secured.set(socket, entry);
    socket.once('close', () => this.secured.delete(socket));
    this.sniff(socket, entry);
  }

  /** A four-letter word is answered here; anything else goes on to HTTP with its first bytes put back. */
  private sniff(socket: Duplex, entry: Accepted): void {
    sniffFourLetterWord(socket, (word) => {
      clearTimeout(entry.deadline);
      entry.deadline = undefined;
      void answerFourLetterWordOn(socket, word, () => this.opts.onFourLetterWord(word, entry.remoteAddress), this.opts.log);
    }, () => this.http.emit('connection', socket));
  }

  private socketOnClose(socket: Socket, entry: Accepted): void {
    clearTimeout(entry.deadline);
    this.accepted.delete(socket);
    entry.ticket.release();
  }

  private handshakeTimedOut(socket: Socket, entry: Accepted): void {
    entry.deadline = undefined;
    this.opts.log.debug('client socket sent no connect request in time', { remoteAddress: entry.remoteAddress, timeoutMs: this.opts.clientHandshakeTimeoutMs });
    if (entry.ws === undefined) {
      entry.tls?.destroy();
      socket.destroy();
      return;
    }
    entry.ws.close(CloseCode.TIMEOUT, 'no connect request in time');
    setTimeout(() => {
      entry.tls?.destroy();
      socket.destroy();
    }, CLOSE_GRACE_MS).unref();
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
    const entry = this.accepted.get(socket as Socket) ?? this.secured.get(socket);
    if (entry === undefined) return void socket.destroy();
    const origin = req.headers.origin;
    if (!this.originAllowed(origin)) {
      this.opts.log.warn('refusing a browser origin', { remoteAddress: entry.remoteAddress, origin });
      refuse(socket, '403 Forbidden', 'this origin may not connect (allowedOrigins)');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      entry.ws = ws;
      this.opts.onConnection(ws, socket, entry.remoteAddress, entry.certificate, () => {
        clearTimeout(entry.deadline);
        entry.deadline = undefined;
      });
    });
  }

  /** Stops accepting; open sockets that never upgraded are cut off (WebSockets are the caller's to close). */
  async close(): Promise<void> {
    this.closing = true;
    for (const [socket, entry] of this.accepted) {
      if (entry.ws !== undefined) continue;
      entry.tls?.destroy();
      socket.destroy();
    }
    for (const ws of this.wss.clients) ws.terminate();
    for (const door of [this.plain, this.secure]) if (door?.net.listening) await new Promise<void>((resolve) => door.net.close(() => resolve()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function listenOn(net: NetServer, at: DoorAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(at.port, at.host, () => {
      net.off('error', reject);
      resolve();
    });
  });
}

function portOf(door: Door | undefined): number {
  return (door?.net.address() as AddressInfo | null | undefined)?.port ?? 0;
}
