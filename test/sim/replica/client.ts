// A simulated client: one session over a succession of connections, behaving as the SDK's connection
// (client/connection.ts) does, minus WebSockets and msgpack. Requests go out in call order (those made
// while disconnected queue up); a dropped link fails what is in flight with CONNECTIONLOSS and the next
// server is tried with backoff, presenting the session id, password and last zxid seen; once resumed it
// re-registers its watches with setWatches2 before anything queued. Pings go out after a third of the
// timeout idle; two thirds without a frame counts as a lost link. SESSION_ENDED, or a connect answered
// SESSIONEXPIRED, expires the session. The watch registry is the SDK's own (client/watches.ts).
// On the way it checks what it is told: answers come in request order (FIFO), and every watch event is
// one the client is owed (a one-shot watch fires once).
import { ErrorCode, EventType, OpCode, PROTOCOL_VERSION, Xid, CloseCode } from '../../../protocol/index.js';
import type { ConnectResponse, NotificationFrame, Request, Response, WatchedEvent } from '../../../protocol/index.js';
import { Backoff } from '../../../protocol/backoff.js';
import { WatchRegistry } from '../../../client/watches.js';
import type { WatchKind } from '../../../client/watches.js';
import type { ClientFrame } from '../../../src/replica/ports.js';
import type { Prng } from '../prng.js';
import type { Trace } from '../trace.js';
import { ClientCheckError } from './client-checks.js';
import type { ArmedKind, ArmedWatch, ClientChecks } from './client-checks.js';
import type { ConnClient, SimConn } from './client-link.js';

export type ClientPhase = 'connecting' | 'connected' | 'closing' | 'closed' | 'expired';

/** Requests in flight or queued per client; the workload keeps far fewer. */
export const CLIENT_REQUESTS_MAX = 1000;
/** Frames held while a client is silent (its process stopped). */
export const HELD_FRAMES_MAX = 10_000;

/** What becomes of a request: an answer, or none (CONNECTIONLOSS: link lost; SESSIONEXPIRED: session over). */
export interface Submitted {
  answered(resp: Response): void;
  lost(err: number): void;
}

interface InFlight {
  req: Request;
  cb: Submitted | undefined;
}

export interface ClientEnv {
  readonly now: number;
  clockMs(): number;
  readonly serverIds: readonly number[];
  /** Opens a connection from this client to a server. */
  connect(client: SimClient, serverId: number): SimConn;
  readonly checks: ClientChecks;
  readonly trace: Trace;
  /** A fresh id for the register history: one per session. */
  nextLogicalClient(): number;
}

/** Which one-shot watch kinds an event consumes (client/watches.ts's dispatch rules). */
const CONSUMES: Record<number, readonly ArmedKind[]> = {
  [EventType.NodeCreated]: ['data', 'exist'],
  [EventType.NodeDataChanged]: ['data', 'exist'],
  [EventType.NodeChildrenChanged]: ['child'],
  [EventType.NodeDeleted]: ['data', 'exist', 'child'],
};

const RETRY_INITIAL_MS = 20;
const RETRY_MAX_MS = 400;
/** A client whose session ended starts a new one after a while. */
const RESTART_MIN_MS = 20;
const RESTART_MAX_MS = 500;
/** A connection attempt gets at least this long to finish its handshake. */
const ATTEMPT_MIN_MS = 200;

export class SimClient implements ConnClient {
  phase: ClientPhase = 'connecting';
  conn: SimConn | undefined;
  established = false;
  sessionId = 0;
  private passwd = new Uint8Array(0);
  timeoutMs: number;
  lastZxidSeen = 0;
  /** As the SDK: the last zxid of an answer, not an event; watches are re-registered relative to it. */
  private lastAnsweredZxid = 0;
  /** The register-history client id of the current session. */
  logical: number;
  sessions = 0;
  /** Sessions this client ended (closed or was told expired), for the end-of-run checks. */
  readonly endedSessions: number[] = [];
  readonly watches = new WatchRegistry();
  private readonly armed = new Map<string, ArmedWatch>();
  private serverIndex: number;
  private nextXid = 1;
  /** Sent on the current connection and not yet answered, in send order (pings and setWatches too). */
  private pending: InFlight[] = [];
  /** Made while disconnected: sent once a session is established. */
  private queued: InFlight[] = [];
  private readonly backoff: Backoff;
  private retryAtMs = 0;
  private attemptDeadlineMs = 0;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  /** When a closed or expired client starts its next session (0: it does not). */
  restartAtMs = 0;
  /** While the client is silent (its process stopped), what arrives waits. */
  silentUntil = 0;
  private held: Array<() => void> = [];
  readonly stats = { events: 0, expiries: 0, linkLosses: 0, connects: 0 };

