// One server's whole logic as one deterministic object: the ZAB peer and its loop, prep and the write path,
// forwarding, sessions and their liveness, the tree, the watch registry and every connection's FIFO order.
// It is driven only by its inputs (client frames per connection, peer messages, ticks, storage
// completions) and acts only through its ports (src/replica/ports.ts): no sockets, disk, timers, clock or
// unseeded randomness of its own. A real server is this object plus real drivers (src/server/); the
// simulator runs several of them with simulated ones, so nothing that orders or replicates escapes it.
import { AuthRegistry, type AuthOptions } from './auth/registry.js';
import type { ConnectionFacts } from './auth/provider.js';
import { CloseCode, Perms, hex } from '../../protocol/index.js';
import type { ACL, Txn, WatchedEvent } from '../../protocol/index.js';
import { DataTree } from '../tree/data-tree.js';
import type { ApplyResult, TreeSnapshot } from '../tree/data-tree.js';
import { WatchManager, type WatchDump, type WatchSummary } from '../tree/watch-manager.js';
import { ZabPeer, asPeerMessage } from '../zab/index.js';
import type { LearnerView, PeerRecoveredState, PeerStatus, ServerId } from '../zab/index.js';
import { ClientHandle } from './client-handle.js';
import type { ClientHandler } from './client-handle.js';
import { asLeaderPayload, asLearnerPayload, learnerPayloadToWire } from './forwarding.js';
import { NO_INJECTED_BUGS } from './injected-bugs.js';
import type { InjectedBugs } from './injected-bugs.js';
import { HANDSHAKE_HOLD_MAX_MS, HeldHandshakes } from './held-handshakes.js';
import { Maintenance } from './maintenance.js';
import type { MaintenanceOptions } from './maintenance.js';
import { PeerLoop } from './peer-loop.js';
import type { ClientLink, ReplicaPorts } from './ports.js';
import { Prep } from './prep.js';
import { RequestBudget } from './request-budget.js';
import { RequestRouter } from './request-router.js';
import { SessionService } from './session-service.js';
import type { SessionOptions } from './session-service.js';
import { WritePath } from './write-path.js';

export interface ReplicaOptions extends SessionOptions, MaintenanceOptions {
  /** Every voting member, this one included (just this one when standalone). */
  voters: readonly ServerId[];
  initLimit: number;
  syncLimit: number;
  historyTxnsMax: number;
  historyBytesMax: number;
  maxOutstandingPerSession: number;
  /** Bytes of unanswered requests a connection may have before reading pauses. */
  maxClientOutputBytes: number;
  globalOutstandingLimit: number;
  globalOutstandingBytes: number;
  maxWatchesPerSession: number;
  /** Auth providers besides digest and ip, the super digest, enforced schemes. */
  auth?: AuthOptions;
  /**
   * Whether the identities a follower forwards with a client's write count on the leader. Only when peers
   * authenticate (mutual TLS or the shared secret) is a member's word proof of anything; otherwise a
   * forwarded write is judged as anonymous (world:anyone only).
   */
  trustForwardedIds: boolean;
  /** Refuse writes past a quota's hard limit with QUOTAEXCEEDED (else they are logged and counted). */
  enforceQuota: boolean;
  /** The simulator's deliberate bugs; never set in a real server. */
  injectedBugs?: InjectedBugs;
}

/** What the replica starts from, recovered from storage by the driver. */
/** A replica's state as operators see it (operatorFacts). */
export interface ReplicaFacts {
  status: PeerStatus;
  serving: boolean;
  voters: number;
  lastZxid: number;
  nodeCount: number;
  approximateDataSize: number;
  ephemeralCount: number;
  sessionCount: number;
  outstandingRequests: number;
  learners: LearnerView[];
}

export interface ReplicaRecovered {
  tree: DataTree;
  peer: PeerRecoveredState;
}

const NOT_SERVING: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };

