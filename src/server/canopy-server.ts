// A Canopy server: the replica (src/replica/, one server's whole logic) plus its real drivers — storage
// (LevelDB or segment files, txnLogEngine), peer links on ws, client WebSockets and ZooKeeper's TCP clients (both
// doors feed the same sessions, watches and ACLs), the clock, timers and crypto randomness.
// A standalone server is an ensemble of one: the same replica, elected by its own vote.
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { CloseCode, hex } from '../../protocol/index.js';
import type { Txn } from '../../protocol/index.js';
import { PeerTransport, ensembleIdOf, type PeerAuthentication } from '../transport/index.js';
import { peerMessageToWire, type PeerStatus, type WirePeerMessage } from '../zab/index.js';
import type { TxnStore } from '../storage/index.js';
import { DataTree } from '../tree/data-tree.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import { Replica } from '../replica/replica.js';
import type { AuthOptions } from '../replica/auth/registry.js';
import { x509Provider } from '../replica/auth/x509.js';
import type { ReplicaPorts } from '../replica/ports.js';
import { ClientListener } from './client-listener.js';
import { clientTlsSettingsOf, ensembleMembers, peerListenAddress } from './config.js';
import type { Config } from './config.js';
import { throttledLogger } from './log-throttle.js';
import type { Logger } from './logger.js';
import { loadPeerCredentials, peerAuthenticationWarning, type PeerCredentials } from './peer-credentials.js';
import { StorageDriver } from './storage-driver.js';
import { openTxnStore } from './txn-store-open.js';
import { describeCertificate, loadTlsMaterial } from './tls-material.js';
import type { TlsMaterial } from './tls-material.js';
import { TlsReloader } from './tls-reloader.js';
import { CorkBatch } from './cork-batch.js';
import { RandomPool } from './random-pool.js';
import { WsClient } from './ws-client.js';
import { ZkClient } from './zk-client.js';
import { ZkListener } from './zk-listener.js';
import { SocketBudget } from './socket-budget.js';
import type { ClientConnection } from './client-connection.js';
import { ConnectionStats, ServerStats } from './server-stats.js';
import { CanopyServerView } from './canopy-server-view.js';
import type { TxnLogEngine } from './config.js';
import { answerFourLetterWord } from '../admin/four-letter-answers.js';
import { type FourLetterWord, notWhitelistedAnswer } from '../admin/four-letter-words.js';
import { AdminServer, type SnapshotStream } from './admin-server.js';
import { ServerMetrics } from './metrics.js';
import { ProposalTimer } from './proposal-timer.js';
import { ENGINE_DIRS } from './txn-store-open.js';
import { snapshotName } from '../storage/segment-layout.js';
import { snapshotArchiveChunks } from '../storage/snapshot-archive.js';

/** The replica's auth settings from the config. */
function authOptions(config: Readonly<Config>): AuthOptions {
  const options: AuthOptions = {};
  // Client certificates exist only on the secure doors, and so does the x509 scheme.
  const tls = clientTlsSettingsOf(config);
  if (tls !== undefined) options.extraProviders = [x509Provider(tls.x509)];
  if (config.superDigest !== '') options.superDigest = config.superDigest;
  if (config.enforceAuthEnabled) options.enforceSchemes = config.enforceAuthSchemes;
  return options;
}

/**
 * Requests a ZooKeeper-door connection may have unanswered. The replica pauses reading at
 * maxOutstandingPerSession and the door handles no frame while paused; the margin covers the frame that
 * filled the queue and answers being written.
 */
function zkOutstandingMax(maxOutstandingPerSession: number): number {
  return maxOutstandingPerSession + 64;
}

export class CanopyServer {
  private transport: PeerTransport<WirePeerMessage<TreeSnapshot>> | undefined;
  private listener: ClientListener | undefined;
  private zkListener: ZkListener | undefined;
  /** Client sockets of every door, counted together from the accept. */
  private sockets: SocketBudget | undefined;
  private tlsReloader: TlsReloader | undefined;
  private zkSecureListener: ZkListener | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private readonly random = new RandomPool();
  /** Every client socket written to in a turn: uncorked together at its end. */
  private readonly corks = new CorkBatch();
  private stopping: Promise<void> | undefined;
  /** For what input can provoke: bounded, rate-limited lines. */
  private readonly inputLog: Logger;
  private readonly storage: StorageDriver;
  private readonly replica: Replica;
  /** Request counts and latencies over every connection (srvr, mntr). */
  private readonly stats = new ServerStats();
  /** Every open client connection of either door, for cons and stat. */
  private readonly connections = new Set<ClientConnection>();
  private readonly view: CanopyServerView;
  private admin: AdminServer | undefined;
  private readonly proposals: ProposalTimer;
  /** performance.now() when this server last went looking (its start counts: it elects then too). */
  private lookingSince: number | undefined = performance.now();

