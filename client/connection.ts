// One session over a succession of WebSocket links. The connection owns the link lifecycle: the
// handshake, pings and the read timeout, failing in-flight requests on a dropped link, reconnecting to
// the next server with backoff while presenting the session and the last zxid seen, re-sending the
// watches, and expiry and close. It knows nothing about what the requests mean (client.ts does).
//
// Invariants: requests go out in call order (queued ones before any later call); a request is only
// in `pending` while its link is up; every request settles exactly once.
import {
  CloseCode, DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_FRAME_BYTES, ErrorCode, OPS, OpCode, PROTOCOL_VERSION, Xid,
  decodeConnectResponse, encode, errorCodeName,
} from '../protocol/index.js';
import type { ConnectRequest, ConnectResponse, RequestBodies, ResponseHeader, WatchedEvent, WireOpName } from '../protocol/index.js';
import type { Backoff } from '../protocol/backoff.js';
import { serverUrl } from './connect-string.js';
import type { ServerAddress } from './connect-string.js';
import { KeeperError } from './errors.js';
import type { ConnectionFailure, ConnectionFailureCause } from './errors.js';
import { answerOf, readServerFrame } from './frames.js';
import type { Answer, ServerFrame } from './frames.js';
import { MAX_PENDING_REQUESTS, MAX_QUEUED_REQUESTS, RequestTable, throttled } from './requests.js';
import type { PendingRequest } from './requests.js';
import { setWatchesFrames } from './set-watches.js';
import type { TlsSettings } from './options.js';
import { ReadyState, errorEventCause, errorEventText, messageBytes, preferBuffers, writeCoalescer } from './socket.js';
import type { WebSocketConstructor, WebSocketLike } from './socket.js';
import type { WatchSnapshot } from './watches.js';

/**
 * The states a client reports through `state` events and Client.state:
 *
 * - connected: a link is up and the session is live on the server behind it.
 * - disconnected: the link dropped (or a server refused the handshake); the client is trying the servers
 *   again with backoff, and the session lives on in the ensemble until its timeout. Requests made meanwhile
 *   wait for the next link; those in flight failed with CONNECTIONLOSS.
 * - expired: the ensemble expired the session (a server refused to resume it, or closed the link because the
 *   session ended). Final: the client does not reconnect; make a new Client.
 * - closed: close() ended the session. Final.
 * - authFailed: the server refused an addAuthInfo (AUTHFAILED) or a request sent before authenticating on a
 * server that enforces it, and closed the connection, as ZooKeeper does. Like expired and closed it is
 * final: the client does not reconnect (the session itself lives on in the ensemble until it expires).
 */
export type ClientState = 'connected' | 'disconnected' | 'expired' | 'closed' | 'authFailed';
type Phase = 'connecting' | 'connected' | 'closing' | 'closed' | 'expired' | 'authFailed';

/** Whether the client is done for good: no reconnect will follow. */
export function isFinalState(state: ClientState): boolean {
  return state === 'expired' || state === 'closed' || state === 'authFailed';
}

/** A connection attempt gets at least this long to open and finish its handshake. */
export const MIN_ATTEMPT_TIMEOUT_MS = 1_000;

export interface ConnectionOptions {
  /** In the order to try them (already shuffled). */
  servers: readonly ServerAddress[];
  secure: boolean;
  /** Node TLS settings passed to the WebSocket constructor (`ws`); undefined: the constructor gets the url alone. */
  tls: TlsSettings | undefined;
  sessionTimeoutMs: number;
  readOnly: boolean;
  /** 0 for a new session. */
  sessionId: number;
  sessionPasswd: Uint8Array;
  webSocket: WebSocketConstructor;
  backoff: Backoff;
  now: () => number;
}

export interface ConnectionHooks {
  /** A watch notification (paths as the server sent them). */
  notification(event: WatchedEvent): void;
  stateChanged(state: ClientState): void;
  /** The watches to re-register after a reconnect, in server paths. */
  watches(): WatchSnapshot;
}

// Encoded once, and copied out of the codec's shared buffer.
const PING_FRAME = Uint8Array.from(encode({ xid: Xid.PING, op: OpCode.ping }));

