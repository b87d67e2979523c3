// The listening side: accepts the links other members dial to send us their messages. An inbound link
// only receives: after its hello is accepted every frame is a batch delivered in order. Whatever a
// connection sends, the worst outcome is that it is refused or closed, with a logged reason.
//
// The hello travels in a header of the WebSocket upgrade request and is checked before the upgrade, so
// no WebSocket, hence no frame, exists for a connection that has not been accepted. Until then the
// connection can make us hold at most its request head, which Node's HTTP parser bounds
// (TRANSPORT_LIMITS.preHelloBytesMax, answered 431 beyond). The alternative, the hello as the first
// frame with the socket's payload limit lowered until it arrives, would rest on a private field of ws
// (the receiver's _maxPayload), which any ws release may rename or stop reading; a private field that
// silently stops working would bring back 1 GiB pre-hello frames without a test noticing in production.
// The header route uses only public APIs (Node's maxHeaderSize, ws's verifyClient and handleUpgrade),
// and a refused stranger never costs a WebSocket at all.
//
// With peer authentication (hello-gate.ts) a hello must also prove its sender is the member it claims to
// be, by its TLS certificate or by answering a challenge with the shared secret, before anything else
// happens for it. In TLS mode the listener is an HTTPS server (tls-connections.ts): a connection without
// a member certificate is closed when its TLS handshake ends and never reaches HTTP, let alone the hello.
// Until its handshake ends a connection counts towards the server's maxConnections and lives at most
// helloTimeoutMs (Node's handshakeTimeout); after it, it is a pending connection like a plain one.
//
// At most one link per member. A hello that passes every check (right ensemble id, a member's id) may,
// without authentication, still come from an impostor, since the ensemble id is a hash of the server.N
// lines anyone may know. So it only displaces that member's established link if the link fails a
// liveness probe (no frame, pong or byte within livenessProbeMs of a ping): a member that restarted or
// whose link broke unnoticed gets through promptly, because its old link is closed already or answers
// nothing, while a healthy member's link is never replaced and the newcomer is told to try again later.
// Only the established link's own close reports the member down (onInboundDown): a refused or replaced
// connection never does.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { assertNever } from '../../protocol/assert-never.js';
import { clipForLog } from './bounded-text.js';
import { decodeFrame, encodeWelcome, type Hello } from './codec.js';
import { TransportError } from './errors.js';
import { HELLO_HEADER, challengeHeaders, checkHello, decodeHelloHeader, refusalHeaders, refusalStatus, type AcceptorIdentity, type Refusal } from './handshake.js';
import { HelloGate, type GateVerdict } from './hello-gate.js';
import { closeSocket, errorText, rawDataBytes, remoteOf } from './socket-util.js';
import { TlsConnections } from './tls-connections.js';
import { acceptorTlsOptions } from './tls-options.js';
import { PeerCloseCode, TRANSPORT_LIMITS, type PeerTlsMaterial, type TransportLogger } from './types.js';

export interface InboundOptions extends AcceptorIdentity {
  /** Each member's host as its server.N line gives it (what its certificate must name, in TLS mode). */
  memberHosts: ReadonlyMap<number, string>;
  /** Mutual TLS: the listener is an HTTPS server that requires a member certificate. */
  tls?: PeerTlsMaterial;
  /** Shared secret: every hello must answer a challenge (hello-proof.ts). */
  secret?: Uint8Array;
  host: string;
  port: number;
  maxPayloadBytes: number;
  /** How long a new connection may take to get its hello accepted. */
  helloTimeoutMs: number;
  /** How long an established link may take to prove alive when a newer hello claims its member. */
  livenessProbeMs: number;
  logger: TransportLogger;
  onMessage(from: number, message: unknown): void;
  /** The shape check of one message; undefined drops it (counted, logged once per batch). */
  validate?(raw: unknown): unknown;
  onInboundDown?(from: number): void;
}

type VerifyDone = (ok: boolean, status?: number, message?: string, headers?: OutgoingHttpHeaders) => void;

