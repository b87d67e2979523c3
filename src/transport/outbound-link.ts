// The link that carries this server's messages to one peer. It only sends: the peer's messages to us
// arrive on the peer's own dialled link (inbound.ts), so every ordered pair of servers has its own FIFO
// connection and nobody has to decide who connects to whom.
//
// States: down (waiting to redial) → connecting (dial with the hello in the upgrade request, waiting for
// the welcome) → up → down ... With a shared secret the first dial is answered with a challenge, and the
// dial that answers it goes at once (hello-proof.ts); the link is up only once the welcome proves that
// the acceptor holds the secret too. In mutual-TLS mode the link is wss and Node verifies the acceptor's
// certificate (tls-options.ts). A refused hello comes back as an HTTP answer to the upgrade request
// (handshake.ts); its code and reason come from the acceptor, so they are bounded before being logged.
// Messages are queued while not up and flushed in order once up; messages sent in one event-loop turn go
// out as one frame (split only at maxPayloadBytes). The queue bound is applied at the end of each turn,
// after the flush, so it only ever cuts a backlog, never one turn's output to an up link. A message handed to a socket that then dies may be lost: the protocol above numbers
// its messages and detects the gap.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { Backoff } from '../../protocol/backoff.js';
import { clipForLog } from './bounded-text.js';
import { PEER_PROTOCOL_VERSION, arrayHeaderBytes, decodeFrame, encodeBatch, type Hello } from './codec.js';
import { HELLO_HEADER, checkWelcome, encodeHelloHeader, readChallenge, readRefusal } from './handshake.js';
import { NONCE_BYTES, helloProof } from './hello-proof.js';
import { SendQueue } from './send-queue.js';
import { closeSocket, errorText, rawDataBytes, wsUrl } from './socket-util.js';
import { diallerTlsOptions } from './tls-options.js';
import type { ResolvedOptions } from './options.js';
import { PeerCloseCode, TRANSPORT_LIMITS, type OutboundState, type PeerEndpoint } from './types.js';

/** The transport's resolved settings that a link uses, and the peer it dials. */
export type OutboundLinkOptions = Pick<ResolvedOptions, 'myId' | 'ensembleId' | 'logger' | 'random' | 'maxPayloadBytes' | 'queueMessagesMax'
  | 'queueBytesMax' | 'reconnectMinMs' | 'reconnectMaxMs' | 'heartbeatMs' | 'dialTimeoutMs' | 'tls' | 'secret'> & { peer: PeerEndpoint };

export interface OutboundStatus {
  outbound: OutboundState;
  queued: number;
  dropped: number;
  sentMessages: number;
  sentFrames: number;
}

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** The acceptor only ever sends a welcome (a dozen bytes): anything bigger is a protocol error (ws closes with 1009). */
const WELCOME_BYTES_MAX = 1024;
/**
 * Heartbeats in a row without a pong (and without the socket draining) before the link is cut. Two, so
 * that a peer whose event loop is busy for one interval (decoding a large SNAP) keeps its link.
 */
const HEARTBEAT_MISSES_MAX = 2;

export class OutboundLink {
  private state: OutboundState = 'down';
  private socket: WebSocket | undefined;
  private readonly queue: SendQueue;
  private readonly backoff: Backoff;
  private redialTimer: NodeJS.Timeout | undefined;
  private dialTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pongMisses = 0;
  private awaitingPong = false;
  private bufferedAtPing = 0;
  private endOfTurnScheduled = false;
  /** A queue-full warning was logged since the link was last up. */
  private warnedDrops = false;
  private closing = false;
  /** Why the current dial failed (set by error/timeout/refusal, reported by the close that follows). */
  private failure = '';
  /** The acceptor refused the current dial's hello with this code (undefined: not refused). */
  private refusedWith: number | undefined;
  /** The current dial failed in TLS verification (either end refused the other's certificate). */
  private tlsRefused = false;
  /** The last failure logged at warn/info; repeats of it go to debug so a long outage does not flood. */
  private lastLoggedFailure = '';
  private sentMessages = 0;
  private sentFrames = 0;
  /** Shared secret: the acceptor's challenge that the next dial answers (each is answered once). */
  private challenge: Uint8Array | undefined;
  /** Shared secret: the proof the acceptor's welcome must carry on the current dial (undefined: it sent no answer). */
  private welcomeProof: Uint8Array | undefined;
  /** The current dial was answered with a challenge: the dial that answers it goes at once. */
  private challenged = false;

