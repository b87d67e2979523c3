// A Canopy server: storage recovery, the ZAB peer and its driver, the write path (prep → ZAB → commit →
// apply), client connections, session liveness, container/TTL cleanup and snapshots, on one event loop.
// A standalone server is an ensemble of one: the same peer, elected by its own vote.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode, OpCode, PROTOCOL_VERSION, hex } from '../../protocol/index.js';
import type { ConnectRequest, ConnectResponse, Request, Response, Txn, WatchedEvent } from '../../protocol/index.js';
import { PeerTransport, ensembleIdOf } from '../transport/index.js';
import { ZabPeer, asPeerMessage } from '../zab/index.js';
import type { PeerMessage, PeerStatus } from '../zab/index.js';
import { LevelStorage } from '../storage/index.js';
import type { TxnStore } from '../storage/index.js';
import { DataTree } from '../tree/data-tree.js';
import type { ApplyResult, TreeSnapshot } from '../tree/data-tree.js';
import { WatchManager, WatchLimitError } from '../tree/watch-manager.js';
import { ClientConnection } from './client-connection.js';
import type { ConnectionHandler } from './client-connection.js';
import { ClientListener } from './client-listener.js';
import { throttledLogger } from './log-throttle.js';
import { RequestBudget } from '../replica/request-budget.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { Prep } from '../replica/prep.js';
import type { WriteRequest } from '../replica/prep.js';
import { asLeaderPayload, asLearnerPayload } from '../replica/forwarding.js';
import { executeAuthOp, executeRead, isReadRequest } from '../replica/read-ops.js';
import type { ReadRequest } from '../replica/read-ops.js';
import { SessionIdGenerator, newSessionPasswd, sameBytes } from '../replica/session-ids.js';
import { SessionLiveness } from '../replica/session-liveness.js';
import { WritePath } from '../replica/write-path.js';
import { ZabDriver } from './zab-driver.js';
import type { ReplicaHost } from './zab-driver.js';
import { writeResponse } from '../replica/write-responses.js';

/** Handshakes waiting for the server to serve (during an election), and how long one may wait. */
const HELD_HANDSHAKES_MAX = 10_000;
const HANDSHAKE_HOLD_MAX_MS = 2_000;