/** A TCP connection whose hello has not been accepted (yet). */
interface PendingConnection {
  raw: Socket;
  remote: string;
  timer: NodeJS.Timeout;
  /** The member it was accepted as, between the hello check and the upgrade callback. */
  acceptedAs: number | undefined;
  /** Shared-secret mode: our proof, sent in the welcome once the upgrade completes. */
  welcomeProof: Uint8Array | undefined;
}

/** The established link from one member. */
interface InboundLink {
  peer: number;
  socket: WebSocket;
  raw: Socket;
  remote: string;
  /** performance.now() of the last frame, ping or pong: a link heard from this recently needs no probe. */
  lastHeardMs: number;
  /** Closing after a protocol error: its further frames are ignored. */
  rejected: boolean;
}

/** Malformed messages from one member, for rate-limited warnings. */
interface MalformedTally {
  total: number;
  sinceWarn: number;
  lastWarnMs: number;
}

function tryLater(peer: number): Refusal {
  return { code: PeerCloseCode.TRY_AGAIN_LATER, reason: `server ${peer} already has a live inbound link`, told: 'a live link from that server exists; try again later' };
}

export class InboundAcceptor {
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  /** Connections without an accepted hello, by socket: at most pendingHandshakesMax. */
  private readonly pending = new Map<Socket, PendingConnection>();
  /** Established links by member id: at most one per member. */
  private readonly links = new Map<number, InboundLink>();
  /** Members whose established link is being probed: another claim meanwhile is told to try later. */
  private readonly probing = new Set<number>();
  /** Messages received per member (keys are members only). */
  private readonly received = new Map<number, number>();
  private readonly malformed = new Map<number, MalformedTally>();
  /** TLS mode: the stage before HTTP. */
  private readonly tlsConnections: TlsConnections | undefined;
  private readonly gate: HelloGate;
  private closing = false;

