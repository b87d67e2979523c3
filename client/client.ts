// The public SDK: a session with a ZooKeeper ensemble, its operations as promises, watches as callbacks.
// Requests are checked here before anything is sent (paths, versions, modes, data size); the link,
// ordering and reconnects belong to connection.ts; watch bookkeeping to watches.ts.
import {
  AddWatchMode, CreateMode, ErrorCode, EventType, KeeperState, MAX_AUTH_BYTES, MAX_AUTH_SCHEME_LENGTH, OPEN_ACL_UNSAFE, WatcherType,
} from '../protocol/index.js';
import type { ACL, CreateRequest, MultiOp, OpResult, ReadOp, RequestBodies, ResponseBodies, ResponseHeader, Stat, WatchedEvent, WireOpName } from '../protocol/index.js';
import { Backoff } from '../protocol/backoff.js';
import { toBytes } from './bytes.js';
import type { Data } from './bytes.js';
import { Chroot } from './chroot.js';
import { parseConnectString, shuffled } from './connect-string.js';
import { Connection } from './connection.js';
import type { ClientState } from './connection.js';
import type { ServerAddress } from './connect-string.js';
import { Emitter } from './emitter.js';
import type { Listener } from './emitter.js';
import { KeeperError, asErrorCode, multiError, responseError } from './errors.js';
import type { ConnectionFailure } from './errors.js';
import { createOpName } from './ops.js';
import type { CreateOptions } from './ops.js';
import { settingsFrom } from './options.js';
import type { ClientOptions, Settings } from './options.js';
import { resolveWebSocket } from './socket.js';
import type { WebSocketConstructor } from './socket.js';
import { Transaction } from './transaction.js';
import { checkAcl, checkCreate, checkMultiOp, checkOpCount, checkPath, checkReadOp, checkVersion } from './validate.js';
import { WatchRegistry } from './watches.js';
import type { WatchKind, WatchSnapshot, Watcher } from './watches.js';

/** The events of a Client, for on, off and once. */
export interface ClientEvents {
  /** The connection's state changed (see ClientState): emitted for every change, final states included. */
  state: [state: ClientState];
  /** A watcher or state listener threw; the client carries on. */
  listenerError: [error: unknown];
}

/** Options of the reads that can leave a watch. */
export interface WatchOptions {
  /** Called once with the event that fires the watch (or with Expired when the session ends first). */
  watch?: Watcher;
}

function throwIf(error: KeeperError | undefined): void {
  if (error !== undefined) throw error;
}

const ADD_WATCH_KINDS: Record<number, WatchKind> = {
  [AddWatchMode.PERSISTENT]: 'persistent',
  [AddWatchMode.PERSISTENT_RECURSIVE]: 'persistentRecursive',
};
const WATCHER_TYPES = new Set<number>(Object.values(WatcherType));

/** Most auth infos remembered for replay after a reconnect: the server's bound on ids per connection. */
const AUTH_INFOS_MAX = 64;

interface AuthInfo {
  scheme: string;
  auth: Uint8Array;
}

function authBytes(scheme: unknown, auth: unknown): Uint8Array {
  if (typeof scheme !== 'string' || scheme.length === 0 || scheme.length > MAX_AUTH_SCHEME_LENGTH) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `auth scheme must be a string of 1 to ${MAX_AUTH_SCHEME_LENGTH} characters` });
  }
  let bytes: Uint8Array;
  try {
    // A copy: the caller may reuse its buffer, and the bytes are re-sent after every reconnect.
    bytes = Uint8Array.from(toBytes(auth as string | Uint8Array));
  } catch (e) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `auth: ${(e as Error).message}` });
  }
  if (bytes.byteLength > MAX_AUTH_BYTES) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `auth is ${bytes.byteLength} bytes, over the limit of ${MAX_AUTH_BYTES}` });
  }
  return bytes;
}

function sameAuth(a: AuthInfo, b: AuthInfo): boolean {
  return a.scheme === b.scheme && a.auth.byteLength === b.auth.byteLength && a.auth.every((v, i) => v === b.auth[i]);
}