  constructor(private readonly options: OutboundLinkOptions) {
    this.queue = new SendQueue({ messagesMax: options.queueMessagesMax, bytesMax: options.queueBytesMax });
    this.backoff = new Backoff({ initialDelayMs: options.reconnectMinMs, maxDelayMs: options.reconnectMaxMs, firstAttemptAtOnce: false, random: options.random });
  }

  start(): void {
    this.dial();
  }

  /** Queues one encoded message; never throws and never blocks. */
  send(encoded: Uint8Array): void {
    if (this.closing) return;
    if (arrayHeaderBytes(1) + encoded.length > this.options.maxPayloadBytes) {
      this.queue.countDropped(1);
      this.options.logger.warn('dropping a peer message larger than maxPayloadBytes', {
        peer: this.options.peer.id, bytes: encoded.length, maxPayloadBytes: this.options.maxPayloadBytes,
      });
      return;
    }
    this.queue.push(encoded);
    this.scheduleEndOfTurn();
  }

  status(): OutboundStatus {
    return {
      outbound: this.state,
      queued: this.queue.length,
      dropped: this.queue.dropped,
      sentMessages: this.sentMessages,
      sentFrames: this.sentFrames,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.redialTimer);
    this.clearSocketTimers();
    const socket = this.socket;
    if (socket !== undefined) await closeSocket(socket, PeerCloseCode.GOING_AWAY, 'shutting down');
    this.socket = undefined;
    this.state = 'down';
  }

  // ---- dialling ----

