// Sessions as one server sees them: the handshake (create or resume), which connection holds each
// session here, the sessions being closed or expired, liveness (touches, expiry on the leader) and what
// happens when a session's close or expiry commits. The replicated session table itself is the tree's.
//
// One owner: `closing` is the only record of sessions that must not be served any more while their
// close or expiry is in flight (a client's closeSession, or an expiry this leader proposed). Prep keeps
// its own view of session txns in flight, which answers a different question (what the txns ahead say).
import { CloseCode, ErrorCode, OpCode, PROTOCOL_VERSION, SESSION_PASSWD_BYTES, hex } from '../../protocol/index.js';
import type { ConnectRequest, ConnectResponse, Txn } from '../../protocol/index.js';
import type { ApplyResult, DataTree } from '../tree/data-tree.js';
import type { WatchManager } from '../tree/watch-manager.js';
import type { ClientHandle } from './client-handle.js';
import { NO_INJECTED_BUGS } from './injected-bugs.js';
import type { InjectedBugs } from './injected-bugs.js';
import type { ReplicaLog } from './ports.js';
import { SessionIdGenerator, sameBytes } from './session-ids.js';
import { SessionLiveness } from './session-liveness.js';
import type { LivenessRole } from './session-liveness.js';
import { NO_IDS, type WritePath } from './write-path.js';

export interface SessionOptions {
  serverId: number;
  tickTime: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  maxFrameBytes: number;
  maxDataBytes: number;
}

export interface SessionEnv {
  clock(): number;
  randomBytes(count: number): Uint8Array;
  log: ReplicaLog;
  /** Whether this server serves clients now. */
  serving(): boolean;
}

/** Why a session is not to be served: its client closed it, or this leader proposed its expiry. */
type Closing = 'closed' | 'expiring';

export class SessionService {
  private readonly connsBySession = new Map<number, ClientHandle>();
  private readonly closing = new Map<number, Closing>();
  private readonly ids: SessionIdGenerator;
  readonly liveness: SessionLiveness;

  constructor(
    private readonly opts: SessionOptions,
    private readonly tree: DataTree,
    private readonly watches: WatchManager,
    private readonly writePath: WritePath,
    private readonly env: SessionEnv,
    private readonly bugs: InjectedBugs = NO_INJECTED_BUGS,
  ) {
    this.ids = new SessionIdGenerator(opts.serverId, env.clock());
    this.liveness = new SessionLiveness(opts.tickTime, {
      sessions: () => this.tree.sessions,
      isClosing: (sessionId) => this.closing.has(sessionId),
      expire: (sessionId) => this.expire(sessionId),
      report: (sessions) => this.writePath.reportTouches(sessions),
    }, env.clock);
  }

  get connectionCount(): number {
    return this.connsBySession.size;
  }

  connection(sessionId: number): ClientHandle | undefined {
    return this.connsBySession.get(sessionId);
  }

  /** Whether requests of this session must not be served (its close or expiry is in flight here). */
  closingState(sessionId: number): Closing | undefined {
    return this.closing.get(sessionId);
  }

  // ---- the handshake ----

  connect(conn: ClientHandle, req: ConnectRequest): void {
    if (req.protocolVersion !== PROTOCOL_VERSION) {
      return conn.close(CloseCode.UNSUPPORTED_VERSION, `protocol version ${req.protocolVersion} not supported (server speaks ${PROTOCOL_VERSION})`);
    }
    if (req.lastZxidSeen > this.tree.lastZxid) {
      this.env.log.info('refusing client ahead of us', { clientZxid: hex(req.lastZxidSeen), ourZxid: hex(this.tree.lastZxid) });
      return conn.close(CloseCode.SERVER_BEHIND, `client has seen zxid ${hex(req.lastZxidSeen)}, server only ${hex(this.tree.lastZxid)}`);
    }
    const timeoutMs = Math.min(this.opts.maxSessionTimeout, Math.max(this.opts.minSessionTimeout, req.timeoutMs));
    if (req.sessionId === 0) return this.create(conn, timeoutMs);
    this.resume(conn, req, false);
  }

  /** caughtUp: this server has applied everything the leader had proposed when the handshake arrived. */
  private resume(conn: ClientHandle, req: ConnectRequest, caughtUp: boolean): void {
    const closing = this.closing.get(req.sessionId);
    // Its close or expiry is in flight and may never commit: nobody is told "expired" before it does (the
    // client retries; once the close commits the session is unknown and the answer is SESSIONEXPIRED).
    if (closing !== undefined) return conn.close(CloseCode.NOT_SERVING, `session ${hex(req.sessionId)} is being ${closing === 'expiring' ? 'expired' : 'closed'}; retry`);
    const record = this.tree.sessions.get(req.sessionId);
    if (record === undefined && closing === undefined && !caughtUp) {
      // Unknown here may only mean not applied here yet: a session made through a server ahead of this one,
      // whose client has seen no zxid since (lastZxidSeen 0 passes the check above). Catch up with the leader
      // first, as ZooKeeper revalidates a session with its leader, rather than tell a live session it expired.
      this.writePath.sync(() => {
        if (conn.isConnecting && this.env.serving()) this.resume(conn, req, true);
      });
      return;
    }
    if (record === undefined || !sameBytes(record.passwd, req.passwd)) {
      this.env.log.info('refusing unknown or expired session', { session: hex(req.sessionId) });
      conn.sendConnectResponse(this.connectResponse(ErrorCode.SESSIONEXPIRED, 0, req.sessionId, new Uint8Array(0)));
      return conn.close(CloseCode.SESSION_ENDED, `session ${hex(req.sessionId)} expired or unknown`);
    }
    const previous = this.connsBySession.get(req.sessionId);
    if (previous !== undefined && previous !== conn) previous.close(CloseCode.SESSION_MOVED, `session ${hex(req.sessionId)} moved to another connection`);
    this.accept(conn, record.sessionId, record.timeoutMs, record.passwd);
  }