/**
 * A session with a Canopy ensemble. Make one with Client.connect; its operations are promises named as in
 * ZooKeeper's Java client. A lost link is not the end of the session: the client reconnects (to the same or
 * another server) and the session, its ephemeral nodes and its watches carry on, until it expires or close()
 * ends it. Watch callbacks and `state` events run in the order the server sent them.
 */
export class Client {
  private readonly connection: Connection;
  private readonly watches = new WatchRegistry();
  private readonly events: Emitter<ClientEvents>;
  private reportingListenerError = false;
  /** Auth infos the server accepted, in call order: re-sent after every reconnect. */
  private readonly authInfos: AuthInfo[] = [];

  private constructor(private readonly chroot: Chroot, servers: readonly ServerAddress[], settings: Settings, webSocket: WebSocketConstructor) {
    this.events = new Emitter<ClientEvents>((error) => this.listenerFailed(error));
    const backoff = new Backoff({ initialDelayMs: settings.initialDelayMs, maxDelayMs: settings.maxDelayMs, random: settings.random });
    const options = {
      servers,
      secure: settings.secure,
      tls: settings.tls,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      readOnly: settings.readOnly,
      sessionId: settings.sessionId,
      sessionPasswd: settings.sessionPasswd,
      webSocket,
      backoff,
      now: Date.now,
    };
    this.connection = new Connection(options, {
      notification: (event) => this.connectionOnNotification(event),
      stateChanged: (state) => this.connectionOnState(state),
      watches: () => this.serverWatches(),
    });
  }

  /**
   * Connects to one of the servers and establishes (or resumes) a session. The servers of the connect
   * string (`host:port,host:port[/chroot]`, optionally prefixed `ws://` or `wss://`) are tried in a shuffled
   * order until one grants a session.
   * @returns a connected client.
   * @throws {Error} for a malformed connect string or an invalid option, before anything connects.
   * @throws {KeeperError} CONNECTIONLOSS when no server grants a session within connectTimeoutMs (the message
   * names the last error); SESSIONEXPIRED when the session given by sessionId has expired, or the client
   * ended otherwise before connecting.
   */
  static async connect(connectString: string, options: ClientOptions = {}): Promise<Client> {
    const parsed = parseConnectString(connectString);
    const settings = settingsFrom(options, parsed.secure);
    const webSocket = await resolveWebSocket(options.webSocket, settings.tls !== undefined);
    const client = new Client(new Chroot(parsed.chroot), shuffled(parsed.servers, settings.random), settings, webSocket);
    await client.firstSession(settings.connectTimeoutMs);
    return client;
  }