export class CanopyServer implements ConnectionHandler, ReplicaHost {
  private readonly tree: DataTree;
  private readonly watches: WatchManager;
  private readonly writePath: WritePath;
  private driver!: ZabDriver;
  private transport: PeerTransport<PeerMessage> | undefined;
  private readonly liveness: SessionLiveness;
  private readonly heldHandshakes = new Map<ClientConnection, { req: ConnectRequest; timer: NodeJS.Timeout }>();
  private status: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };
  private readonly ids: SessionIdGenerator;
  private readonly voters: readonly number[];
  private readonly connsBySession = new Map<number, ClientConnection>();
  /** Writes and syncs in flight from every connection (globalOutstandingLimit / globalOutstandingBytes). */
  private readonly budget: RequestBudget;
  /** For what input can provoke: bounded, rate-limited lines. */
  private readonly inputLog: Logger;
  /** Sessions whose client asked to close them: further requests get SESSIONEXPIRED, as in ZooKeeper. */
  private readonly closingSessions = new Set<number>();
  /**
   * Sessions this leader proposed to expire, not yet committed. The expiry may never commit (this leader
   * may have lost its quorum), so nobody is told "expired" until it does: their clients are sent to retry.
   */
  private readonly expiringSessions = new Set<number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private listener: ClientListener | undefined;
  private serving = false;
  private txnsSinceSnapshot = 0;
  private readonly snapshotAfterTxns: number;
  private snapshotInProgress: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: Readonly<Config>,
    private readonly store: TxnStore,
    tree: DataTree,
    private readonly log: Logger,
  ) {
    this.tree = tree;
    this.inputLog = throttledLogger(log);
    this.budget = new RequestBudget({ countMax: config.globalOutstandingLimit, bytesMax: config.globalOutstandingBytes });
    this.watches = new WatchManager({ watchesPerSessionMax: config.maxWatchesPerSession });
    const prep = new Prep(tree, { maxDataBytes: config.maxDataBytes });
    this.writePath = new WritePath(tree, prep, this.watches, {
      deliverEvent: (sessionId, event) => this.deliverEvent(sessionId, event),
      afterApply: (txn, result) => this.afterApply(txn, result),
      propose: (txns) => this.driver.propose(txns),
      forward: (payload) => this.driver.forward(payload),
      reply: (to, payload) => this.driver.reply(to, payload),
      touchSessions: (sessions) => this.liveness.reported(sessions),
    });
    this.liveness = new SessionLiveness(config.tickTime, {
      sessions: () => this.tree.sessions,
      isClosing: (sessionId) => this.closingSessions.has(sessionId) || this.expiringSessions.has(sessionId),
      expire: (sessionId) => this.expireSession(sessionId),
      report: (sessions) => this.driver.forward({ kind: 'touch', sessions }),
    });
    this.ids = new SessionIdGenerator(config.serverId, Date.now());
    this.voters = config.servers.length > 0 ? config.servers.map((s) => s.id) : [config.serverId];
    // Spread snapshots like ZooKeeper so the servers of an ensemble do not all snapshot at once.
    this.snapshotAfterTxns = Math.floor(config.snapCount / 2) + Math.floor(Math.random() * Math.ceil(config.snapCount / 2));
  }

  /** Recovers state from dataDir, joins the ensemble (or elects itself) and serves clients once synced. */
  static async start(config: Readonly<Config>, log: Logger): Promise<CanopyServer> {
    mkdirSync(config.dataDir, { recursive: true });
    const started = Date.now();
    const store = await LevelStorage.open(join(config.dataDir, 'db'), { logger: log });
    let server: CanopyServer | undefined;
    try {
      const recovered = await store.recover();
      // Only the snapshot is known committed; the log after it is committed by ZAB once a leader adopts it.
      const tree = recovered.snapshot !== undefined ? DataTree.fromSnapshot(recovered.snapshot as unknown as TreeSnapshot) : new DataTree();
      const acceptedEpoch = (await store.getMeta('acceptedEpoch')) ?? 0;
      const currentEpoch = (await store.getMeta('currentEpoch')) ?? 0;
      log.info('recovered state', {
        snapshotZxid: hex(tree.lastZxid), loggedZxid: hex(recovered.lastZxid), nodes: tree.nodeCount, loggedTxns: recovered.txns.length,
        acceptedEpoch, currentEpoch, recoveryMs: Date.now() - started,
      });
      server = new CanopyServer(config, store, tree, log);
      const voters = server.voters;
      const peer = new ZabPeer(
        {
          myId: config.serverId, voters, initLimitTicks: config.initLimit, syncLimitTicks: config.syncLimit,
          historyTxnsMax: config.historyTxnsMax, historyBytesMax: config.historyBytesMax, random: Math.random,
        },
        { acceptedEpoch, currentEpoch, snapshotZxid: tree.lastZxid, txns: recovered.txns },
      );
      await server.listen();
      await server.joinEnsemble(peer);
      return server;
    } catch (e) {
      if (server !== undefined) await server.stop();
      else await store.close();
      throw e;
    }
  }

  private async joinEnsemble(peer: ZabPeer): Promise<void> {
    const cfg = this.config;
    if (cfg.servers.length > 0) {
      const peers = cfg.servers.map((s) => ({ id: s.id, host: s.host, port: s.peerPort }));
      const me = peers.find((p) => p.id === cfg.serverId)!;
      const dial = new Map(cfg.peerDial.map((d) => [d.id, { host: d.host, port: d.port }]));
      this.transport = await PeerTransport.start<PeerMessage>({
        myId: cfg.serverId, ensembleId: ensembleIdOf(peers), peers: peers.map((p) => ({ ...p, dial: dial.get(p.id) })),
        listenHost: cfg.quorumListenOnAllIPs ? '0.0.0.0' : me.host, listenPort: me.port,
        onMessage: (from, msg) => this.peerOnMessage(from, msg),
        onInboundDown: (from) => this.driver.step({ type: 'peerDown', from }),
        logger: this.inputLog,
      });
      this.log.info('listening for peers', { address: cfg.quorumListenOnAllIPs ? '0.0.0.0' : me.host, port: me.port, ensemble: peers.map((p) => p.id) });
    }
    const transport = this.transport;
    this.driver = new ZabDriver(peer, this.store, transport === undefined ? undefined : { send: (to, m) => transport.send(to, m) }, this, this.log);
    this.driver.start(cfg.tickTime);
  }

  private peerOnMessage(from: number, raw: unknown): void {
    // With the voters: a vote for a server outside the ensemble would have us follow a peer we cannot reach.
    const msg = asPeerMessage(raw, this.voters);
    if (msg === undefined) {
      this.inputLog.warn('dropping malformed peer message', { from });
      return;
    }
    this.driver.onPeerMessage(from, msg);
  }

  get port(): number {
    return this.listener?.port ?? 0;
  }

  private async listen(): Promise<void> {
    const c = this.config;
    this.listener = await ClientListener.listen({
      host: c.clientPortAddress, port: c.clientPort, maxFrameBytes: c.maxFrameBytes, maxClientCnxns: c.maxClientCnxns, maxCnxns: c.maxCnxns,
      fdReserve: c.fdReserve, clientHandshakeTimeoutMs: c.clientHandshakeTimeoutMs, allowedOrigins: c.allowedOrigins, log: this.inputLog,
      onConnection: (ws, remoteAddress, handshakeReceived) => this.socketOnConnection(ws, remoteAddress, handshakeReceived),
    });
    this.timers.push(setInterval(() => {
      const stalledMs = this.liveness.tick();
      if (stalledMs > 0 && this.isLeader) this.log.warn('this process stalled; sessions get a fresh timeout', { stalledMs });
    }, Math.max(1, Math.floor(this.config.tickTime / 2))));
    this.timers.push(setInterval(() => this.cleanupContainers(), this.config.containerCheckIntervalMs));
  }

  private socketOnConnection(ws: WebSocket, remoteAddress: string, handshakeReceived: () => void): void {
    const limits = {
      maxDataBytes: this.config.maxDataBytes,
      maxOutstanding: this.config.maxOutstandingPerSession, maxOutputBytes: this.config.maxClientOutputBytes,
    };
    new ClientConnection(ws, remoteAddress, this, limits, this.budget, handshakeReceived, this.inputLog);
  }

  // ---- handshake ----

  onConnect(conn: ClientConnection, req: ConnectRequest): void {
    if (!this.serving) return this.holdHandshake(conn, req);
    if (req.protocolVersion !== PROTOCOL_VERSION) {
      return conn.close(CloseCode.UNSUPPORTED_VERSION, `protocol version ${req.protocolVersion} not supported (server speaks ${PROTOCOL_VERSION})`);
    }
    if (req.lastZxidSeen > this.tree.lastZxid) {
      this.log.info('refusing client ahead of us', { clientZxid: hex(req.lastZxidSeen), ourZxid: hex(this.tree.lastZxid) });
      return conn.close(CloseCode.SERVER_BEHIND, `client has seen zxid ${hex(req.lastZxidSeen)}, server only ${hex(this.tree.lastZxid)}`);
    }
    const timeoutMs = Math.min(this.config.maxSessionTimeout, Math.max(this.config.minSessionTimeout, req.timeoutMs));
    if (req.sessionId === 0) return this.createSession(conn, timeoutMs);
    if (this.expiringSessions.has(req.sessionId)) {
      return conn.close(CloseCode.NOT_SERVING, `session ${hex(req.sessionId)} is being expired; retry`);
    }
    const record = this.tree.sessions.get(req.sessionId);
    if (record === undefined || this.closingSessions.has(req.sessionId) || !sameBytes(record.passwd, req.passwd)) {
      this.log.info('refusing unknown or expired session', { session: hex(req.sessionId) });
      conn.sendDirect(this.connectResponse(ErrorCode.SESSIONEXPIRED, 0, req.sessionId, new Uint8Array(0)));
      return conn.close(CloseCode.SESSION_ENDED, `session ${hex(req.sessionId)} expired or unknown`);
    }
    const previous = this.connsBySession.get(req.sessionId);
    if (previous !== undefined && previous !== conn) previous.close(CloseCode.SESSION_MOVED, `session ${hex(req.sessionId)} moved to another connection`);
    this.acceptSession(conn, record.sessionId, record.timeoutMs, record.passwd);
  }

  /**
   * While a leader is being elected, a handshake waits (up to about the time a leader change takes) instead
   * of being refused: the client is served the moment we are synced, rather than after its retry backoff.
   */
  private holdHandshake(conn: ClientConnection, req: ConnectRequest): void {
    if (this.stopping !== undefined || this.heldHandshakes.size >= HELD_HANDSHAKES_MAX) {
      return conn.close(CloseCode.NOT_SERVING, 'server is not serving clients');
    }
    const holdMs = Math.min(HANDSHAKE_HOLD_MAX_MS, this.config.tickTime * this.config.syncLimit);
    const timer = setTimeout(() => {
      this.heldHandshakes.delete(conn);
      if (conn.isConnecting) conn.close(CloseCode.NOT_SERVING, 'server is not serving clients (no leader yet)');
    }, holdMs);
    this.heldHandshakes.set(conn, { req, timer });
  }

  private releaseHeldHandshakes(): void {
    const held = [...this.heldHandshakes];
    this.heldHandshakes.clear();
    for (const [conn, { req, timer }] of held) {
      clearTimeout(timer);
      if (conn.isConnecting) this.onConnect(conn, req);
    }
  }

  private createSession(conn: ClientConnection, timeoutMs: number): void {
    const sessionId = this.ids.nextId((id) => this.tree.sessions.has(id));
    const passwd = newSessionPasswd();
    const req: WriteRequest = { op: OpCode.createSession, timeoutMs, passwd, newSessionId: sessionId };
    this.writePath.submit(req, sessionId, 0, (outcome) => {
      if (outcome.err !== ErrorCode.OK) return conn.close(CloseCode.NOT_SERVING, `could not create a session: ${outcome.err}`);
      // A client gone before its session was made leaves the session to expire on its own.
      if (!conn.isConnecting || !this.serving) return;
      this.acceptSession(conn, sessionId, timeoutMs, passwd);
    });
  }

  private acceptSession(conn: ClientConnection, sessionId: number, timeoutMs: number, passwd: Uint8Array): void {
    this.connsBySession.set(sessionId, conn);
    conn.opened(sessionId, timeoutMs);
    this.liveness.touch(sessionId, timeoutMs);
    conn.sendDirect(this.connectResponse(ErrorCode.OK, timeoutMs, sessionId, passwd));
    this.log.debug('session connected', { session: hex(sessionId), conn: conn.id, timeoutMs });
  }

  private connectResponse(err: number, timeoutMs: number, sessionId: number, passwd: Uint8Array): ConnectResponse {
    return {
      protocolVersion: PROTOCOL_VERSION, err, timeoutMs, sessionId, passwd, readOnly: false, zxid: this.tree.lastZxid,
      maxFrameBytes: this.config.maxFrameBytes, maxDataBytes: this.config.maxDataBytes, serverId: this.config.serverId,
    };
  }

  onClose(conn: ClientConnection): void {
    const held = this.heldHandshakes.get(conn);
    if (held !== undefined) {
      clearTimeout(held.timer);
      this.heldHandshakes.delete(conn);
    }
    if (conn.sessionId !== 0 && this.connsBySession.get(conn.sessionId) === conn) {
      this.connsBySession.delete(conn.sessionId);
      // Watches belong to a connection, as in ZooKeeper; the client re-registers them with setWatches2.
      this.watches.removeSession(conn.sessionId);
    }
  }

  // ---- requests ----

  onRequest(conn: ClientConnection, req: Request): void {
    const sessionId = conn.sessionId;
    this.liveness.touch(sessionId, conn.sessionTimeoutMs);
    if (this.expiringSessions.has(sessionId)) {
      // Its expiry is proposed but may never commit: no answer can be given yet, so the client retries.
      return conn.close(CloseCode.NOT_SERVING, `session ${hex(sessionId)} is being expired; retry`);
    }
    if (this.closingSessions.has(sessionId) && req.op !== OpCode.ping) {
      return conn.answer({ xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.SESSIONEXPIRED });
    }
    if (isReadRequest(req)) return conn.read(() => this.read(conn, req));
    switch (req.op) {
      case OpCode.auth:
      case OpCode.whoAmI:
        return conn.read(executeAuthOp(req, conn.auth, this.tree));
      case OpCode.sync: {
        const pending = conn.pending();
        this.writePath.sync((zxid) => conn.settle(pending, { xid: req.xid, zxid, err: ErrorCode.OK, path: req.path }));
        return;
      }
      case OpCode.closeSession: {
        this.closingSessions.add(sessionId);
        const pending = conn.pending(() => conn.close(CloseCode.NORMAL, 'session closed'));
        this.writePath.submit({ op: OpCode.closeSession }, sessionId, req.xid, (outcome) => {
          conn.settle(pending, { xid: req.xid, zxid: outcome.zxid, err: outcome.err });
        });
        return;
      }
      default: {
        const pending = conn.pending();
        this.writePath.submit(req, sessionId, req.xid, (outcome) => conn.settle(pending, writeResponse(req, outcome, this.tree.lastZxid)));
      }
    }
  }

  private read(conn: ClientConnection, req: ReadRequest): Response {
    const deliver = (events: WatchedEvent[]): void => events.forEach((e) => conn.sendEvent(e));
    try {
      return executeRead(req, { tree: this.tree, watches: this.watches, sessionId: conn.sessionId, deliver, answerBytesMax: this.config.maxFrameBytes });
    } catch (e) {
      if (e instanceof WatchLimitError) return { xid: req.xid, zxid: this.tree.lastZxid, err: ErrorCode.QUOTAEXCEEDED };
      throw e;
    }
  }

  private deliverEvent(sessionId: number, event: WatchedEvent): void {
    this.connsBySession.get(sessionId)?.sendEvent(event);
  }

  // ---- after apply: sessions and snapshots ----

  private afterApply(txn: Txn, result: ApplyResult): void {
    if (result.err === ErrorCode.OK) {
      if (txn.body.type === 'createSession') this.liveness.created(txn.body.sessionId, txn.body.timeoutMs);
      else if (txn.body.type === 'closeSession') this.sessionEnded(txn.body.sessionId, txn.xid === 0);
    }
    this.txnsSinceSnapshot += 1;
    if (this.txnsSinceSnapshot >= this.snapshotAfterTxns && this.snapshotInProgress === undefined) this.takeSnapshot();
  }

  private sessionEnded(sessionId: number, expired: boolean): void {
    this.liveness.ended(sessionId);
    this.closingSessions.delete(sessionId);
    this.expiringSessions.delete(sessionId);
    if (expired) {
      this.log.info('session expired', { session: hex(sessionId) });
      const conn = this.connsBySession.get(sessionId);
      conn?.close(CloseCode.SESSION_ENDED, `session ${hex(sessionId)} expired`);
    }
  }

  private get isLeader(): boolean {
    return this.serving && this.status.state === 'leading';
  }

  private expireSession(sessionId: number): void {
    this.expiringSessions.add(sessionId);
    // Its client may be connected here (a leader hears its own clients directly): it must not go on as if
    // its session were safe, and it cannot be told the session expired before that is decided.
    this.connsBySession.get(sessionId)?.close(CloseCode.NOT_SERVING, `session ${hex(sessionId)} is being expired; retry`);
    // xid 0 marks a server-initiated close: an expiry, not a client's closeSession.
    this.writePath.submit({ op: OpCode.closeSession }, sessionId, 0, (outcome) => {
      if (outcome.err === ErrorCode.OK) return;
      this.expiringSessions.delete(sessionId);
      this.log.warn('session expiry failed', { session: hex(sessionId), err: outcome.err });
    });
  }

  private cleanupContainers(): void {
    if (!this.isLeader) return;
    const now = Date.now();
    for (const path of this.tree.expiredCleanupCandidates(now, this.config.containerMaxPerCheck)) {
      this.writePath.submit({ op: OpCode.deleteContainer, path, nowMs: now }, 0, 0, (outcome) => {
        if (outcome.err === ErrorCode.OK) this.log.debug('deleted empty container or expired TTL node', { path });
      });
    }
  }

  // ---- the replica, driven by ZAB ----

  commit(txns: Txn[]): void {
    this.writePath.commit(txns);
  }

  replaceState(zxid: number, snapshot: unknown): void {
    this.tree.replaceWith(snapshot as TreeSnapshot);
    if (this.tree.lastZxid !== zxid) throw new Error(`snapshot from the leader is at ${hex(this.tree.lastZxid)}, expected ${hex(zxid)}`);
  }

  snapshotAt(zxid: number): unknown {
    if (this.tree.lastZxid !== zxid) throw new Error(`state is at ${hex(this.tree.lastZxid)}, SNAP asked for ${hex(zxid)}`);
    return this.tree.snapshot();
  }

  async snapshotIdle(): Promise<void> {
    while (this.snapshotInProgress !== undefined) await this.snapshotInProgress;
  }

  fromLearner(from: number, payload: unknown): void {
    const p = asLearnerPayload(payload, { maxDataBytes: this.config.maxDataBytes });
    if (p === undefined) return this.inputLog.warn('dropping malformed request from a follower', { from });
    this.writePath.fromLearner(from, p);
  }

  fromLeader(payload: unknown): void {
    const p = asLeaderPayload(payload);
    if (p === undefined) return this.inputLog.warn('dropping malformed reply from the leader');
    this.writePath.fromLeader(p);
  }

  statusChanged(status: PeerStatus): void {
    const wasServing = this.serving;
    this.status = status;
    this.log.info('role changed', { ...status, lastZxid: hex(this.tree.lastZxid) });
    if (wasServing && !status.serving) this.stopServing(status.state === 'looking' ? 'lost the leader; electing a new one' : 'resyncing with the leader');
    if (!status.serving) return;
    if (status.state === 'leading') {
      this.writePath.becomeLeader(this.driver.peer.nextZxid());
      this.liveness.setRole('leader');
    } else {
      this.writePath.becomeFollower();
      this.liveness.setRole('follower');
    }
    this.serving = true;
    this.log.info('serving clients', { address: this.config.clientPortAddress, port: this.port, dataDir: this.config.dataDir, role: status.state, epoch: status.epoch });
    this.releaseHeldHandshakes();
  }

  /** Clients are dropped (they reconnect, here once we serve again or elsewhere); their sessions live on. */
  private stopServing(reason: string): void {
    this.serving = false;
    this.writePath.stop();
    // The write path dropped its work in flight, and the budget it held with it.
    this.budget.reset();
    this.closingSessions.clear();
    this.expiringSessions.clear();
    this.liveness.setRole('idle');
    for (const conn of [...this.connsBySession.values()]) conn.close(CloseCode.NOT_SERVING, `server stopped serving: ${reason}`);
    for (const ws of this.listener?.clients ?? []) ws.close(CloseCode.NOT_SERVING, `server stopped serving: ${reason}`);
  }

  private takeSnapshot(): void {
    this.txnsSinceSnapshot = 0;
    const snapshot = this.tree.snapshot();
    const started = Date.now();
    this.snapshotInProgress = this.store
      .writeSnapshot(snapshot)
      .then(
        () => this.log.info('snapshot written', { zxid: hex(snapshot.zxid), nodes: snapshot.nodes.length, ms: Date.now() - started }),
        (e: unknown) => this.log.error('snapshot failed', { error: (e as Error).message }),
      )
      .finally(() => {
        this.snapshotInProgress = undefined;
      });
  }

  storageFailed(e: Error): void {
    // Without a working log we cannot promise durability: stop rather than acknowledge anything more.
    this.log.error('txn log write failed; shutting down', { error: e.message });
    this.serving = false;
    for (const conn of this.connsBySession.values()) conn.close(CloseCode.NOT_SERVING, 'server storage failed');
    process.exitCode = 1;
    void this.stop();
  }

  /** A snapshot of the server's internal state for operators (logged on SIGUSR2). */
  diagnostics(): object {
    return {
      peer: this.driver?.peer.diagnostics(), driver: this.driver?.diagnostics(), serving: this.serving, appliedZxid: hex(this.tree.lastZxid),
      writePath: { role: this.writePath.role, pending: this.writePath.pendingCount }, connections: this.connsBySession.size,
      heldHandshakes: this.heldHandshakes.size, links: this.transport?.linkStatus(),
    };
  }

  /** Graceful stop: no new work, connections closed (sessions live on), log flushed, storage closed. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.serving = false;
    for (const t of this.timers) clearInterval(t);
    for (const { timer } of this.heldHandshakes.values()) clearTimeout(timer);
    this.heldHandshakes.clear();
    this.driver?.stop();
    const listener = this.listener;
    for (const ws of listener?.clients ?? []) ws.close(CloseCode.GOING_AWAY, 'server shutting down');
    await this.transport?.close();
    await this.store.flush();
    await this.snapshotInProgress;
    await listener?.close();
    await this.store.close();
    this.log.info('stopped', { lastZxid: hex(this.tree.lastZxid) });
  }
}