  constructor(
    readonly id: number,
    private readonly requestedTimeoutMs: number,
    private readonly rng: Prng,
    private readonly env: ClientEnv,
  ) {
    this.timeoutMs = requestedTimeoutMs;
    this.serverIndex = rng.int(0, env.serverIds.length - 1);
    this.logical = env.nextLogicalClient();
    this.backoff = new Backoff({ initialDelayMs: RETRY_INITIAL_MS, maxDelayMs: RETRY_MAX_MS, random: () => rng.next() });
  }

  get silent(): boolean {
    return this.silentUntil > this.env.now;
  }

  /** Requests sent and not answered, or queued. */
  get inFlight(): number {
    return this.pending.filter((p) => p.req.xid >= 0).length + this.queued.length;
  }

  get serverId(): number {
    return this.established && this.conn !== undefined ? this.conn.server.id : 0;
  }

  // ---- what the workload calls ----

  /** Sends a request now, or queues it until a session is established; false when the session is over. */
  submit(body: Omit<Request, 'xid'>, cb: Submitted): boolean {
    if (this.phase !== 'connected' && this.phase !== 'connecting') return false;
    if (this.pending.length + this.queued.length >= CLIENT_REQUESTS_MAX) throw new ClientCheckError('client', `client ${this.id} has more than ${CLIENT_REQUESTS_MAX} requests in flight`);
    const req = { ...body, xid: this.nextXid++ } as Request;
    const f: InFlight = { req, cb };
    if (this.established) this.transmit(f);
    else this.queued.push(f);
    return true;
  }

  /** A watch read was answered: register the watch the SDK would (client.ts registers on the answer). */
  arm(kind: ArmedKind, path: string, sinceZxid: number, onEvent: (e: WatchedEvent) => void): void {
    this.watches.add(kind as WatchKind, path, onEvent);
    const key = `${kind}\u0000${path}`;
    if (!this.armed.has(key)) this.armed.set(key, { kind, path, sinceZxid });
  }

  /** Ends the session: closeSession, and the session is over once answered (or the link is lost). */
  close(): void {
    if (this.phase !== 'connected') return;
    this.phase = 'closing';
    this.submitInPhase({ op: OpCode.closeSession } as Omit<Request, 'xid'>, {
      answered: (r) => this.finishClose(r.err === ErrorCode.OK),
      lost: () => this.finishClose(false),
    });
  }

  /** The client's process stops until the given step: nothing is sent, what arrives waits. */
  goSilent(untilStep: number): void {
    this.silentUntil = Math.max(this.silentUntil, untilStep);
  }

  // ---- each step ----

  step(): void {
    if (this.silent) return;
    if (this.held.length > 0) this.wake();
    const now = this.env.clockMs();
    switch (this.phase) {
      case 'connecting':
        if (this.conn === undefined && now >= this.retryAtMs) this.attempt();
        else if (this.conn !== undefined && now >= this.attemptDeadlineMs) this.linkLost('no session before the attempt timed out');
        return;
      case 'connected':
      case 'closing':
        return this.checkLiveness(now);
      case 'closed':
      case 'expired':
        if (this.restartAtMs > 0 && now >= this.restartAtMs) this.newSession();
        return;
    }
  }

  /** A process resumed: its timers and its socket's frames both ran; in either order. */
  private wake(): void {
    const held = this.held;
    this.held = [];
    const timersFirst = this.rng.chance(0.5);
    if (timersFirst && (this.phase === 'connected' || this.phase === 'closing')) this.checkLiveness(this.env.clockMs());
    for (const run of held) run();
  }

  private newSession(): void {
    this.phase = 'connecting';
    this.sessionId = 0;
    this.passwd = new Uint8Array(0);
    this.lastZxidSeen = 0;
    this.lastAnsweredZxid = 0;
    this.timeoutMs = this.requestedTimeoutMs;
    this.logical = this.env.nextLogicalClient();
    this.restartAtMs = 0;
    this.backoff.reset();
    this.retryAtMs = this.env.clockMs();
  }