export class Connection {
  private phase: Phase = 'connecting';
  private socket: WebSocketLike | undefined;
  /** Node only: batches the writes of one turn into one syscall (socket.ts). */
  private holdWrites: (() => void) | undefined;
  private socketUrl = '';
  /** What the current socket's error event said, for the message of its close. */
  private socketError: string | undefined;
  private socketErrorCause: ConnectionFailureCause = 'unknown';
  private established = false;
  private serverIndex = 0;
  private readonly requests = new RequestTable();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attemptQueued = false;
  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private livenessTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  private closed: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;

  sessionId: number;
  sessionPasswd: Uint8Array;
  /** Negotiated; the requested value until the first handshake. */
  sessionTimeoutMs: number;
  lastZxidSeen = 0;
  /**
   * The last zxid of an answer (not of an event): watches are re-registered relative to it. The events of one
   * txn are several frames and a link may break between them, so an event's zxid does not show that every
   * event of its txn arrived; every event of a txn at or before an answer's zxid was sent before that answer.
   */
  private lastAnsweredZxid = 0;
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  maxDataBytes = DEFAULT_MAX_DATA_BYTES;
  serverId = 0;
  /** Why the last link failed, for error messages. */
  lastError = '';
  /** The last link failure, typed; undefined until a link fails. */
  lastFailure: ConnectionFailure | undefined;

  constructor(private readonly options: ConnectionOptions, private readonly hooks: ConnectionHooks) {
    if (options.servers.length === 0) throw new Error('no server to connect to');
    this.sessionId = options.sessionId;
    this.sessionPasswd = options.sessionPasswd;
    this.sessionTimeoutMs = options.sessionTimeoutMs;
  }

  get state(): ClientState {
    switch (this.phase) {
      case 'connected':
      case 'closing':
        return 'connected';
      case 'connecting':
        return 'disconnected';
      case 'expired':
        return 'expired';
      case 'closed':
        return 'closed';
      case 'authFailed':
        return 'authFailed';
    }
  }

  /** The URL of the link being opened or in use ('' before the first attempt). */
  get attemptUrl(): string {
    return this.socketUrl;
  }

  get inFlightCount(): number {
    return this.requests.pendingCount + this.requests.queuedCount;
  }

  start(): void {
    this.scheduleAttempt();
  }

  /**
   * Sends a request now, or once connected. Resolves with the answer whatever its err; rejects only
   * when there is no answer: CONNECTIONLOSS, SESSIONEXPIRED, BADARGUMENTS (frame too large), THROTTLEDOP.
   * onResponse runs as the answer is read, before any later frame.
   */
  submit<K extends WireOpName>(op: K, body: RequestBodies[K], path?: string, onResponse?: (response: ResponseHeader) => void): Promise<Answer<K>> {
    if (this.phase === 'closing' || this.phase === 'closed') {
      return Promise.reject(new KeeperError(ErrorCode.SESSIONEXPIRED, path, { detail: 'session closed' }));
    }
    if (this.phase === 'expired') return Promise.reject(new KeeperError(ErrorCode.SESSIONEXPIRED, path, { detail: 'session expired' }));
    if (this.phase === 'authFailed') return Promise.reject(new KeeperError(ErrorCode.AUTHFAILED, path, { detail: this.lastError }));
    return this.send(op, body, path, onResponse);
  }