  private dial(): void {
    this.redialTimer = undefined;
    if (this.closing) return;
    const { peer, dialTimeoutMs, tls } = this.options;
    const { host, port } = peer.dial ?? peer;
    this.state = 'connecting';
    this.failure = '';
    this.refusedWith = undefined;
    this.tlsRefused = false;
    this.challenged = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(wsUrl(host, port, tls !== undefined), {
        perMessageDeflate: false, maxPayload: WELCOME_BYTES_MAX, handshakeTimeout: dialTimeoutMs,
        // Masking guards proxies from frames a browser's script shaped; a peer link carries none, so its frames
        // go unmasked (a zero mask: ws then skips both the random bytes and the XOR over every payload).
        generateMask: zeroMask,
        headers: { [HELLO_HEADER]: encodeHelloHeader(this.nextHello()) },
        // ws hands these to tls.connect; its typing of checkServerIdentity (boolean) is not Node's (Error | undefined).
        ...(tls !== undefined ? (diallerTlsOptions(tls, peer.host) as ClientOptions) : {}),
      });
    } catch (err) {
      this.state = 'down';
      this.logFailure(`cannot dial ${host}:${port}: ${errorText(err)}`, 'warn');
      this.scheduleRedial();
      return;
    }
    this.socket = socket;
    this.dialTimer = setTimeout(() => this.socketOnDialTimeout(socket), dialTimeoutMs);
    socket.on('unexpected-response', (_req: unknown, res: IncomingMessage) => this.socketOnRefused(socket, res));
    socket.on('message', (data: RawData, isBinary: boolean) => this.socketOnMessage(socket, data, isBinary));
    socket.on('pong', () => this.socketOnPong(socket));
    socket.on('error', (err: Error) => this.socketOnError(socket, err));
    socket.on('close', (code: number, reason: Buffer) => this.socketOnClose(socket, code, reason.toString()));
  }

  /** The hello of the next dial: with a shared secret and a challenge in hand, it answers the challenge. */
  private nextHello(): Hello {
    const { myId, ensembleId, secret, peer } = this.options;
    const hello: Hello = { version: PEER_PROTOCOL_VERSION, serverId: myId, ensembleId };
    const challenge = this.challenge;
    this.challenge = undefined;
    this.welcomeProof = undefined;
    if (secret === undefined || challenge === undefined) return hello;
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
    const binding = { ensembleId, diallerId: myId, acceptorId: peer.id, challenge, nonce };
    this.welcomeProof = helloProof(secret, 'acceptor', binding);
    return { ...hello, auth: { challenge, nonce, proof: helloProof(secret, 'dialler', binding) } };
  }

  private scheduleRedial(): void {
    if (this.closing || this.redialTimer !== undefined) return;
    this.redialTimer = setTimeout(() => this.dial(), this.backoff.next());
  }

  /** The acceptor answered the upgrade request with an error: its hello was refused (or it is no acceptor). */
  private socketOnRefused(socket: WebSocket, res: IncomingMessage): void {
    res.resume();
    if (socket !== this.socket) return;
    const { code, told } = readRefusal(res.headers);
    const challenge = code === PeerCloseCode.AUTH_CHALLENGE && this.options.secret !== undefined ? readChallenge(res.headers) : undefined;
    if (challenge !== undefined && this.welcomeProof === undefined) {
      // The first step of every shared-secret link: answered by the next dial, at once.
      this.challenge = challenge;
      this.challenged = true;
      socket.terminate();
      return;
    }
    // Challenged although this dial answered a challenge (the acceptor restarted, or the answer came
    // late): a failure like any other, so the next dial comes after the usual backoff and starts afresh
    // (a challenge kept over the backoff could expire every time).
    this.refusedWith = code ?? PeerCloseCode.HANDSHAKE_REFUSED;
    this.failure = code === PeerCloseCode.AUTH_CHALLENGE && this.options.secret === undefined
      ? `server ${this.options.peer.id} requires the peer secret (quorum.auth.secretFile), and this server has none`
      : `refused by server ${this.options.peer.id} (${code ?? `HTTP ${res.statusCode ?? '?'}`}): ${told}`;
    // ws aborts the request; the close that follows schedules the redial.
    socket.terminate();
  }

  private socketOnDialTimeout(socket: WebSocket): void {
    if (socket !== this.socket || this.state !== 'connecting') return;
    this.failure = `no welcome within ${this.options.dialTimeoutMs} ms`;
    socket.terminate();
  }

  /** The acceptor sends exactly one frame, the welcome; anything else breaks the protocol. */
  private socketOnMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
    if (socket !== this.socket) return;
    if (this.state !== 'connecting' || !isBinary) {
      this.abandon(socket, PeerCloseCode.PROTOCOL_ERROR, 'unexpected frame from the acceptor');
      return;
    }
    let frame: unknown;
    try {
      frame = decodeFrame(rawDataBytes(data));
    } catch (err) {
      this.abandon(socket, PeerCloseCode.PROTOCOL_ERROR, `undecodable welcome: ${clipForLog(errorText(err))}`);
      return;
    }
    if (this.options.secret !== undefined && this.welcomeProof === undefined) {
      this.abandon(socket, PeerCloseCode.AUTH_FAILED, `server ${this.options.peer.id} accepted a hello without a proof: it does not check the peer secret`);
      return;
    }
    const checked = checkWelcome(frame, this.options.peer.id, this.welcomeProof);
    if (!checked.ok) {
      this.abandon(socket, checked.code, checked.reason);
      return;
    }
    this.linkUp(socket);
  }

  private linkUp(socket: WebSocket): void {
    clearTimeout(this.dialTimer);
    this.state = 'up';
    this.backoff.reset();
    this.lastLoggedFailure = '';
    this.warnedDrops = false;
    this.awaitingPong = false;
    this.pongMisses = 0;
    this.options.logger.info('peer link up', { peer: this.options.peer.id, queued: this.queue.length });
    this.heartbeatTimer = setInterval(() => this.heartbeat(socket), this.options.heartbeatMs);
    this.scheduleEndOfTurn();
  }

  private socketOnError(socket: WebSocket, err: Error): void {
    if (socket !== this.socket) return;
    if (this.failure === '') this.failure = clipForLog(err.message);
    if (this.state === 'connecting' && isTlsRefusal(err)) this.tlsRefused = true;
    this.options.logger.debug('peer link error', { peer: this.options.peer.id, error: clipForLog(err.message) });
  }

  private socketOnClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.clearSocketTimers();
    this.socket = undefined;
    const wasUp = this.state === 'up';
    this.state = 'down';
    if (this.closing) return;
    const peer = this.options.peer.id;
    if (this.challenged) {
      this.options.logger.debug('answering the challenge of a peer', { peer });
      this.redialTimer = setTimeout(() => this.dial(), 0);
      return;
    }
    // The acceptor's close reason is its own text: bounded before it reaches a log line.
    const told = clipForLog(reason);
    if (wasUp) {
      this.options.logger.info('peer link down', { peer, code, reason: told || this.failure });
    } else if (this.refusedWith !== undefined) {
      // Try-again-later is routine (the acceptor still trusts our previous link), and so is a repeated
      // challenge to a member with the secret (an acceptor that restarted); a refusal is not.
      const rechallenged = this.refusedWith === PeerCloseCode.AUTH_CHALLENGE && this.options.secret !== undefined;
      const routine = this.refusedWith === PeerCloseCode.TRY_AGAIN_LATER || rechallenged;
      this.logFailure(this.failure, routine ? 'info' : 'warn');
    } else if (code === PeerCloseCode.HANDSHAKE_REFUSED || code === PeerCloseCode.PROTOCOL_ERROR) {
      this.logFailure(`refused by server ${peer} (${code}): ${told}`, 'warn');
    } else {
      this.logFailure(this.failure || `closed (${code}) ${told}`, this.tlsRefused ? 'warn' : 'info');
    }
    this.scheduleRedial();
  }

  /** Closes a socket that broke the protocol; its close event then schedules the redial. */
  private abandon(socket: WebSocket, code: number, reason: string): void {
    this.failure = reason;
    this.options.logger.warn('closing peer link', { peer: this.options.peer.id, code, reason });
    void closeSocket(socket, code, reason);
  }

  private logFailure(reason: string, level: 'warn' | 'info'): void {
    const meta = { peer: this.options.peer.id, reason };
    if (reason === this.lastLoggedFailure) {
      this.options.logger.debug('peer link still failing', meta);
      return;
    }
    this.lastLoggedFailure = reason;
    this.options.logger[level]('peer link failed', meta);
  }

  private clearSocketTimers(): void {
    clearTimeout(this.dialTimer);
    clearInterval(this.heartbeatTimer);
    this.dialTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  // ---- liveness ----

  /**
   * A ping waits behind every byte already handed to the socket, so a missing pong only counts as a
   * miss when the socket did not drain since the last heartbeat (a large frame going out is progress).
   */
  private heartbeat(socket: WebSocket): void {
    if (socket !== this.socket || this.state !== 'up') return;
    const buffered = socket.bufferedAmount;
    if (this.awaitingPong) {
      const draining = buffered < this.bufferedAtPing;
      this.bufferedAtPing = buffered;
      this.pongMisses = draining ? 0 : this.pongMisses + 1;
      if (this.pongMisses >= HEARTBEAT_MISSES_MAX) {
        this.failure = `no pong within ${this.pongMisses * this.options.heartbeatMs} ms`;
        this.options.logger.warn('peer link unresponsive, terminating', { peer: this.options.peer.id, reason: this.failure });
        socket.terminate();
      }
      return;
    }
    this.awaitingPong = true;
    this.bufferedAtPing = buffered;
    socket.ping();
  }

  private socketOnPong(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.awaitingPong = false;
    this.pongMisses = 0;
  }

  // ---- sending ----

  /** Runs endOfTurn once, after everything sent in this event-loop turn has been queued. */
  private scheduleEndOfTurn(): void {
    if (this.endOfTurnScheduled || this.queue.length === 0) return;
    this.endOfTurnScheduled = true;
    setImmediate(() => this.endOfTurn());
  }

  private endOfTurn(): void {
    this.endOfTurnScheduled = false;
    if (this.state === 'up') this.flush();
    const dropped = this.queue.trim();
    if (dropped === 0) return;
    const meta = { peer: this.options.peer.id, dropped, droppedTotal: this.queue.dropped, queued: this.queue.length, state: this.state };
    // Warn once per outage: a long one drops at every turn.
    if (this.warnedDrops) {
      this.options.logger.debug('peer link queue full, dropped oldest messages', meta);
    } else {
      this.warnedDrops = true;
      this.options.logger.warn('peer link queue full, dropped oldest messages', meta);
    }
  }

  /**
   * Hands queued messages to the socket as frames of at most maxPayloadBytes, while the socket is not
   * backed up; a backed-up socket resumes from the send callback of a frame it is still writing.
   */
  private flush(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    while (this.queue.length > 0 && socket.bufferedAmount < TRANSPORT_LIMITS.socketBufferedBytesHigh) {
      const batch = this.queue.takeBatch(this.options.maxPayloadBytes);
      socket.send(encodeBatch(batch), { binary: true }, (err?: Error | null) => this.socketOnSent(socket, err));
      this.sentFrames++;
      this.sentMessages += batch.length;
    }
  }

  private socketOnSent(socket: WebSocket, err: Error | null | undefined): void {
    if (err == null && socket === this.socket && this.state === 'up') this.scheduleEndOfTurn();
  }
}

/**
 * A TLS failure that is a verdict on a certificate (ours refused by the acceptor, or its refused by us),
 * as Node and OpenSSL name them: worth a warning, unlike a refused or reset TCP connection.
 */
function isTlsRefusal(err: Error): boolean {
  const code: unknown = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && (/^ERR_(SSL|TLS)_/.test(code) || /CERT|ISSUER|SIGNATURE/.test(code));
}