  private firstSession(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const listener = (state: ClientState): void => {
        if (state === 'disconnected') return;
        clearTimeout(timer);
        this.events.off('state', listener);
        if (state === 'connected') resolve();
        else reject(new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { detail: this.connection.lastError || `session ${state}` }));
      };
      const timer = setTimeout(() => {
        this.events.off('state', listener);
        const detail = `no session within ${timeoutMs} ms${this.connection.lastError ? `; last error: ${this.connection.lastError}` : ''}`;
        // No link failed yet: the one attempt still open never answered.
        const connectionFailure = this.connection.lastFailure ?? { cause: 'timeout', url: this.connection.attemptUrl, message: detail };
        void this.connection.close();
        reject(new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { detail, connectionFailure }));
      }, timeoutMs);
      this.events.on('state', listener);
      this.connection.start();
    });
  }

  // ---- state and events ----

  /** The connection's state now (see ClientState). */
  get state(): ClientState {
    return this.connection.state;
  }
  /** The session's id (0 until the first session is granted); with sessionPasswd it resumes the session elsewhere. */
  get sessionId(): number {
    return this.connection.sessionId;
  }
  /** A copy of the session's password. */
  get sessionPasswd(): Uint8Array {
    return Uint8Array.from(this.connection.sessionPasswd);
  }
  /** The negotiated session timeout. */
  get sessionTimeoutMs(): number {
    return this.connection.sessionTimeoutMs;
  }
  /** The newest zxid this client has heard of: no server older than it will serve the session. */
  get lastZxidSeen(): number {
    return this.connection.lastZxidSeen;
  }
  /** Why the last link to a server failed (undefined until one fails): what to tell a user while disconnected. */
  get lastConnectionFailure(): ConnectionFailure | undefined {
    return this.connection.lastFailure;
  }
  /** The id of the server this client is connected to (0 while disconnected or never connected). */
  get serverId(): number {
    return this.state === 'connected' ? this.connection.serverId : 0;
  }

  /**
   * Adds a listener. A listener that throws does not stop the client: its error goes to `listenerError`
   * listeners (or to console.error when there are none).
   * @returns this client.
   * @throws {Error} with more than 1000 listeners for one event (a leak guard).
   */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on (a listener it does not know is ignored).
   * @returns this client.
   */
  off<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }
  /**
   * Adds a listener that is removed as it is called for the first time.
   * @returns this client.
   * @throws {Error} with more than 1000 listeners for one event (a leak guard).
   */
  once<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): this {
    this.events.once(event, listener);
    return this;
  }

  // ---- operations ----

  /**
   * Creates a node with the data (default empty), mode (default PERSISTENT) and ACL (default
   * OPEN_ACL_UNSAFE) of the options; TTL modes need options.ttl.
   * @returns the path of the new node: the one given, plus the sequence suffix for a sequential mode.
   * @throws {KeeperError} NODEEXISTS when the node exists; NONODE when its parent does not; NOCHILDRENFOREPHEMERALS
   * when the parent is ephemeral; NOAUTH without CREATE on the parent; INVALIDACL for an ACL the server cannot
   * use; QUOTAEXCEEDED when an enforced quota above it would be exceeded; BADARGUMENTS for an invalid path,
   * mode or ttl, data over the server's maxDataBytes, or a path under /zookeeper (outside /zookeeper/quota).
   * @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async create(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    throwIf(checkCreate(path, mode, acl, options.ttl));
    const body: CreateRequest = { path: this.chroot.toServer(path), data: this.dataBytes(path, data), acl: [...acl], mode };
    if (options.ttl !== undefined) body.ttl = options.ttl;
    const response = await this.call(createOpName(mode), body, path);
    return this.chroot.toClient(response.path);
  }

  /**
   * Deletes a node, if its version is `version` (-1: any version).
   * @returns once the node is deleted.
   * @throws {KeeperError} NONODE when it does not exist; BADVERSION when its version differs; NOTEMPTY when it has
   * children; NOAUTH without DELETE on its parent; BADARGUMENTS for an invalid path or version, `/` or a path
   * under /zookeeper. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async delete(path: string, version = -1): Promise<void> {
    throwIf(checkPath(path) ?? checkVersion(path, version));
    await this.call('delete', { path: this.chroot.toServer(path), version }, path);
  }

  /**
   * Whether the node exists. With options.watch, a watch is set either way: it fires NodeCreated for a node
   * that did not exist, NodeDataChanged or NodeDeleted for one that did.
   * @returns the node's Stat, or null when it does not exist.
   * @throws {KeeperError} NOAUTH when the node exists and the connection may not READ it (no watch is set);
   * QUOTAEXCEEDED when the session holds as many watches as the server allows; BADARGUMENTS for an invalid
   * path or a watch that is not a function. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    throwIf(checkPath(path));
    const watch = this.checkWatch(path, options.watch, 'exist');
    // Like ZooKeeper: a data watch when the node exists, an exist watch (fires on creation) when not.
    const onResponse = watch && ((r: ResponseHeader): void => {
      if (r.err === ErrorCode.OK) this.watches.add('data', path, watch);
      else if (r.err === ErrorCode.NONODE) this.watches.add('exist', path, watch);
    });
    const answer = await this.connection.submit('exists', { path: this.chroot.toServer(path), watch: watch !== undefined }, path, onResponse);
    if (answer.ok) return answer.response.stat;
    if (answer.response.err === ErrorCode.NONODE) return null;
    throw responseError(answer.response, path);
  }

  /**
   * Reads a node's data. With options.watch, a one-shot watch fires on the next NodeDataChanged or
   * NodeDeleted of the node.
   * @returns the data (a Uint8Array, empty for none) and the node's Stat.
   * @throws {KeeperError} NONODE when the node does not exist (no watch is set); NOAUTH without READ on it;
   * QUOTAEXCEEDED when the session holds as many watches as the server allows; BADARGUMENTS for an invalid
   * path or a watch that is not a function. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async getData(path: string, options: WatchOptions = {}): Promise<{ data: Uint8Array; stat: Stat }> {
    throwIf(checkPath(path));
    const watch = this.checkWatch(path, options.watch, 'data');
    const body = { path: this.chroot.toServer(path), watch: watch !== undefined };
    const { data, stat } = await this.call('getData', body, path, this.registerOnOk('data', path, watch));
    return { data, stat };
  }

  /**
   * Replaces a node's data, if its version is `version` (-1: any version).
   * @returns the node's new Stat.
   * @throws {KeeperError} NONODE when it does not exist; BADVERSION when its version differs; NOAUTH without WRITE
   * on it; QUOTAEXCEEDED when an enforced byte quota above it would be exceeded; BADARGUMENTS for an invalid path
   * or version, data over the server's maxDataBytes, or a path under /zookeeper (outside /zookeeper/quota).
   * @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    throwIf(checkPath(path) ?? checkVersion(path, version));
    const body = { path: this.chroot.toServer(path), data: this.dataBytes(path, data), version };
    return (await this.call('setData', body, path)).stat;
  }

  /**
   * Lists a node's children (names, not paths, in no particular order). With options.watch, a one-shot watch
   * fires on the next NodeChildrenChanged or NodeDeleted of the node.
   * @returns the children's names and the node's Stat.
   * @throws {KeeperError} NONODE when the node does not exist; NOAUTH without READ on it; MARSHALLINGERROR when the
   * list would not fit in one frame (maxFrameBytes); QUOTAEXCEEDED when the session holds as many watches as
   * the server allows; BADARGUMENTS for an invalid path or a watch that is not a function. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async getChildren(path: string, options: WatchOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    throwIf(checkPath(path));
    const watch = this.checkWatch(path, options.watch, 'child');
    const body = { path: this.chroot.toServer(path), watch: watch !== undefined };
    const { children, stat } = await this.call('getChildren2', body, path, this.registerOnOk('child', path, watch));
    return { children, stat };
  }

  /**
   * Reads a node's ACL.
   * @returns the ACL and the node's Stat (its aversion is the version setACL checks).
   * @throws {KeeperError} NONODE when the node does not exist; NOAUTH without the permission the server requires
   * to read ACLs; BADARGUMENTS for an invalid path. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    throwIf(checkPath(path));
    const { acl, stat } = await this.call('getACL', { path: this.chroot.toServer(path) }, path);
    return { acl, stat };
  }

  /**
   * Replaces a node's ACL, if its ACL version (aversion) is `version` (-1: any).
   * @returns the node's new Stat.
   * @throws {KeeperError} NONODE when it does not exist; BADVERSION when its aversion differs; NOAUTH without ADMIN
   * on it; INVALIDACL for an empty, oversized or unusable ACL; BADARGUMENTS for an invalid path or version, or
   * a path under /zookeeper. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    throwIf(checkPath(path) ?? checkVersion(path, version) ?? checkAcl(path, acl));
    return (await this.call('setACL', { path: this.chroot.toServer(path), acl: [...acl], version }, path)).stat;
  }

  /**
   * Runs the ops (create, delete, setData, check: see Op and transaction) atomically, in one zxid: all
   * succeed or none does.
   * @returns one result per op, in order, each with err OK.
   * @throws {KeeperError} the first failing op's code (any code its own call could give, e.g. NONODE, NODEEXISTS,
   * BADVERSION, NOTEMPTY, NOAUTH) with its path, and `results` with one entry per op: those before it OK, those
   * after it RUNTIMEINCONSISTENCY; BADARGUMENTS for more ops than one multi may carry or an invalid op,
   * before anything is sent. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async multi(ops: readonly MultiOp[]): Promise<OpResult[]> {
    throwIf(checkOpCount(ops.length));
    for (const op of ops) {
      throwIf(checkMultiOp(op));
      if ('data' in op) this.dataBytes(op.path, op.data);
    }
    const serverOps = this.chroot.prefix === undefined ? [...ops] : ops.map((op) => ({ ...op, path: this.chroot.toServer(op.path) }));
    const { ok, response } = await this.connection.submit('multi', { ops: serverOps });
    const results = (response.results ?? []).map((r) => this.clientResult(r));
    if (!ok) throw multiError(response.err, results, ops.map((op) => op.path));
    return results;
  }

  /**
   * A builder for multi: `client.transaction().create(...).setData(...).check(...).commit()`.
   * @returns an empty transaction bound to this client.
   */
  transaction(): Transaction {
    return new Transaction((ops) => this.multi(ops));
  }

  /**
   * Runs the reads (Op.getData, Op.getChildren, Op.exists) in one request, against one state of the tree.
   * No watch is set.
   * @returns one result per op, in order, each with its own err: OK with data, children and stat as the op
   * reads them, or the op's error (NONODE, NOAUTH), which does not fail the others.
   * @throws {KeeperError} MARSHALLINGERROR when the answers would not fit in one frame (maxFrameBytes); BADARGUMENTS
   * for too many ops or an op that is not a read. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async multiRead(ops: readonly ReadOp[]): Promise<OpResult[]> {
    throwIf(checkOpCount(ops.length));
    for (const op of ops) throwIf(checkReadOp(op));
    const serverOps = this.chroot.prefix === undefined ? [...ops] : ops.map((op) => ({ ...op, path: this.chroot.toServer(op.path) }));
    const { results } = await this.call('multiRead', { ops: serverOps });
    return results.map((r) => this.clientResult(r));
  }

  /**
   * Makes the connected server catch up with the leader: reads sent after it see at least the state the
   * leader had when sync started. A path that does not exist is fine.
   * @returns once the server has caught up.
   * @throws {KeeperError} BADARGUMENTS for an invalid path. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async sync(path: string): Promise<void> {
    throwIf(checkPath(path));
    await this.call('sync', { path: this.chroot.toServer(path) }, path);
  }

  /**
   * Sets a persistent watch (AddWatchMode.PERSISTENT: data and children events of the path) or a persistent
   * recursive one (PERSISTENT_RECURSIVE: every node at or below the path, no children events). It is not
   * one-shot: it stays until removeWatches, and is set again after a reconnect. The path need not exist.
   * @returns once the server has set the watch.
   * @throws {KeeperError} NOAUTH when the node exists and the connection may not READ it; QUOTAEXCEEDED when the
   * session holds as many watches as the server allows; BADARGUMENTS for an invalid path, an unknown mode or a
   * missing watcher. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async addWatch(path: string, watcher: Watcher, mode: AddWatchMode): Promise<void> {
    throwIf(checkPath(path));
    const kind = ADD_WATCH_KINDS[mode];
    if (kind === undefined) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `unknown addWatch mode ${String(mode)}` });
    const watch = this.checkWatch(path, watcher, kind);
    if (watch === undefined) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: 'addWatch needs a watcher' });
    await this.call('addWatch', { path: this.chroot.toServer(path), mode }, path, this.registerOnOk(kind, path, watch));
  }

  /**
   * Removes a watcher (or every watcher, for null) of the type from the path. Each removed watcher gets a
   * DataWatchRemoved, ChildWatchRemoved or PersistentWatchRemoved event. With local, the server is not asked
   * (works while disconnected); otherwise the server is told once no callback needs its watch any more.
   * @returns once the watchers are removed.
   * @throws {KeeperError} NOWATCHER when no such watcher is registered on the path; BADARGUMENTS for an invalid
   * path or an unknown watcher type. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async removeWatches(path: string, watcher: Watcher | null, watcherType: WatcherType, local = false): Promise<void> {
    throwIf(checkPath(path));
    if (!WATCHER_TYPES.has(watcherType)) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `unknown watcher type ${String(watcherType)}` });
    if (!this.watches.has(path, watcher, watcherType)) throw new KeeperError(ErrorCode.NOWATCHER, path);
    // The server keeps one watch per path and type for the session: tell it only when no callback needs it any more.
    if (local || !this.watches.wouldEmpty(path, watcher, watcherType)) {
      this.removeLocally(path, watcher, watcherType);
      return;
    }
    const onResponse = (r: ResponseHeader): void => {
      if (r.err === ErrorCode.OK) this.removeLocally(path, watcher, watcherType);
    };
    await this.call('removeWatches', { path: this.chroot.toServer(path), watcherType }, path, onResponse);
  }

  /**
   * Lists this session's ephemeral nodes at or below prefixPath (default `/`).
   * @returns their paths.
   * @throws {KeeperError} MARSHALLINGERROR when the list would not fit in one frame (maxFrameBytes);
   * BADARGUMENTS for an invalid path. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async getEphemerals(prefixPath = '/'): Promise<string[]> {
    throwIf(checkPath(prefixPath));
    const { ephemerals } = await this.call('getEphemerals', { prefixPath: this.chroot.toServer(prefixPath) }, prefixPath);
    return this.chroot.prefix === undefined ? ephemerals : ephemerals.map((p) => this.chroot.toClient(p));
  }

  /**
   * Counts the nodes below a path, at any depth (the node itself not included).
   * @returns the count.
   * @throws {KeeperError} NONODE when the node does not exist; NOAUTH without READ on it; BADARGUMENTS for an
   * invalid path. @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async getAllChildrenNumber(path: string): Promise<number> {
    throwIf(checkPath(path));
    return (await this.call('getAllChildrenNumber', { path: this.chroot.toServer(path) }, path)).totalNumber;
  }

  /**
   * ZooKeeper's addAuthInfo: adds an identity to this client's connection, e.g. ('digest', 'user:password').
   * Once accepted, it is re-sent after every reconnect, before any request that waited.
   * @returns once the server has accepted the identity.
   * @throws {KeeperError} AUTHFAILED when no provider of the server accepts it (an unknown scheme, malformed
   * credentials; a wrong digest password is not an error but another identity): as in ZooKeeper the server
   * then closes the connection and the client is authFailed for good;
   * QUOTAEXCEEDED when the connection already holds as many added identities as the server allows;
   * BADARGUMENTS for an empty or overlong scheme or credentials over the size limit, before anything is sent.
   * CONNECTIONLOSS, SESSIONEXPIRED or THROTTLEDOP as any request can (see KeeperError).
   */
  async addAuthInfo(scheme: string, auth: string | Uint8Array): Promise<void> {
    const info: AuthInfo = { scheme, auth: authBytes(scheme, auth) };
    // Remembered as the answer is read, so that a link lost right after it still replays it.
    const onResponse = (r: ResponseHeader): void => {
      if (r.err === ErrorCode.OK) this.rememberAuth(info);
    };
    const { ok, response } = await this.connection.submit('auth', info, undefined, onResponse);
    if (!ok) throw new KeeperError(asErrorCode(response.err), undefined, { detail: `addAuthInfo with scheme '${scheme}'` });
  }

  /**
   * The identities of this client's connection (ZooKeeper 3.7+ whoAmI): its ip (and x509 name with a client
   * certificate), then every one added with addAuthInfo.
   * @returns each identity's scheme and id.
   * @throws {KeeperError} CONNECTIONLOSS, SESSIONEXPIRED, AUTHFAILED, THROTTLEDOP or SESSIONCLOSEDREQUIRESASLAUTH, as any request can (see KeeperError).
   */
  async whoAmI(): Promise<Array<{ scheme: string; id: string }>> {
    const { clientInfo } = await this.call('whoAmI', {});
    return clientInfo.map((c) => ({ scheme: c.authScheme, id: c.user }));
  }

  /**
   * Ends the session: sends closeSession when connected, else just stops reconnecting. Calling it again
   * returns the same promise. Later calls of any operation reject with SESSIONEXPIRED.
   * @returns once the session is closed on the server (its ephemeral nodes are gone and their watches have
   * fired for other clients) or, while disconnected, once the client has stopped; it never rejects.
   */
  async close(): Promise<void> {
    await this.connection.close();
  }

  // ---- helpers ----

  /** Sends op K; resolves with its response body when err is OK, else rejects with the error (and path). */
  private async call<K extends WireOpName>(
    op: K, body: RequestBodies[K], path?: string, onResponse?: (r: ResponseHeader) => void,
  ): Promise<ResponseBodies[K]> {
    const answer = await this.connection.submit(op, body, path, onResponse);
    if (!answer.ok) throw responseError(answer.response, path);
    return answer.response;
  }

  private dataBytes(path: string, data: Data | undefined): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = toBytes(data);
    } catch (e) {
      throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: (e as Error).message });
    }
    const max = this.connection.maxDataBytes;
    if (bytes.byteLength > max) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `data is ${bytes.byteLength} bytes, over the limit of ${max}` });
    return bytes;
  }

  private checkWatch(path: string, watch: Watcher | undefined, kind: WatchKind): Watcher | undefined {
    if (watch === undefined) return undefined;
    if (typeof watch !== 'function') throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: 'watch must be a function' });
    if (!this.watches.hasRoom(kind, path)) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: 'too many watches' });
    return watch;
  }

  /** Registers the watch as the successful response is read: before any later notification is dispatched. */
  private registerOnOk(kind: WatchKind, path: string, watch: Watcher | undefined): ((r: ResponseHeader) => void) | undefined {
    if (watch === undefined) return undefined;
    return (r) => {
      if (r.err === ErrorCode.OK) this.watches.add(kind, path, watch);
    };
  }

  private removeLocally(path: string, watcher: Watcher | null, watcherType: WatcherType): void {
    for (const removed of this.watches.remove(path, watcher, watcherType)) {
      this.deliver(removed.watcher, { type: removed.type, state: KeeperState.SyncConnected, path, zxid: -1 });
    }
  }

  private clientResult(result: OpResult): OpResult {
    if (this.chroot.prefix === undefined || result.path === undefined) return result;
    return { ...result, path: this.chroot.toClient(result.path) };
  }

  private serverWatches(): WatchSnapshot {
    const snapshot = this.watches.snapshot();
    if (this.chroot.prefix === undefined) return snapshot;
    const map = (paths: string[]): string[] => paths.map((p) => this.chroot.toServer(p));
    return {
      dataWatches: map(snapshot.dataWatches),
      existWatches: map(snapshot.existWatches),
      childWatches: map(snapshot.childWatches),
      persistentWatches: map(snapshot.persistentWatches),
      persistentRecursiveWatches: map(snapshot.persistentRecursiveWatches),
    };
  }

  private connectionOnNotification(serverEvent: WatchedEvent): void {
    const event = { ...serverEvent, path: this.chroot.toClient(serverEvent.path) };
    for (const watcher of this.watches.triggered(event)) this.deliver(watcher, event);
  }

  private connectionOnState(state: ClientState): void {
    // Queued before anyone hears of the disconnect: the auths go out right after the next handshake, ahead
    // of every request made meanwhile (the queue is empty while connected).
    if (state === 'disconnected') this.replayAuth();
    this.events.emit('state', state);
    if (state === 'expired') {
      const event: WatchedEvent = { type: EventType.None, state: KeeperState.Expired, path: '', zxid: -1 };
      for (const watcher of this.watches.drain()) this.deliver(watcher, event);
    } else if (state === 'closed') {
      this.watches.drain();
    }
  }

  private rememberAuth(info: AuthInfo): void {
    if (this.authInfos.length >= AUTH_INFOS_MAX || this.authInfos.some((known) => sameAuth(known, info))) return;
    this.authInfos.push(info);
  }

  private replayAuth(): void {
    for (const info of this.authInfos) {
      // The server accepted it before; a failure here is a lost link (replayed again) or a closed session.
      this.connection.submit('auth', info).catch(() => undefined);
    }
  }

  /** A watcher that throws must not break the client (nor the frame being read). */
  private deliver(watcher: Watcher, event: WatchedEvent): void {
    try {
      watcher(event);
    } catch (e) {
      this.listenerFailed(e);
    }
  }

  private listenerFailed(error: unknown): void {
    if (!this.reportingListenerError && this.events.listenerCount('listenerError') > 0) {
      // A listenerError listener that throws is not reported to itself again.
      this.reportingListenerError = true;
      try {
        this.events.emit('listenerError', error);
      } finally {
        this.reportingListenerError = false;
      }
      return;
    }
    // No one asked to hear about it: say so without throwing into the client's own machinery.
    globalThis.console?.error('canopy client: a watcher or listener threw', error);
  }
}
