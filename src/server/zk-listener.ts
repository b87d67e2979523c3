// The ZooKeeper door's TCP listener: ZooKeeper's own clients (jute frames, zk-client.ts) on zkClientPort.
// Sockets are counted from the accept in the budget every client door shares (socket-budget.ts), so
// maxClientCnxns, maxCnxns and the descriptor reserve bound this port and the WebSocket ports together; a
// socket over a limit is closed at once, as ZooKeeper does (its clients read no refusal text).
// A socket must send its ConnectRequest within clientHandshakeTimeoutMs of the accept. A connection whose
// first four bytes spell a four-letter word gets its answer and is closed: a ZooKeeper client's first
// bytes are a frame length, and no length a client may send spells one.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { FourLetterWord } from '../admin/four-letter-words.js';
import { answerFourLetterWordOn, sniffFourLetterWord } from './four-letter-door.js';
import type { Logger } from './logger.js';
import type { SocketBudget, SocketTicket } from './socket-budget.js';

export interface ZkListenerOptions {
  host: string;
  port: number;
  /** Counts sockets from the accept, shared with the other client doors. */
  sockets: SocketBudget;
  clientHandshakeTimeoutMs: number;
  log: Logger;
  /** A socket that is not a four-letter word; call handshakeReceived() once its ConnectRequest is in. */
  onConnection(socket: Socket, remoteAddress: string, handshakeReceived: () => void): void;
  /** A connection opened with a four-letter word: the text to answer it with (the socket is then closed). */
  onFourLetterWord(word: FourLetterWord, remoteAddress: string): Promise<string>;
}

interface Accepted {
  ticket: SocketTicket;
  deadline: NodeJS.Timeout | undefined;
}

export class ZkListener {
  private readonly server: Server;
  private readonly accepted = new Map<Socket, Accepted>();
  private closing = false;

  private constructor(private readonly opts: ZkListenerOptions) {
    this.server = createServer((socket) => this.serverOnConnection(socket));
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
      this.opts.log.warn('refusing client socket', { remoteAddress, reason: problem, door: 'zookeeper' });
      socket.destroy();
      return;
    }
    const entry: Accepted = { ticket: this.opts.sockets.admit(remoteAddress), deadline: undefined };
    entry.deadline = setTimeout(() => this.handshakeTimedOut(socket, remoteAddress, entry), this.opts.clientHandshakeTimeoutMs);
    this.accepted.set(socket, entry);
    socket.on('error', () => {});
    socket.once('close', () => this.socketOnClose(socket, entry));
    // Small frames (pings, a lock's create) must not wait for Nagle's algorithm.
    socket.setNoDelay(true);
    sniffFourLetterWord(socket, (word) => {
      this.handshakeDone(entry);
      void answerFourLetterWordOn(socket, word, () => this.opts.onFourLetterWord(word, remoteAddress), this.opts.log);
    }, () => this.opts.onConnection(socket, remoteAddress, () => this.handshakeDone(entry)));
  }

  private handshakeDone(entry: Accepted): void {
    clearTimeout(entry.deadline);
    entry.deadline = undefined;
  }

  private handshakeTimedOut(socket: Socket, remoteAddress: string, entry: Accepted): void {
    entry.deadline = undefined;
    this.opts.log.debug('client socket sent no connect request in time', { remoteAddress, door: 'zookeeper', timeoutMs: this.opts.clientHandshakeTimeoutMs });
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
    for (const socket of this.accepted.keys()) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