  private attempt(): void {
    const ids = this.env.serverIds;
    const serverId = ids[this.serverIndex % ids.length]!;
    this.serverIndex = (this.serverIndex + 1) % ids.length;
    this.stats.connects += 1;
    this.established = false;
    this.conn = this.env.connect(this, serverId);
    this.conn.open({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: this.lastZxidSeen, timeoutMs: this.requestedTimeoutMs, sessionId: this.sessionId, passwd: this.passwd, readOnly: false });
    const now = this.env.clockMs();
    this.lastSentMs = now;
    this.attemptDeadlineMs = now + Math.max(ATTEMPT_MIN_MS, Math.floor(this.timeoutMs / ids.length));
    this.env.trace.add(this.env.now, 0, 'client', ['attempt', this.id, serverId, this.sessionId, this.lastZxidSeen]);
  }

  private checkLiveness(now: number): void {
    if (!this.established || this.conn === undefined) return;
    if (now - this.lastReceivedMs >= (this.timeoutMs * 2) / 3) return this.linkLost(`nothing received for ${now - this.lastReceivedMs} ms`);
    if (now - this.lastSentMs >= this.timeoutMs / 3) this.transmit({ req: { xid: Xid.PING, op: OpCode.ping } as Request, cb: undefined });
  }

  // ---- frames from the connection ----

  frameArrived(conn: SimConn, frame: ClientFrame): void {
    // While silent, and until what arrived meanwhile has been taken, frames wait their turn.
    if (this.silent || this.held.length > 0) return this.hold(() => this.frameArrived(conn, frame));
    if (conn !== this.conn) return;
    this.lastReceivedMs = this.env.clockMs();
    if (!this.established) return this.handshake(frame as ConnectResponse);
    this.route(frame as Response | NotificationFrame);
  }

  closeArrived(conn: SimConn, code: number, reason: string): void {
    if (this.silent || this.held.length > 0) return this.hold(() => this.closeArrived(conn, code, reason));
    if (conn !== this.conn) return;
    if (code === CloseCode.SESSION_ENDED && this.phase !== 'closing') return this.expire(`closed: ${reason}`);
    this.linkLost(`closed (${code}: ${reason})`);
  }

  private hold(run: () => void): void {
    if (this.held.length >= HELD_FRAMES_MAX) throw new ClientCheckError('client', `client ${this.id} holds more than ${HELD_FRAMES_MAX} frames`);
    this.held.push(run);
  }

  private handshake(r: ConnectResponse): void {
    if (r.err === ErrorCode.SESSIONEXPIRED) return this.expire('connect answered SESSIONEXPIRED');
    if (r.err !== ErrorCode.OK || r.timeoutMs <= 0) return this.linkLost(`connect refused with ${r.err}`);
    if (this.sessionId !== 0 && r.sessionId !== this.sessionId) throw new ClientCheckError('session', `client ${this.id} resumed session ${this.sessionId} but was given ${r.sessionId}`);
    if (this.sessionId === 0) this.sessions += 1;
    this.established = true;
    this.sessionId = r.sessionId;
    this.passwd = Uint8Array.from(r.passwd);
    this.timeoutMs = r.timeoutMs;
    this.backoff.reset();
    if (this.phase === 'connecting') this.phase = 'connected';
    this.lastSentMs = this.lastReceivedMs = this.env.clockMs();
    this.env.trace.add(this.env.now, 0, 'client', ['session', this.id, this.conn!.server.id, r.sessionId, r.zxid]);
    // Watches first, so that the server re-arms them before it serves anything queued behind them.
    if (this.watches.size > 0) {
      const snapshot = this.watches.snapshot();
      this.transmit({ req: { xid: Xid.SET_WATCHES, op: OpCode.setWatches2, relativeZxid: this.lastAnsweredZxid, ...snapshot }, cb: undefined });
    }
    const queued = this.queued;
    this.queued = [];
    for (const f of queued) this.transmit(f);
  }

  private route(frame: Response | NotificationFrame): void {
    const xid = frame.xid;
    // As client/connection.ts: every frame but a ping's answer moves the last zxid seen; only answers move the zxid watches are re-registered from.
    if (xid !== Xid.PING && frame.zxid > this.lastZxidSeen) this.lastZxidSeen = frame.zxid;
    if (xid !== Xid.PING && xid !== Xid.NOTIFICATION && frame.zxid > this.lastAnsweredZxid) this.lastAnsweredZxid = frame.zxid;
    if (xid === Xid.NOTIFICATION) return this.notification(frame as NotificationFrame);
    const head = this.pending.shift();
    if (head === undefined || head.req.xid !== xid) {
      throw new ClientCheckError('fifo', `client ${this.id} (session ${this.sessionId}) got the answer to xid ${xid} while the oldest request unanswered is xid ${head?.req.xid ?? 'none'}`);
    }
    this.answerArrived(frame as Response, head.req);
    head.cb?.answered(frame as Response);
  }