export class Replica implements ClientHandler {
  readonly tree: DataTree;
  private readonly watches: WatchManager;
  private readonly writePath: WritePath;
  private readonly prep: Prep;
  private readonly sessions: SessionService;
  private readonly router: RequestRouter;
  private readonly maintenance: Maintenance;
  private readonly held: HeldHandshakes;
  private readonly loop: PeerLoop;
  /** Writes and syncs in flight from every connection (globalOutstandingLimit / globalOutstandingBytes). */
  private readonly budget: RequestBudget;
  private readonly clients = new Set<ClientHandle>();
  private readonly authRegistry: AuthRegistry;
  private status: PeerStatus = NOT_SERVING;
  private serving = false;
  private stopped = false;
  private halfTicks = 0;
  private nextClientId = 1;
  private readonly bugs: InjectedBugs;

  constructor(
    private readonly opts: Readonly<ReplicaOptions>,
    recovered: ReplicaRecovered,
    private readonly ports: ReplicaPorts,
  ) {
    this.tree = recovered.tree;
    this.authRegistry = new AuthRegistry(opts.auth);
    this.bugs = opts.injectedBugs ?? NO_INJECTED_BUGS;
    this.budget = new RequestBudget({ countMax: opts.globalOutstandingLimit, bytesMax: opts.globalOutstandingBytes });
    this.watches = new WatchManager({ watchesPerSessionMax: opts.maxWatchesPerSession });
    const peer = new ZabPeer<TreeSnapshot>(
      {
        myId: opts.serverId, voters: opts.voters, initLimitTicks: opts.initLimit, syncLimitTicks: opts.syncLimit,
        historyTxnsMax: opts.historyTxnsMax, historyBytesMax: opts.historyBytesMax, random: ports.random,
      },
      recovered.peer,
    );
    this.loop = new PeerLoop(peer, ports.storage, ports.peers, {
      commit: (txns) => {
        this.writePath.commit(txns);
        if (txns.length > 0) ports.observer?.committed(txns[txns.length - 1]!.zxid);
      },
      replaceState: (zxid, snapshot) => this.replaceState(zxid, snapshot),
      snapshotAt: (zxid) => this.snapshotAt(zxid),
      statusChanged: (status) => this.statusChanged(status),
      fromLearner: (from, payload) => this.fromLearner(from, payload),
      fromLeader: (payload) => this.fromLeader(payload),
    }, ports.log, this.bugs);
    this.prep = new Prep(this.tree, { maxDataBytes: opts.maxDataBytes, enforceQuota: opts.enforceQuota }, this.authRegistry, ports.log);
    this.writePath = new WritePath(this.tree, this.prep, this.watches, {
      deliverEvent: (sessionId, event, acl) => this.deliverEvent(sessionId, event, acl),
      afterApply: (txn, result) => this.afterApply(txn, result),
      nextZxid: () => this.loop.peer.nextZxid(),
      propose: (txns) => {
        if (txns.length > 0) ports.observer?.proposed(txns[txns.length - 1]!.zxid);
        this.loop.step({ type: 'propose', txns });
      },
      scheduleFlush: () => ports.scheduleFlush(),
      forward: (payload) => this.loop.step({ type: 'forward', payload: learnerPayloadToWire(payload) }),
      reply: (to, payload) => this.loop.step({ type: 'reply', to, payload }),
      touchSessions: (sessions) => this.sessions.liveness.reported(sessions),
    }, ports.clock, opts.trustForwardedIds, this.bugs);
    this.sessions = new SessionService(opts, this.tree, this.watches, this.writePath, {
      clock: ports.clock, randomBytes: ports.randomBytes, log: ports.log, serving: () => this.serving,
    }, this.bugs);
    this.router = new RequestRouter(this.tree, this.watches, this.writePath, this.sessions, opts.maxFrameBytes, this.bugs);
    this.maintenance = new Maintenance(opts, this.tree, this.writePath, ports.storage, ports.log, ports.random, ports.clock());
    this.held = new HeldHandshakes(Math.min(HANDSHAKE_HOLD_MAX_MS, opts.tickTime * opts.syncLimit));
  }

  /** Begins the first election. */
  start(): void {
    this.loop.start();
  }

  get peerStatus(): PeerStatus {
    return this.status;
  }

  get isServing(): boolean {
    return this.serving;
  }

  // ---- inputs ----