  private constructor(
    readonly config: Readonly<Config>,
    private readonly store: TxnStore<TreeSnapshot>,
    tree: DataTree,
    recovered: { acceptedEpoch: number; currentEpoch: number; txns: Txn[] },
    private readonly log: Logger,
    private readonly tlsMaterial: TlsMaterial | undefined,
    private readonly credentials: PeerCredentials,
    private readonly engine: TxnLogEngine,
    startedAt: number,
    private readonly metrics: ServerMetrics,
  ) {
    this.inputLog = throttledLogger(log);
    this.proposals = new ProposalTimer((ms) => metrics.proposalCommitted(ms));
    const recoveredSnapshot = tree.lastZxid > 0 ? { zxid: tree.lastZxid, writtenAtMs: startedAt } : undefined;
    this.storage = new StorageDriver(store, log, {
      snapshotWritten: (zxid, ms) => void this.snapshotBytes(zxid).then((bytes) => metrics.snapshotWritten(ms, bytes)),
      snapshotFailed: () => metrics.storageError('snapshot'),
      writeFailed: () => metrics.storageError('write'),
    }, recoveredSnapshot);
    const voters = ensembleMembers(config).map((m) => m.id);
    this.replica = new Replica({ ...config, voters, auth: authOptions(config), trustForwardedIds: credentials.mode !== 'none' }, {
      tree, peer: { acceptedEpoch: recovered.acceptedEpoch, currentEpoch: recovered.currentEpoch, snapshotZxid: tree.lastZxid, txns: recovered.txns },
    }, this.ports());
    this.storage.attach(this.replica);
    this.view = new CanopyServerView({
      config, replica: this.replica, stats: this.stats, connections: this.connections, engine, startedAt,
      listeningPorts: () => ({ plain: this.port, secure: this.securePort }),
      lastSnapshot: () => this.storage.lastSnapshot,
    });
    metrics.observeState(this.view);
    // Starting is an election too: this server looks for (or becomes) a leader before it serves.
    metrics.electionStarted();
    this.stats.onRequestDone = (op, ms, err) => metrics.requestDone(op, ms, err);
  }

  private ports(): ReplicaPorts {
    return {
      storage: this.storage,
      peers: { send: (to, message) => this.transport?.send(to, peerMessageToWire(message)) },
      clock: Date.now,
      random: Math.random,
      randomBytes: (count) => this.random.take(count),
      scheduleFlush: () => this.scheduleFlush(),
      statusChanged: (status) => this.statusChanged(status),
      failed: () => this.storageFailed(),
      log: this.log,
      inputLog: this.inputLog,
      observer: this.proposals,
    };
  }

  /** Recovers state from dataDir, joins the ensemble (or elects itself) and serves clients once synced. */
  static async start(config: Readonly<Config>, log: Logger): Promise<CanopyServer> {
    // Before anything is opened: a key store that does not check out stops the start with its reason.
    const tlsSettings = clientTlsSettingsOf(config);
    const tlsMaterial = tlsSettings !== undefined ? loadTlsMaterial(tlsSettings) : undefined;
    // First: a missing or bad certificate or secret stops the start before any state is touched.
    const credentials = loadPeerCredentials(config.peerAuth);
    mkdirSync(config.dataDir, { recursive: true });
    for (const { key, reason } of config.ignoredSettings) log.warn(`${key} is accepted for ZooKeeper compatibility and has no effect: ${reason}`);
    const started = Date.now();
    const metrics = new ServerMetrics();
    const { store, engine } = await openTxnStore(config.dataDir, config.txnLogEngine, log, config.storage, { onSyncedBatch: (ms) => metrics.fsyncDone(ms) });
    let server: CanopyServer | undefined;
    try {
      const recovered = await store.recover();
      // Only the snapshot is known committed; the log after it is committed by ZAB once a leader adopts it.
      const tree = recovered.snapshot !== undefined ? DataTree.fromSnapshot(recovered.snapshot) : new DataTree();
      const acceptedEpoch = (await store.getMeta('acceptedEpoch')) ?? 0;
      const currentEpoch = (await store.getMeta('currentEpoch')) ?? 0;
      log.info('recovered state', {
        txnLogEngine: engine, snapshotZxid: hex(tree.lastZxid), snapshotNodes: tree.nodeCount, loggedZxid: hex(recovered.lastZxid), loggedTxns: recovered.txns.length,
        acceptedEpoch, currentEpoch, recoveryMs: Date.now() - started,
      });
      server = new CanopyServer(config, store, tree, { acceptedEpoch, currentEpoch, txns: recovered.txns }, log, tlsMaterial, credentials, engine, started, metrics);
      await server.listen();
      await server.joinEnsemble();
      return server;
    } catch (e) {
      if (server !== undefined) await server.stop();
      else await store.close();
      throw e;
    }
  }