  /** Every watched change at or before the answer's zxid must have been notified before it. */
  private answerArrived(resp: Response, req: Request): void {
    if (this.armed.size === 0) return;
    const reArmed = req.op === OpCode.setWatches2;
    const checked = reArmed ? [...this.armed.values()].filter((w) => w.kind !== 'exist') : this.armed.values();
    this.env.checks.answerArrived(this.id, resp.zxid, req.xid, checked);
    if (!reArmed) return;
    // An exist watch re-registered on a missing node starts over from the server's state then (ZooKeeper
    // re-arms it without looking back: a node created and deleted meanwhile goes unnoticed).
    for (const w of this.armed.values()) if (w.kind === 'exist') w.sinceZxid = Math.max(w.sinceZxid, resp.zxid);
  }

  private notification(frame: NotificationFrame): void {
    const event: WatchedEvent = { type: frame.type as WatchedEvent['type'], state: frame.state as WatchedEvent['state'], path: frame.path, zxid: frame.zxid };
    this.stats.events += 1;
    const watchers = this.watches.triggered(event);
    if (watchers.length === 0) throw new ClientCheckError('watch', `client ${this.id} (session ${this.sessionId}) got event ${event.type} on ${event.path} at ${event.zxid} for no watch it holds (fired twice, or never set)`);
    for (const kind of CONSUMES[event.type] ?? []) this.armed.delete(`${kind}\u0000${event.path}`);
    for (const w of watchers) w(event);
  }

  private transmit(f: InFlight): void {
    this.pending.push(f);
    this.conn!.request(f.req, 64 + ('data' in f.req && f.req.data instanceof Uint8Array ? f.req.data.byteLength : 0));
    this.lastSentMs = this.env.clockMs();
  }

  private submitInPhase(body: Omit<Request, 'xid'>, cb: Submitted): void {
    const req = { ...body, xid: this.nextXid++ } as Request;
    this.transmit({ req, cb });
  }

  // ---- losing the link, the session ----

  /** The link is gone: in-flight requests fail with CONNECTIONLOSS and the next server is tried. */
  private linkLost(reason: string): void {
    this.stats.linkLosses += 1;
    this.env.trace.add(this.env.now, 0, 'client', ['linkLost', this.id, reason]);
    this.conn?.clientClose();
    this.conn = undefined;
    this.established = false;
    // Decided before the failures run their callbacks (the SDK settles its promises later).
    const wasClosing = this.phase === 'closing';
    this.failPending(ErrorCode.CONNECTIONLOSS);
    if (wasClosing) return this.finishClose(false);
    this.phase = 'connecting';
    this.retryAtMs = this.env.clockMs() + this.backoff.next();
  }

  private expire(reason: string): void {
    if (this.phase === 'closing') return this.finishClose(true);
    this.stats.expiries += 1;
    this.env.trace.add(this.env.now, 0, 'client', ['expired', this.id, this.sessionId, reason]);
    this.endSession('expired', true);
  }

  /** confirmed: the server answered the close (or said the session is over), so it must be gone. */
  private finishClose(confirmed: boolean): void {
    if (this.phase !== 'closing') return;
    this.env.trace.add(this.env.now, 0, 'client', ['closed', this.id, this.sessionId, confirmed]);
    this.endSession('closed', confirmed);
  }

  private endSession(phase: 'closed' | 'expired', confirmed: boolean): void {
    if (this.sessionId !== 0 && confirmed) this.endedSessions.push(this.sessionId);
    this.restartAtMs = this.env.clockMs() + this.rng.int(RESTART_MIN_MS, RESTART_MAX_MS);
    this.conn?.clientClose();
    this.conn = undefined;
    this.established = false;
    this.phase = phase;
    this.failPending(ErrorCode.SESSIONEXPIRED);
    const queued = this.queued;
    this.queued = [];
    for (const f of queued) f.cb?.lost(ErrorCode.SESSIONEXPIRED);
    this.watches.drain();
    this.armed.clear();
  }

  private failPending(err: number): void {
    const pending = this.pending;
    this.pending = [];
    for (const f of pending) f.cb?.lost(err);
  }
}