  /** Every half tickTime: session liveness, held handshakes, cleanup; every second one is a ZAB tick. */
  tick(): void {
    if (this.stopped) return;
    const now = this.ports.clock();
    this.halfTicks += 1;
    if (this.halfTicks % 2 === 0) this.loop.step({ type: 'tick' });
    const stalledMs = this.sessions.tick();
    if (stalledMs > 0 && this.isLeader) this.ports.log.warn('this process stalled; sessions get a fresh timeout', { stalledMs });
    for (const conn of this.held.takeExpired(now)) {
      if (conn.isConnecting) conn.close(CloseCode.NOT_SERVING, 'server is not serving clients (no leader yet)');
    }
    this.maintenance.tick(now, this.isLeader);
  }

  /** A message from a peer, not yet trusted: checked for shape first. */
  peerMessage(from: ServerId, raw: unknown): void {
    // With the voters: a vote for a server outside the ensemble would have us follow a peer we cannot reach.
    const msg = asPeerMessage<TreeSnapshot>(raw, this.opts.voters);
    if (msg === undefined) return this.ports.inputLog.warn('dropping malformed peer message', { from });
    this.loop.step({ type: 'message', from, message: msg });
  }

  /** The link carrying a peer's messages to us broke. */
  peerDown(from: ServerId): void {
    this.loop.step({ type: 'peerDown', from });
  }

  /** Storage made everything through persist action seq durable. */
  persisted(seq: number): void {
    this.loop.step({ type: 'persisted', seq });
  }

  /** A durable write failed: durability can no longer be promised, so nothing more is acknowledged. */
  storageFailed(error: Error): void {
    if (this.stopped) return;
    this.ports.log.error('txn log write failed; shutting down', { error: error.message });
    this.stop(CloseCode.NOT_SERVING, 'server storage failed');
    this.ports.failed(error);
  }

  /** The writes prepared since scheduleFlush() go to ZAB as one proposal. */
  flush(): void {
    this.writePath.flush();
  }

  /**
   * A watch event goes to its session's connection here, unless that connection may no longer read the
   * node (ZooKeeper 3.9.2 checks READ as it delivers, so a watch never leaks a change, or a child's path,
   * to a watcher without READ on the node; the one-shot watch is used up all the same).
   */
  private deliverEvent(sessionId: number, event: WatchedEvent, acl: readonly ACL[] | undefined): void {
    const conn = this.sessions.connection(sessionId);
    if (conn === undefined) return;
    if (acl !== undefined && !conn.auth.access.allows(acl, Perms.READ)) return;
    conn.sendEvent(event);
  }

  /** A new client connection; the driver feeds its frames to the handle it gets. */
  openClient(link: ClientLink, facts: ConnectionFacts): ClientHandle {
    const limits = { maxOutstanding: this.opts.maxOutstandingPerSession, maxQueuedBytes: this.opts.maxClientOutputBytes };
    const conn = new ClientHandle(this.nextClientId++, link, facts, this.authRegistry, this, limits, this.budget, this.ports.inputLog);
    this.clients.add(conn);
    if (this.stopped) conn.close(CloseCode.GOING_AWAY, 'server shutting down');
    return conn;
  }

  /** No more inputs are taken; every connection is closed (sessions live on in the ensemble). */
  stop(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.serving = false;
    this.loop.stop();
    this.held.takeAll();
    for (const conn of [...this.clients]) conn.close(code, reason);
  }

  // ---- ClientHandler ----

  onConnect(conn: ClientHandle, req: Parameters<ClientHandler['onConnect']>[1]): void {
    if (this.serving) return this.sessions.connect(conn, req);
    if (this.stopped || !this.held.hold(conn, req, this.ports.clock())) conn.close(CloseCode.NOT_SERVING, 'server is not serving clients');
  }

  onRequest(conn: ClientHandle, req: Parameters<ClientHandler['onRequest']>[1]): void {
    this.router.route(conn, req);
  }

  onClose(conn: ClientHandle): void {
    this.clients.delete(conn);
    this.held.forget(conn);
    this.sessions.disconnected(conn);
  }

  // ---- driven by ZAB ----

  private get isLeader(): boolean {
    return this.serving && this.status.state === 'leading';
  }