  /** The plain client port (0 when there is none). */
  get port(): number {
    return this.listener?.port ?? 0;
  }

  /** The admin endpoint's port (0 when it is off or could not listen). */
  get adminPort(): number {
    return this.admin?.port ?? 0;
  }

  /** The secure client port (0 when there is none). */
  get securePort(): number {
    return this.listener?.securePort ?? 0;
  }

  /** The ZooKeeper door's TLS port, zkSecureClientPort (0 when it is off). */
  get zkSecurePort(): number {
    return this.zkSecureListener?.port ?? 0;
  }

  /** The ZooKeeper (jute over TCP) client port (0 when the door is off). */
  get zkPort(): number {
    return this.zkListener?.port ?? 0;
  }

  /**
   * How this server's peers prove they are members: with anything but 'none', every peer link was
   * authenticated before it carried a message, so a message from a member came from that member.
   */
  get peerAuthentication(): PeerAuthentication {
    return this.transport?.authentication ?? this.credentials.mode;
  }

  private async listen(): Promise<void> {
    const c = this.config;
    const tls = c.clientTls;
    const material = this.tlsMaterial;
    const sockets = new SocketBudget({ maxClientCnxns: c.maxClientCnxns, maxCnxns: c.maxCnxns, fdReserve: c.fdReserve });
    this.sockets = sockets;
    const listener = await ClientListener.listen({
      plain: c.clientPort !== undefined ? { host: c.clientPortAddress, port: c.clientPort } : undefined,
      secure: tls !== undefined && material !== undefined ? { host: tls.address, port: tls.port, clientAuth: tls.clientAuth, material } : undefined,
      maxFrameBytes: c.maxFrameBytes, sockets,
      clientHandshakeTimeoutMs: c.clientHandshakeTimeoutMs, allowedOrigins: c.allowedOrigins, log: this.inputLog,
      onConnection: (ws, socket, remoteAddress, certificate, handshakeReceived) => this.socketOnConnection(ws, socket, remoteAddress, certificate, handshakeReceived),
      onFourLetterWord: (word, remoteAddress) => this.fourLetterWord(word, remoteAddress),
    });
    this.listener = listener;
    if (c.clientPort !== undefined) this.log.info('listening for clients', { protocol: 'ws', address: c.clientPortAddress, port: listener.port });
    if (tls !== undefined && material !== undefined) {
      this.log.info('listening for clients', {
        protocol: 'wss', address: tls.address, port: listener.securePort, clientAuth: tls.clientAuth, certificate: describeCertificate(material.certificate),
      });
    }
    await this.listenZk(sockets);
    const tlsSettings = clientTlsSettingsOf(c);
    if (tlsSettings !== undefined && material !== undefined) {
      this.tlsReloader = new TlsReloader(tlsSettings, material, (m) => {
        listener.setSecureContext(m);
        this.zkSecureListener?.setSecureContext(m);
      }, this.log);
    }
    this.admin = await AdminServer.start({ config: c.admin, view: this.view, metrics: this.metrics, snapshot: () => this.snapshotStream(), log: this.log, inputLog: this.inputLog });
  }