  private constructor(private readonly options: InboundOptions) {
    const maxHeaderSize = TRANSPORT_LIMITS.preHelloBytesMax;
    this.http = options.tls === undefined ? createServer({ maxHeaderSize }) : createHttpsServer({ ...acceptorTlsOptions(options.tls, options.helloTimeoutMs), maxHeaderSize });
    this.gate = new HelloGate({
      myId: options.myId, ensembleId: options.ensembleId, memberHosts: options.memberHosts, secret: options.secret,
      tls: options.tls === undefined ? undefined : { clientHostnameVerification: (options.tls.hostnameVerification ?? true) && (options.tls.clientHostnameVerification ?? true) },
      challengeTtlMs: options.helloTimeoutMs, now: () => performance.now(), randomBytes: (count) => new Uint8Array(randomBytes(count)),
    });
    this.wss = new WebSocketServer({
      noServer: true, perMessageDeflate: false, maxPayload: options.maxPayloadBytes, clientTracking: true,
      // Two parameters: ws waits for the callback, so the liveness probe can finish first.
      verifyClient: (info: { req: IncomingMessage }, done: VerifyDone) => this.verify(info.req, done),
    });
    if (options.tls === undefined) this.http.on('connection', (raw: Socket) => this.httpOnConnection(raw));
    else this.tlsConnections = new TlsConnections(this.http, options.members.size, options.logger, (socket) => this.httpOnConnection(socket));
    this.http.on('upgrade', (req: IncomingMessage, raw: Socket, head: Buffer) => {
      this.wss.handleUpgrade(req, raw, head, (socket: WebSocket) => this.linkUp(socket, raw));
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => this.httpOnRequest(req, res));
  }

  /** Resolves once listening; rejects with a TransportError when the address cannot be bound. */
  static listen(options: InboundOptions): Promise<InboundAcceptor> {
    const acceptor = new InboundAcceptor(options);
    const http = acceptor.http;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        http.close();
        reject(new TransportError(`cannot listen for peers on ${options.host}:${options.port}: ${err.message}`, { cause: err }));
      };
      http.once('error', onError);
      http.listen(options.port, options.host, () => {
        http.off('error', onError);
        http.on('error', (err: Error) => options.logger.warn('peer listener error', { error: clipForLog(err.message) }));
        resolve(acceptor);
      });
    });
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  isConnected(peer: number): boolean {
    return this.links.has(peer);
  }

  receivedFrom(peer: number): number {
    return this.received.get(peer) ?? 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const conn of this.pending.values()) {
      clearTimeout(conn.timer);
      conn.raw.destroy();
    }
    this.pending.clear();
    this.tlsConnections?.destroyAll();
    await Promise.all([...this.wss.clients].map((s) => closeSocket(s, PeerCloseCode.GOING_AWAY, 'shutting down')));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // ---- before the hello: TCP, TLS and HTTP ----

  private httpOnConnection(raw: Socket): void {
    const remote = remoteOf(raw);
    raw.on('error', (err: Error) => this.options.logger.debug('inbound peer socket error', { remote, error: clipForLog(err.message) }));
    if (this.closing) {
      raw.destroy();
      return;
    }
    if (this.pending.size >= TRANSPORT_LIMITS.pendingHandshakesMax) {
      this.refuseRaw(raw, remote, { code: PeerCloseCode.TRY_AGAIN_LATER, reason: 'too many pending handshakes', told: 'busy; try again later' });
      return;
    }
    const conn: PendingConnection = { raw, remote, acceptedAs: undefined, welcomeProof: undefined, timer: setTimeout(() => this.helloTimedOut(conn), this.options.helloTimeoutMs) };
    this.pending.set(raw, conn);
    raw.once('close', () => {
      clearTimeout(conn.timer);
      if (this.pending.get(raw) === conn) this.pending.delete(raw);
    });
  }

  /** A request that is not a WebSocket upgrade: nothing is served on the peer port. */
  private httpOnRequest(req: IncomingMessage, res: ServerResponse): void {
    const conn = this.pending.get(req.socket as Socket);
    this.options.logger.warn('refusing inbound peer connection', { remote: conn?.remote, code: 426, reason: 'plain HTTP request on the peer port' });
    res.writeHead(426, { Connection: 'close', 'Content-Type': 'text/plain' });
    res.end('peer port: expected a WebSocket upgrade with a hello\n');
  }

  private helloTimedOut(conn: PendingConnection): void {
    if (this.pending.get(conn.raw) !== conn || conn.acceptedAs !== undefined) return;
    this.refuseRaw(conn.raw, conn.remote, { code: PeerCloseCode.TIMEOUT, reason: `no hello within ${this.options.helloTimeoutMs} ms`, told: 'no hello in time' });
  }

  /** Answers a connection whose request was never (fully) read, then drops it. */
  private refuseRaw(raw: Socket, remote: string, refusal: Refusal): void {
    this.pending.delete(raw);
    this.options.logger.warn('refusing inbound peer connection', { remote, code: refusal.code, reason: refusal.reason });
    const status = refusalStatus(refusal.code);
    const headers = { Connection: 'close', 'Content-Length': '0', ...refusalHeaders(refusal) };
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    raw.end(`${head.join('\r\n')}\r\n\r\n`, () => raw.destroy());
    // A peer that does not read its answer does not keep the socket.
    setTimeout(() => raw.destroy(), TRANSPORT_LIMITS.closeGraceMs).unref();
  }

  // ---- the hello: checked in the upgrade request, before any WebSocket exists ----

  private verify(req: IncomingMessage, done: VerifyDone): void {
    const conn = this.pending.get(req.socket as Socket);
    if (conn === undefined || this.closing) {
      done(false, 503);
      return;
    }
    const header = Object.hasOwn(req.headers, HELLO_HEADER) ? req.headers[HELLO_HEADER] : undefined;
    const decoded = decodeHelloHeader(header);
    const checked = decoded.ok ? checkHello(decoded.value, this.options) : decoded;
    if (!checked.ok) {
      this.refuse(conn, checked, done);
      return;
    }
    const verdict = this.authenticate(checked.value, conn);
    switch (verdict.kind) {
      case 'pass': break;
      // Every shared-secret link starts with a challenge: routine, so not a warning.
      case 'challenge': return this.refuse(conn, verdict.refusal, done, challengeHeaders(verdict.challenge), 'debug');
      case 'refuse': return this.refuse(conn, verdict.refusal, done);
      default: return assertNever(verdict, 'hello verdict');
    }
    conn.welcomeProof = verdict.welcomeProof;
    this.admit(conn, checked.value.serverId, done).catch((err: unknown) => {
      // Nothing in admit should throw; if it did, the stranger loses its connection, never the process.
      this.options.logger.warn('inbound peer handshake failed', { remote: conn.remote, error: clipForLog(errorText(err)) });
      conn.raw.destroy();
    });
  }

  /** The hello's proof of membership (hello-gate.ts); a failure inside costs the stranger, never the process. */
  private authenticate(hello: Hello, conn: PendingConnection): GateVerdict {
    try {
      return this.gate.check(hello, conn.raw);
    } catch (err) {
      return { kind: 'refuse', refusal: { code: PeerCloseCode.AUTH_FAILED, reason: `authentication failed: ${clipForLog(errorText(err))}`, told: 'authentication failed' } };
    }
  }

  /** An authenticated hello from `peer`: accepted unless that member has a live established link. */
  private async admit(conn: PendingConnection, peer: number, done: VerifyDone): Promise<void> {
    if (this.probing.has(peer)) {
      this.refuse(conn, tryLater(peer), done);
      return;
    }
    const existing = this.links.get(peer);
    if (existing === undefined) {
      this.accept(conn, peer, done);
      return;
    }
    this.probing.add(peer);
    let alive: boolean;
    try {
      alive = await this.probe(existing);
    } finally {
      this.probing.delete(peer);
    }
    this.options.logger.debug('liveness probe of a claimed member link', { peer, alive, remote: conn.remote });
    // The newcomer gave up or timed out meanwhile: there is no one to answer.
    if (this.closing || conn.raw.destroyed || this.pending.get(conn.raw) !== conn) return;
    const current = this.links.get(peer);
    if (current !== undefined && (current !== existing || alive)) {
      this.refuse(conn, tryLater(peer), done);
      return;
    }
    if (current !== undefined) this.retire(current, conn.remote);
    this.accept(conn, peer, done);
  }

  /**
   * Whether an established link is alive: heard from within the probe bound already, or it answers a
   * ping or receives any byte (a large frame still arriving delays the pong behind it) within the bound.
   */
  private probe(link: InboundLink): Promise<boolean> {
    const boundMs = this.options.livenessProbeMs;
    if (performance.now() - link.lastHeardMs < boundMs) return Promise.resolve(true);
    return new Promise((resolve) => {
      const bytesBefore = link.raw.bytesRead;
      const finish = (alive: boolean): void => {
        clearTimeout(timer);
        link.socket.off('pong', onPong);
        link.socket.off('close', onClose);
        resolve(alive);
      };
      const onPong = (): void => finish(true);
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(link.raw.bytesRead > bytesBefore), boundMs);
      link.socket.on('pong', onPong);
      link.socket.on('close', onClose);
      if (link.socket.readyState !== WebSocket.OPEN) return finish(false);
      this.options.logger.debug('pinging the established link of a claimed member', { peer: link.peer });
      link.socket.ping();
    });
  }

  private refuse(conn: PendingConnection, refusal: Refusal, done: VerifyDone, headers = refusalHeaders(refusal), level: 'warn' | 'debug' = 'warn'): void {
    clearTimeout(conn.timer);
    this.options.logger[level]('refusing inbound peer connection', { remote: conn.remote, code: refusal.code, reason: refusal.reason });
    done(false, refusalStatus(refusal.code), refusal.told, headers);
  }

  private accept(conn: PendingConnection, peer: number, done: VerifyDone): void {
    conn.acceptedAs = peer;
    // ws completes the upgrade and calls linkUp before this returns.
    done(true);
  }

  /** Drops an established link that failed its liveness probe; its close then reports nothing. */
  private retire(link: InboundLink, newRemote: string): void {
    this.links.delete(link.peer);
    this.options.logger.info('inbound peer link replaced: the old one failed a liveness probe', { peer: link.peer, old: link.remote, remote: newRemote });
    link.socket.terminate();
  }

  // ---- established links ----

  private linkUp(socket: WebSocket, raw: Socket): void {
    const conn = this.pending.get(raw);
    if (conn === undefined || conn.acceptedAs === undefined || this.closing) {
      socket.terminate();
      return;
    }
    this.pending.delete(raw);
    clearTimeout(conn.timer);
    const peer = conn.acceptedAs;
    const link: InboundLink = { peer, socket, raw, remote: conn.remote, lastHeardMs: performance.now(), rejected: false };
    const older = this.links.get(peer);
    if (older !== undefined) this.retire(older, conn.remote);
    this.links.set(peer, link);
    const heard = (): void => {
      link.lastHeardMs = performance.now();
    };
    socket.on('message', (data: RawData, isBinary: boolean) => this.socketOnMessage(link, data, isBinary));
    socket.on('ping', heard);
    socket.on('pong', heard);
    socket.on('error', (err: Error) => this.options.logger.debug('inbound peer socket error', { peer, remote: conn.remote, error: clipForLog(err.message) }));
    socket.on('close', (code: number, reason: Buffer) => this.socketOnClose(link, code, reason));
    socket.send(encodeWelcome(this.options.myId, conn.welcomeProof));
    this.options.logger.info('inbound peer link up', { peer, remote: conn.remote });
  }

  private socketOnMessage(link: InboundLink, data: RawData, isBinary: boolean): void {
    if (this.closing || link.rejected) return;
    link.lastHeardMs = performance.now();
    // A retired link's late frames would interleave with the newer link's: drop them.
    if (this.links.get(link.peer) !== link) return;
    if (!isBinary) {
      this.reject(link, PeerCloseCode.PROTOCOL_ERROR, 'text frame on a peer link');
      return;
    }
    let frame: unknown;
    try {
      frame = decodeFrame(rawDataBytes(data));
    } catch (err) {
      this.reject(link, PeerCloseCode.PROTOCOL_ERROR, 'undecodable frame', errorText(err));
      return;
    }
    if (!Array.isArray(frame)) {
      this.reject(link, PeerCloseCode.PROTOCOL_ERROR, 'expected a batch (array) frame');
      return;
    }
    this.deliver(link.peer, frame);
  }

  private deliver(from: number, batch: readonly unknown[]): void {
    this.received.set(from, this.receivedFrom(from) + batch.length);
    const validate = this.options.validate;
    let dropped = 0;
    for (const raw of batch) {
      // The callback may close the transport: nothing after that is delivered.
      if (this.closing) return;
      const message = validate === undefined ? raw : validate(raw);
      if (message === undefined) dropped++;
      else this.options.onMessage(from, message);
    }
    if (dropped > 0) this.noteMalformed(from, dropped, batch.length);
  }

  /** One line per batch at most, and a warning at most every malformedWarnIntervalMs per member. */
  private noteMalformed(from: number, dropped: number, batchSize: number): void {
    const tally = this.malformed.get(from) ?? { total: 0, sinceWarn: 0, lastWarnMs: -Infinity };
    this.malformed.set(from, tally);
    tally.total += dropped;
    tally.sinceWarn += dropped;
    const now = performance.now();
    const meta = { peer: from, dropped, batch: batchSize, droppedTotal: tally.total };
    if (now - tally.lastWarnMs < TRANSPORT_LIMITS.malformedWarnIntervalMs) {
      this.options.logger.debug('dropped malformed peer messages', meta);
      return;
    }
    this.options.logger.warn('dropped malformed peer messages', { ...meta, droppedSinceLastWarning: tally.sinceWarn });
    tally.sinceWarn = 0;
    tally.lastWarnMs = now;
  }

  /** Closes an established link that broke the protocol; `detail` (the peer's own text) is logged clipped. */
  private reject(link: InboundLink, code: number, reason: string, detail?: string): void {
    if (link.rejected) return;
    link.rejected = true;
    const logged = detail === undefined ? reason : `${reason}: ${clipForLog(detail)}`;
    this.options.logger.warn('closing inbound peer link', { peer: link.peer, remote: link.remote, code, reason: logged });
    void closeSocket(link.socket, code, reason);
  }

  private socketOnClose(link: InboundLink, code: number, reason: Buffer): void {
    // A retired link is no longer the member's link: its close says nothing about the member.
    if (this.links.get(link.peer) !== link) return;
    this.links.delete(link.peer);
    this.options.logger.info('inbound peer link down', { peer: link.peer, code, reason: clipForLog(reason.toString()) });
    if (!this.closing) this.options.onInboundDown?.(link.peer);
  }
}