  private afterApply(txn: Txn, result: ApplyResult): void {
    this.sessions.applied(txn, result);
    this.maintenance.applied();
  }

  private replaceState(zxid: number, snapshot: TreeSnapshot): void {
    this.tree.replaceWith(snapshot);
    if (this.tree.lastZxid !== zxid) throw new Error(`snapshot from the leader is at ${hex(this.tree.lastZxid)}, expected ${hex(zxid)}`);
  }

  private snapshotAt(zxid: number): TreeSnapshot {
    if (this.tree.lastZxid !== zxid) throw new Error(`state is at ${hex(this.tree.lastZxid)}, SNAP asked for ${hex(zxid)}`);
    return this.tree.snapshot();
  }

  private fromLearner(from: ServerId, payload: unknown): void {
    const p = asLearnerPayload(payload, { maxDataBytes: this.opts.maxDataBytes });
    if (p === undefined) return this.ports.inputLog.warn('dropping malformed request from a follower', { from });
    this.writePath.fromLearner(from, p);
  }

  private fromLeader(payload: unknown): void {
    const p = asLeaderPayload(payload);
    if (p === undefined) return this.ports.inputLog.warn('dropping malformed reply from the leader');
    this.writePath.fromLeader(p);
  }

  private statusChanged(status: PeerStatus): void {
    const wasServing = this.serving;
    this.status = status;
    this.ports.log.info('role changed', { ...status, lastZxid: hex(this.tree.lastZxid) });
    // Injected bug (simulator only): a follower serves clients as soon as it follows, before it is synced.
    const serving = status.serving || (this.bugs.serveBeforeSynced === true && status.state === 'following');
    if (wasServing && !serving) this.stopServing(status.state === 'looking' ? 'lost the leader; electing a new one' : 'resyncing with the leader');
    if (serving) {
      if (status.state === 'leading') {
        this.writePath.becomeLeader();
        this.sessions.setRole('leader');
      } else {
        this.writePath.becomeFollower();
        this.sessions.setRole('follower');
      }
      this.serving = true;
    }
    this.ports.statusChanged(status);
    if (serving) this.releaseHeldHandshakes();
  }

  private releaseHeldHandshakes(): void {
    for (const [conn, req] of this.held.takeAll()) {
      if (conn.isConnecting) this.onConnect(conn, req);
    }
  }

  /** Clients are dropped (they reconnect, here once we serve again or elsewhere); their sessions live on. */
  private stopServing(reason: string): void {
    this.serving = false;
    this.writePath.stop();
    // The write path dropped its work in flight, and the budget it held with it.
    this.budget.reset();
    this.sessions.stopServing(reason);
    for (const conn of [...this.clients]) conn.close(CloseCode.NOT_SERVING, `server stopped serving: ${reason}`);
  }

  /** A snapshot of the replica's internal state for operators. */
  /** What operators see of this replica: its role and state, read on demand (four-letter words, admin endpoint). */
  operatorFacts(): ReplicaFacts {
    const status = this.status;
    return {
      status, serving: this.serving, voters: this.opts.voters.length, lastZxid: this.tree.lastZxid, nodeCount: this.tree.nodeCount,
      approximateDataSize: this.tree.approximateDataSize, ephemeralCount: this.tree.ephemeralCount, sessionCount: this.tree.sessions.size,
      outstandingRequests: this.budget.inFlight.count, learners: this.loop.peer.learnerViews(),
    };
  }

  watchSummary(): WatchSummary {
    return this.watches.summary();
  }

  watchDump(by: 'session' | 'path', entriesMax: number): WatchDump {
    return this.watches.dump(by, entriesMax);
  }

  diagnostics(): object {
    return {
      peer: this.loop.peer.diagnostics(), queuedPeerInputs: this.loop.queuedInputs, serving: this.serving, appliedZxid: hex(this.tree.lastZxid),
      writePath: { role: this.writePath.role, pending: this.writePath.pendingCount }, sessions: this.sessions.connectionCount,
      connections: this.clients.size, heldHandshakes: this.held.size, budget: this.budget.inFlight,
      quota: { ...this.prep.quotaCounters },
    };
  }
}