  /**
   * The ZooKeeper door, when zkClientPort or zkSecureClientPort is set: its sockets count in the same
   * budget as the WebSocket ports'.
   */
  private async listenZk(sockets: SocketBudget): Promise<void> {
    const c = this.config;
    const common = {
      sockets, clientHandshakeTimeoutMs: c.clientHandshakeTimeoutMs, log: this.inputLog,
      onConnection: (socket: Socket, remoteAddress: string, certificate: Uint8Array | undefined, handshakeReceived: () => void) => this.zkOnConnection(socket, remoteAddress, certificate, handshakeReceived),
      onFourLetterWord: (word: FourLetterWord, remoteAddress: string) => this.fourLetterWord(word, remoteAddress),
    };
    if (c.zkDoor.port !== undefined) {
      this.zkListener = await ZkListener.listen({ ...common, host: c.zkDoor.address, port: c.zkDoor.port });
      this.log.info('listening for clients', { protocol: 'zookeeper', address: c.zkDoor.address, port: this.zkListener.port });
    }
    const secure = c.zkDoor.secure;
    const material = this.tlsMaterial;
    if (secure !== undefined && material !== undefined) {
      this.zkSecureListener = await ZkListener.listen({ ...common, host: secure.address, port: secure.port, secure: { clientAuth: secure.tls.clientAuth, material } });
      this.log.info('listening for clients', {
        protocol: 'zookeeper+tls', address: secure.address, port: this.zkSecureListener.port, clientAuth: secure.tls.clientAuth, certificate: describeCertificate(material.certificate),
      });
    }
  }

  /** The tree as it is now (a reference copy at its last applied zxid), as archive bytes read lazily. */
  private snapshotStream(): SnapshotStream {
    const snapshot = this.replica.tree.snapshot();
    return { zxid: snapshot.zxid, chunks: snapshotArchiveChunks(snapshot) };
  }

  /** The snapshot file's size: segment files only (LevelDB spreads a snapshot over its tables). */
  private async snapshotBytes(zxid: number): Promise<number | undefined> {
    if (this.engine !== 'segments') return undefined;
    return stat(join(this.config.dataDir, ENGINE_DIRS.segments, snapshotName(zxid))).then((s) => s.size, () => undefined);
  }

  private async joinEnsemble(): Promise<void> {
    const cfg = this.config;
    const listen = peerListenAddress(cfg);
    if (listen !== undefined) {
      const peers = ensembleMembers(cfg);
      const dial = new Map(cfg.peerDial.map((d) => [d.id, { host: d.host, port: d.port }]));
      this.transport = await PeerTransport.start<WirePeerMessage<TreeSnapshot>>({
        myId: cfg.serverId, ensembleId: ensembleIdOf(peers), peers: peers.map((p) => ({ ...p, dial: dial.get(p.id) })),
        listenHost: listen.host, listenPort: listen.port,
        onMessage: (from, msg) => this.replica.peerMessage(from, msg),
        onInboundDown: (from) => this.replica.peerDown(from),
        logger: this.inputLog,
        authentication: this.credentials.options,
      });
      this.log.info('listening for peers', { address: listen.host, port: listen.port, ensemble: peers.map((p) => p.id), peerAuthentication: this.peerAuthentication });
      this.logPeerAuthentication();
    }
    this.replica.start();
    // Half ticks: session liveness needs them; the replica makes every second one a ZAB tick.
    this.tickTimer = setInterval(() => this.replica.tick(), Math.max(1, Math.floor(cfg.tickTime / 2)));
  }

  private logPeerAuthentication(): void {
    const unauthenticated = peerAuthenticationWarning(this.peerAuthentication);
    for (const warning of [...this.credentials.warnings, ...(unauthenticated !== undefined ? [unauthenticated] : [])]) this.log.warn(warning);
  }

  private socketOnConnection(ws: WebSocket, socket: Duplex, remoteAddress: string, certificate: Uint8Array | undefined, handshakeReceived: () => void): void {
    const limits = { maxDataBytes: this.config.maxDataBytes, maxOutputBytes: this.config.maxClientOutputBytes };
    const port = (socket as { remotePort?: unknown }).remotePort;
    const shown = typeof port === 'number' ? `${remoteAddress}:${port}` : remoteAddress;
    const link = new WsClient(ws, socket, limits, handshakeReceived, this.inputLog, this.corks, new ConnectionStats(this.stats), shown, socket instanceof TLSSocket);
    this.connections.add(link);
    ws.once('close', () => this.connections.delete(link));
    link.bind(this.replica.openClient(link, { remoteAddress, ...(certificate !== undefined ? { certificate } : {}) }));
  }