  /** Ends the session: closeSession and its answer when connected, else just stops. */
  close(): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    if (this.phase === 'connected') {
      this.phase = 'closing';
      const finish = (): void => this.finishClose();
      this.send('closeSession', {}).then(finish, finish);
    } else {
      this.finishClose();
    }
    return this.closed;
  }

  private send<K extends WireOpName>(op: K, body: RequestBodies[K], path?: string, onResponse?: (response: ResponseHeader) => void): Promise<Answer<K>> {
    const xid = this.requests.nextXid();
    const code = OPS[op].code;
    const frame = encode({ xid, op: code, ...body });
    if (frame.byteLength > this.maxFrameBytes) {
      const detail = `request is ${frame.byteLength} bytes, over the server's frame limit of ${this.maxFrameBytes}`;
      return Promise.reject(new KeeperError(ErrorCode.BADARGUMENTS, path, { detail }));
    }
    return new Promise<Answer<K>>((resolve, reject) => {
      const request: PendingRequest = { xid, op: code, path, onResponse, resolve: (answer) => resolve(answerOf<K>(answer)), reject };
      if (this.established) this.transmit(request, frame);
      else if (!this.requests.enqueue({ request, frame })) reject(throttled(path, 'waiting for a connection', MAX_QUEUED_REQUESTS));
    });
  }

  private transmit(request: PendingRequest, frame: Uint8Array): void {
    if (frame.byteLength > this.maxFrameBytes) {
      // Queued before this server stated a smaller limit.
      const detail = `request is ${frame.byteLength} bytes, over the server's frame limit of ${this.maxFrameBytes}`;
      request.reject(new KeeperError(ErrorCode.BADARGUMENTS, request.path, { detail }));
      return;
    }
    if (!this.requests.addPending(request)) {
      request.reject(throttled(request.path, 'in flight', MAX_PENDING_REQUESTS));
      return;
    }
    this.sendFrame(frame);
  }

  private sendFrame(frame: Uint8Array): void {
    const socket = this.socket;
    if (socket === undefined) return;
    try {
      this.holdWrites?.();
      socket.send(frame);
      this.lastSentMs = this.options.now();
    } catch (e) {
      this.linkLost(socket, 'closed', `send failed: ${(e as Error).message}`);
    }
  }

  // ---- link lifecycle ----

  private scheduleAttempt(): void {
    if (this.phase !== 'connecting' || this.retryTimer !== undefined || this.attemptQueued) return;
    const delayMs = this.options.backoff.next();
    if (delayMs === 0) {
      // The first try of a schedule goes at once: a timer would add a tick (about 1 ms) to every session open.
      this.attemptQueued = true;
      queueMicrotask(() => {
        this.attemptQueued = false;
        this.attempt();
      });
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, delayMs);
  }

  private attempt(): void {
    if (this.phase !== 'connecting') return;
    const servers = this.options.servers;
    const url = serverUrl(servers[this.serverIndex % servers.length] as ServerAddress, this.options.secure);
    this.serverIndex = (this.serverIndex + 1) % servers.length;
    let socket: WebSocketLike;
    try {
      const tls = this.options.tls;
      socket = tls === undefined ? new this.options.webSocket(url) : new this.options.webSocket(url, undefined, { ...tls });
      preferBuffers(socket);
    } catch (e) {
      this.lastError = `${url}: ${(e as Error).message}`;
      this.lastFailure = { cause: 'unknown', url, message: (e as Error).message };
      this.scheduleAttempt();
      return;
    }
    this.socket = socket;
    this.holdWrites = undefined;
    this.socketUrl = url;
    this.socketError = undefined;
    this.socketErrorCause = 'unknown';
    this.established = false;
    socket.addEventListener('open', () => this.socketOnOpen(socket));
    socket.addEventListener('message', (event) => this.socketOnMessage(socket, event.data));
    socket.addEventListener('close', (event) => this.socketOnClose(socket, event.code, event.reason));
    // Both runtimes follow an error with a close event, which carries the code: act on that one.
    socket.addEventListener('error', (event) => {
      if (socket !== this.socket) return;
      this.socketError = errorEventText(event);
      this.socketErrorCause = errorEventCause(event);
      this.lastError = `${url}: ${this.socketError ?? 'socket error'}`;
    });
    const attemptMs = Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.floor(this.sessionTimeoutMs / servers.length));
    this.attemptTimer = setTimeout(() => this.linkLost(socket, 'timeout', `${url}: no session within ${attemptMs} ms`), attemptMs);
  }

  private socketOnOpen(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    this.holdWrites = writeCoalescer(socket);
    const request: ConnectRequest = {
      protocolVersion: PROTOCOL_VERSION,
      lastZxidSeen: this.lastZxidSeen,
      timeoutMs: this.options.sessionTimeoutMs,
      sessionId: this.sessionId,
      passwd: this.sessionPasswd,
      readOnly: this.options.readOnly,
    };
    try {
      socket.send(encode(request));
    } catch (e) {
      this.linkLost(socket, 'closed', `${this.socketUrl}: send failed: ${(e as Error).message}`);
    }
  }

  private socketOnMessage(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    const bytes = messageBytes(data);
    if (bytes === undefined) return this.linkLost(socket, 'not-canopy', `${this.socketUrl}: text frame from the server`, CloseCode.PROTOCOL_ERROR);
    this.lastReceivedMs = this.options.now();
    if (!this.established) return this.handshake(socket, bytes);
    const frame = readServerFrame(bytes);
    if (typeof frame === 'string') return this.linkLost(socket, 'not-canopy', `${this.socketUrl}: ${frame}`, CloseCode.PROTOCOL_ERROR);
    this.route(socket, frame);
  }

  private socketOnClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    // A TLS failure (an untrusted certificate, a refused client certificate) shows in the error event only.
    const why = this.socketError !== undefined
      ? `${this.socketUrl}: ${this.socketError} (closed ${code})`
      : `${this.socketUrl} closed the connection (${code}${reason ? `: ${reason}` : ''})`;
    if (code === CloseCode.SESSION_ENDED && this.phase !== 'closing') {
      this.detachSocket();
      this.expire(why);
      return;
    }
    if (code === CloseCode.AUTH_FAILED && this.phase !== 'closing') {
      this.detachSocket();
      this.authFailed(why);
      return;
    }
    this.linkLost(socket, this.socketError !== undefined ? this.socketErrorCause : 'closed', why);
  }

  private handshake(socket: WebSocketLike, bytes: Uint8Array): void {
    const decoded = decodeConnectResponse(bytes);
    if (!decoded.ok) return this.linkLost(socket, 'not-canopy', `${this.socketUrl}: ${decoded.message}`, CloseCode.PROTOCOL_ERROR);
    const response = decoded.value;
    if (response.err === ErrorCode.SESSIONEXPIRED) {
      this.detachSocket();
      this.expire(`${this.socketUrl}: the session has expired`);
      return;
    }
    if (response.err !== ErrorCode.OK || response.timeoutMs <= 0) {
      return this.linkLost(socket, 'rejected', `${this.socketUrl}: connect refused with ${errorCodeName(response.err)}`);
    }
    this.establish(response);
  }

  private establish(response: ConnectResponse): void {
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
    this.established = true;
    this.sessionId = response.sessionId;
    // A copy: the decoded bytes may be a view into the whole frame.
    this.sessionPasswd = Uint8Array.from(response.passwd);
    this.sessionTimeoutMs = response.timeoutMs;
    this.maxFrameBytes = response.maxFrameBytes;
    this.maxDataBytes = response.maxDataBytes;
    this.serverId = response.serverId;
    this.options.backoff.reset();
    this.phase = 'connected';
    this.lastSentMs = this.lastReceivedMs = this.options.now();
    // Watches first, so that the server re-arms them before it serves anything queued behind them.
    for (const frame of setWatchesFrames(this.hooks.watches(), this.lastAnsweredZxid, this.maxFrameBytes)) this.sendFrame(frame);
    for (const { request, frame } of this.requests.drainQueue()) this.transmit(request, frame);
    this.armLiveness();
    this.hooks.stateChanged('connected');
  }

  private route(socket: WebSocketLike, frame: ServerFrame): void {
    const xid = frame.xid;
    if (xid !== Xid.PING && frame.zxid > this.lastZxidSeen) this.lastZxidSeen = frame.zxid;
    if (xid !== Xid.PING && xid !== Xid.NOTIFICATION && frame.zxid > this.lastAnsweredZxid) this.lastAnsweredZxid = frame.zxid;
    if (xid >= 0) {
      const request = this.requests.takePending(xid);
      if (request === undefined) return;
      request.onResponse?.(frame);
      request.resolve(frame);
      return;
    }
    if (xid === Xid.NOTIFICATION) {
      const { type, state, path, zxid } = frame;
      if (typeof type !== 'number' || typeof path !== 'string') {
        return this.linkLost(socket, 'not-canopy', `${this.socketUrl}: malformed notification`, CloseCode.PROTOCOL_ERROR);
      }
      this.hooks.notification({ type, state: state ?? 0, path, zxid });
    }
    // PING and SET_WATCHES answers need nothing more: receiving them already proved the link alive.
  }

  /** Drops the link: in-flight requests fail with CONNECTIONLOSS, then the next server is tried. */
  private linkLost(socket: WebSocketLike, cause: ConnectionFailureCause, reason: string, closeCode: number = CloseCode.NORMAL): void {
    if (socket !== this.socket) return;
    const wasConnected = this.phase === 'connected';
    const url = this.socketUrl;
    this.detachSocket(closeCode, reason);
    this.lastError = reason;
    this.lastFailure = { cause, url, message: reason };
    this.requests.failPending(ErrorCode.CONNECTIONLOSS, reason, this.lastFailure);
    if (this.phase === 'closing') return this.finishClose();
    if (wasConnected) {
      this.phase = 'connecting';
      this.hooks.stateChanged('disconnected');
    }
    this.scheduleAttempt();
  }

  private detachSocket(closeCode: number = CloseCode.NORMAL, reason = ''): void {
    const socket = this.socket;
    this.socket = undefined;
    this.established = false;
    clearTimeout(this.attemptTimer);
    clearTimeout(this.livenessTimer);
    this.attemptTimer = this.livenessTimer = undefined;
    if (socket === undefined) return;
    try {
      if (socket.readyState === ReadyState.CONNECTING || socket.readyState === ReadyState.OPEN) socket.close(closeCode, closeReason(reason));
    } catch {
      // Closing a socket that is going away anyway can throw in some runtimes; nothing to do about it.
    }
  }

  private authFailed(reason: string): void {
    if (this.phase === 'closed' || this.phase === 'expired' || this.phase === 'authFailed') return;
    this.end('authFailed', ErrorCode.AUTHFAILED, reason);
  }

  private expire(reason: string): void {
    if (this.phase === 'closing') return this.finishClose();
    if (this.phase === 'closed' || this.phase === 'expired' || this.phase === 'authFailed') return;
    this.detachSocket();
    this.end('expired', ErrorCode.SESSIONEXPIRED, reason);
  }

  /** A final state other than closed: no reconnect, and every request waiting fails with err. */
  private end(phase: 'expired' | 'authFailed', err: ErrorCode, reason: string): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.phase = phase;
    this.lastError = reason;
    this.requests.failPending(err, reason);
    this.requests.failQueued(err, reason);
    this.hooks.stateChanged(phase);
  }

  private finishClose(): void {
    if (this.phase !== 'closed') {
      this.phase = 'closed';
      this.detachSocket();
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.requests.failPending(ErrorCode.CONNECTIONLOSS, 'client closed');
      this.requests.failQueued(ErrorCode.SESSIONEXPIRED, 'session closed');
      this.hooks.stateChanged('closed');
    }
    this.resolveClosed?.();
  }

  // ---- liveness: ping when idle for a third of the timeout, drop after two thirds of silence ----

  private armLiveness(): void {
    clearTimeout(this.livenessTimer);
    const socket = this.socket;
    if (socket === undefined || !this.established) return;
    const pingDueMs = this.lastSentMs + this.sessionTimeoutMs / 3;
    const deadDueMs = this.lastReceivedMs + (this.sessionTimeoutMs * 2) / 3;
    const waitMs = Math.max(0, Math.min(pingDueMs, deadDueMs) - this.options.now());
    this.livenessTimer = setTimeout(() => this.checkLiveness(socket), Math.ceil(waitMs));
  }

  private checkLiveness(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    const now = this.options.now();
    if (now - this.lastReceivedMs >= (this.sessionTimeoutMs * 2) / 3) {
      return this.linkLost(socket, 'timeout', `${this.socketUrl}: nothing received for ${now - this.lastReceivedMs} ms`, CloseCode.TIMEOUT);
    }
    if (now - this.lastSentMs >= this.sessionTimeoutMs / 3) this.sendFrame(PING_FRAME);
    this.armLiveness();
  }
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
function closeReason(reason: string): string {
  const encoder = new TextEncoder();
  let r = reason;
  while (encoder.encode(r).byteLength > 123) r = r.slice(0, -4);
  return r;
}
