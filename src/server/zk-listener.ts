// The ZooKeeper door's TCP listener: ZooKeeper's own clients (jute frames, zk-client.ts) on zkClientPort.
// Sockets are counted from the accept in the budget every client door shares (socket-budget.ts), so
// maxClientCnxns, maxCnxns and the descriptor reserve bound this port and the WebSocket ports together; a
// socket over a limit is closed at once, as ZooKeeper does (its clients read no refusal text).
// A socket must send its ConnectRequest within clientHandshakeTimeoutMs of the accept. A connection whose
// first four bytes spell a four-letter word gets its answer and is closed: a ZooKeeper client's first
// bytes are a frame length, and no length a client may send spells one.
// The same listener serves zkSecureClientPort: each accepted socket first goes through its TLS handshake
// (secure-door.ts), within the same deadline, and the client certificate it verified goes on with it.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FourLetterWord } from '../admin/four-letter-words.js';
import type { ClientAuth } from './config.js';
import { answerFourLetterWordOn, sniffFourLetterWord } from './four-letter-door.js';
import type { Logger } from './logger.js';
import { SecureHandshakes } from './secure-door.js';
import type { TlsMaterial } from './tls-material.js';
import type { SocketBudget, SocketTicket } from './socket-budget.js';

export interface ZkListenerOptions {
  host: string;
  port: number;
  /** Counts sockets from the accept, shared with the other client doors. */
  sockets: SocketBudget;
  clientHandshakeTimeoutMs: number;
  log: Logger;
  /** zkSecureClientPort: every socket is TLS. */
  secure?: { clientAuth: ClientAuth; material: TlsMaterial };
  /**
   * A socket that is not a four-letter word (the TLS socket on the secure port); call handshakeReceived()
   * once its ConnectRequest is in. `certificate`: the DER of the client certificate the TLS door verified.
   */
  onConnection(socket: Socket, remoteAddress: string, certificate: Uint8Array | undefined, handshakeReceived: () => void): void;
  /** A connection opened with a four-letter word: the text to answer it with (the socket is then closed). */
  onFourLetterWord(word: FourLetterWord, remoteAddress: string): Promise<string>;
}

interface Accepted {
  remoteAddress: string;
  ticket: SocketTicket;
  deadline: NodeJS.Timeout | undefined;
  /** On the secure port: the TLS socket over the accepted one, once its handshake is done. */
  tls: TLSSocket | undefined;
}

export class ZkListener {
  private readonly server: Server;
  private readonly accepted = new Map<Socket, Accepted>();
  private readonly tls: SecureHandshakes<Accepted> | undefined;
  private closing = false;

  private constructor(private readonly opts: ZkListenerOptions) {
    this.server = createServer((socket) => this.serverOnConnection(socket));
    if (opts.secure !== undefined) {
      this.tls = new SecureHandshakes<Accepted>(opts.secure.material, opts.secure.clientAuth, opts.clientHandshakeTimeoutMs, opts.log, {
        remoteAddressOf: (entry) => entry.remoteAddress,
        onSecure: (socket, entry, certificate) => {
          entry.tls = socket;
          this.sniff(socket, entry, certificate);
        },
      });
    }
    // Accept errors (EMFILE when descriptors ran out anyway) must not take the process down.
    this.server.on('error', (e: Error) => opts.log.warn('zookeeper client listener error', { error: e.message }));
  }

  static async listen(opts: ZkListenerOptions): Promise<ZkListener> {
    const listener = new ZkListener(opts);
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(opts.port, opts.host, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** The port listened on (the one the OS picked for a configured 0). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Sockets open on this port. */
  get socketCount(): number {
    return this.accepted.size;
  }

  private serverOnConnection(socket: Socket): void {
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    const problem = this.closing ? 'server is shutting down' : this.opts.sockets.problem(remoteAddress);
    if (problem !== undefined) {
      this.opts.log.warn('refusing client socket', { remoteAddress, reason: problem, door: 'zookeeper', secure: this.tls !== undefined });
      socket.destroy();
      return;
    }
    const entry: Accepted = { remoteAddress, ticket: this.opts.sockets.admit(remoteAddress), deadline: undefined, tls: undefined };
    entry.deadline = setTimeout(() => this.handshakeTimedOut(socket, entry), this.opts.clientHandshakeTimeoutMs);
    this.accepted.set(socket, entry);
    socket.on('error', () => {});
    socket.once('close', () => this.socketOnClose(socket, entry));
    // Small frames (pings, a lock's create) must not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    if (this.tls !== undefined) this.tls.begin(socket, entry);
    else this.sniff(socket, entry, undefined);
  }

  private sniff(socket: Socket, entry: Accepted, certificate: Uint8Array | undefined): void {
    sniffFourLetterWord(socket, (word) => {
      this.handshakeDone(entry);
      void answerFourLetterWordOn(socket, word, () => this.opts.onFourLetterWord(word, entry.remoteAddress), this.opts.log);
    }, () => this.opts.onConnection(socket, entry.remoteAddress, certificate, () => this.handshakeDone(entry)));
  }

  /** New connections to the secure port get this key, certificate chain and trust store; open ones keep theirs. */
  setSecureContext(material: TlsMaterial): void {
    this.tls?.setSecureContext(material);
  }

  private handshakeDone(entry: Accepted): void {
    clearTimeout(entry.deadline);
    entry.deadline = undefined;
  }

  private handshakeTimedOut(socket: Socket, entry: Accepted): void {
    entry.deadline = undefined;
    this.opts.log.debug('client socket sent no connect request in time', { remoteAddress: entry.remoteAddress, door: 'zookeeper', timeoutMs: this.opts.clientHandshakeTimeoutMs });
    entry.tls?.destroy();
    socket.destroy();
  }

  private socketOnClose(socket: Socket, entry: Accepted): void {
    clearTimeout(entry.deadline);
    this.accepted.delete(socket);
    entry.ticket.release();
  }

  /** Stops accepting and cuts every socket still open (connections were closed by the replica first). */
  async close(): Promise<void> {
    this.closing = true;
    for (const [socket, entry] of this.accepted) {
      entry.tls?.destroy();
      socket.destroy();
    }
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