  private zkOnConnection(socket: Socket, remoteAddress: string, certificate: Uint8Array | undefined, handshakeReceived: () => void): void {
    const c = this.config;
    const limits = { maxDataBytes: c.maxDataBytes, maxFrameBytes: c.maxFrameBytes, maxOutputBytes: c.maxClientOutputBytes, maxOutstanding: zkOutstandingMax(c.maxOutstandingPerSession) };
    const link = new ZkClient(socket, limits, handshakeReceived, this.inputLog, this.corks, new ConnectionStats(this.stats), `${remoteAddress}:${socket.remotePort ?? 0}`);
    this.connections.add(link);
    socket.once('close', () => this.connections.delete(link));
    link.bind(this.replica.openClient(link, { remoteAddress, ...(certificate !== undefined ? { certificate } : {}) }));
  }

  /** The answer to a four-letter word, or ZooKeeper's refusal when 4lw.commands.whitelist leaves it out. */
  private fourLetterWord(word: FourLetterWord, remoteAddress: string): Promise<string> {
    if (!this.config.fourLetterWords.has(word)) return Promise.resolve(notWhitelistedAnswer(word));
    this.inputLog.info('four-letter word', { word, remoteAddress });
    return answerFourLetterWord(word, this.view);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything prepared in this turn of the event loop goes out as one proposal (one fsync, one message).
    setImmediate(() => {
      this.flushScheduled = false;
      this.replica.flush();
    });
  }

  private statusChanged(status: PeerStatus): void {
    this.timeElection(status);
    if (!status.serving) return;
    const c = this.config;
    const plain = c.clientPort !== undefined ? { address: c.clientPortAddress, port: this.port } : {};
    const secure = c.clientTls !== undefined ? { secureAddress: c.clientTls.address, securePort: this.securePort } : {};
    const zk = c.zkDoor.port !== undefined ? { zkAddress: c.zkDoor.address, zkPort: this.zkPort } : {};
    const zkSecure = c.zkDoor.secure !== undefined ? { zkSecureAddress: c.zkDoor.secure.address, zkSecurePort: this.zkSecurePort } : {};
    // The tree as served: the snapshot plus the log replayed after it (recovered state names only the snapshot's part).
    const tree = this.replica.tree;
    this.log.info('serving clients', { ...plain, ...secure, ...zk, ...zkSecure, dataDir: c.dataDir, role: status.state, epoch: status.epoch, lastZxid: hex(tree.lastZxid), nodes: tree.nodeCount });
  }

  private timeElection(status: PeerStatus): void {
    if (status.state === 'looking') {
      this.proposals.clear();
      if (this.lookingSince !== undefined) return;
      this.lookingSince = performance.now();
      this.metrics.electionStarted();
    } else if (status.serving && this.lookingSince !== undefined) {
      this.metrics.electionFinished(performance.now() - this.lookingSince);
      this.lookingSince = undefined;
    }
  }

  private storageFailed(): void {
    // Without a working log we cannot promise durability: stop rather than acknowledge anything more.
    process.exitCode = 1;
    void this.stop();
  }

  /** A snapshot of the server's internal state for operators (logged on SIGUSR2). */
  diagnostics(): object {
    return {
      replica: this.replica.diagnostics(), storage: this.storage.diagnostics(), peerAuthentication: this.peerAuthentication, links: this.transport?.linkStatus(),
      sockets: this.sockets?.socketCount, zkSockets: this.zkListener?.socketCount, zkSecureSockets: this.zkSecureListener?.socketCount,
    };
  }

  /** Graceful stop: no new work, connections closed (sessions live on), log flushed, storage closed. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearInterval(this.tickTimer);
    this.tlsReloader?.close();
    this.replica.stop(CloseCode.GOING_AWAY, 'server shutting down');
    this.storage.stop();
    await this.transport?.close();
    await this.store.flush();
    await this.storage.idle();
    await this.listener?.close();
    await this.zkListener?.close();
    await this.zkSecureListener?.close();
    this.sockets?.close();
    await this.admin?.close();
    await this.store.close();
    this.log.info('stopped', { lastZxid: hex(this.replica.tree.lastZxid) });
  }
}