  private create(conn: ClientHandle, timeoutMs: number): void {
    const sessionId = this.ids.nextId((id) => this.tree.sessions.has(id));
    const passwd = this.env.randomBytes(SESSION_PASSWD_BYTES);
    this.writePath.submit({ op: OpCode.createSession, timeoutMs, passwd, newSessionId: sessionId }, sessionId, 0, NO_IDS, (outcome) => {
      if (outcome.err !== ErrorCode.OK) return conn.close(CloseCode.NOT_SERVING, `could not create a session: ${outcome.err}`);
      // A client gone before its session was made leaves the session to expire on its own.
      if (!conn.isConnecting || !this.env.serving()) return;
      this.accept(conn, sessionId, timeoutMs, passwd);
    });
  }

  private accept(conn: ClientHandle, sessionId: number, timeoutMs: number, passwd: Uint8Array): void {
    this.connsBySession.set(sessionId, conn);
    conn.opened(sessionId, timeoutMs);
    this.liveness.touch(sessionId, timeoutMs);
    conn.sendConnectResponse(this.connectResponse(ErrorCode.OK, timeoutMs, sessionId, passwd));
    this.env.log.debug('session connected', { session: hex(sessionId), conn: conn.id, timeoutMs });
  }

  connectResponse(err: number, timeoutMs: number, sessionId: number, passwd: Uint8Array): ConnectResponse {
    return {
      protocolVersion: PROTOCOL_VERSION, err, timeoutMs, sessionId, passwd, readOnly: false, zxid: this.tree.lastZxid,
      maxFrameBytes: this.opts.maxFrameBytes, maxDataBytes: this.opts.maxDataBytes, serverId: this.opts.serverId,
    };
  }

  /** A connection went away: its watches go with it (the client re-registers them with setWatches2). */
  disconnected(conn: ClientHandle): void {
    if (conn.sessionId === 0 || this.connsBySession.get(conn.sessionId) !== conn) return;
    this.connsBySession.delete(conn.sessionId);
    this.watches.removeSession(conn.sessionId);
  }

  // ---- closing and expiring ----

  /** The client asked to close its session: later requests get SESSIONEXPIRED, as in ZooKeeper. */
  markClosed(sessionId: number): void {
    this.closing.set(sessionId, 'closed');
  }

  private expire(sessionId: number): void {
    // Injected bug (simulator only): the session ends here alone; no closeSession txn is committed.
    if (this.bugs.expireWithoutTxn) return this.ended(sessionId, true);
    this.closing.set(sessionId, 'expiring');
    // Its client may be connected here (a leader hears its own clients directly): it must not go on as if
    // its session were safe, and it cannot be told the session expired before that is decided.
    this.connsBySession.get(sessionId)?.close(CloseCode.NOT_SERVING, `session ${hex(sessionId)} is being expired; retry`);
    // xid 0 marks a server-initiated close: an expiry, not a client's closeSession.
    this.writePath.submit({ op: OpCode.closeSession }, sessionId, 0, NO_IDS, (outcome) => {
      if (outcome.err === ErrorCode.OK) return;
      if (this.closing.get(sessionId) === 'expiring') this.closing.delete(sessionId);
      this.env.log.warn('session expiry failed', { session: hex(sessionId), err: outcome.err });
    });
  }

  /** After each applied txn: sessions made and ended. */
  applied(txn: Txn, result: ApplyResult): void {
    if (result.err !== ErrorCode.OK) return;
    if (txn.body.type === 'createSession') this.liveness.created(txn.body.sessionId, txn.body.timeoutMs);
    else if (txn.body.type === 'closeSession') this.ended(txn.body.sessionId, txn.xid === 0);
  }

  private ended(sessionId: number, expired: boolean): void {
    this.liveness.ended(sessionId);
    this.closing.delete(sessionId);
    if (!expired) return;
    this.env.log.info('session expired', { session: hex(sessionId) });
    this.connsBySession.get(sessionId)?.close(CloseCode.SESSION_ENDED, `session ${hex(sessionId)} expired`);
  }

  setRole(role: LivenessRole): void {
    this.liveness.setRole(role);
  }

  /** Not serving: every connection is dropped (clients reconnect, here or elsewhere); sessions live on. */
  stopServing(reason: string): void {
    this.closing.clear();
    this.liveness.setRole('idle');
    for (const conn of [...this.connsBySession.values()]) conn.close(CloseCode.NOT_SERVING, `server stopped serving: ${reason}`);
  }

  /** Every half tick; returns how long this server had stalled before it (0 if it had not). */
  tick(): number {
    return this.liveness.tick();
  }
}
