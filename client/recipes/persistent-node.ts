// An ephemeral node that stays there while its session lives (Curator's PersistentNode, ephemeral mode):
// created on start, watched, and created again when someone deletes it or when a reconnect finds it gone.
// A session cannot outlive its expiry, so expiry ends it: 'error' with SESSIONEXPIRED, and the owner may
// move it to a new client with `moveTo(newClient)`.
//
// If the path is held by another session's ephemeral (for example our previous, expired session's node,
// not yet removed), we wait for it to go rather than take it over.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import type { Data } from '../bytes.js';
import { toBytes } from '../bytes.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { CreateMode, ErrorCode, EventType, WatcherType } from '../../protocol/index.js';
import type { WatchedEvent } from '../../protocol/index.js';
import { isConnectionLoss, whenConnected } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';
import { waitForDeletion } from './internal/wait-delete.js';
import { isFinalState } from '../connection.js';

/**
 * The events of a PersistentEphemeralNode.
 */
export interface PersistentNodeEvents {
  /** The node was (re)created by this recipe. */
  created: [path: string];
  /** SESSIONEXPIRED when the session ended (the node is gone with it), or an unexpected error. */
  error: [error: unknown];
}

/**
 * An ephemeral node that stays (Curator's PersistentNode, ephemeral mode): re-created whenever it is deleted,
 * and checked after every reconnect, for as long as the session lives.
 */
export class PersistentEphemeralNode {
  private readonly events = new Emitter<PersistentNodeEvents>((e) => globalThis.console?.error('canopy persistent node: a listener threw', e));
  private data: Uint8Array;
  private running = false;
  private ensuring: Promise<void> | undefined;
  private again = false;
  private readonly watcher = (event: WatchedEvent): void => this.watcherOnEvent(event);
  private readonly stateListener = (state: ClientState): void => this.clientOnState(state);

  /**
   * Keeps the node at `path` with `data`. Nothing is sent before start.
   */
  constructor(private client: Client, readonly path: string, data: Data = '') {
    this.data = Uint8Array.from(toBytes(data));
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof PersistentNodeEvents>(event: K, listener: Listener<PersistentNodeEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof PersistentNodeEvents>(event: K, listener: Listener<PersistentNodeEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * The client the node is kept through (changed by moveTo).
   */
  get currentClient(): Client {
    return this.client;
  }

  /**
   * Creates the node (parents too) and keeps it. If another session holds the node, waits for it to go
   * and then takes its place.
   * @returns once our node exists.
   * @throws {Error} when already started.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.path}: already started`);
    this.running = true;
    this.client.on('state', this.stateListener);
    await this.ensure();
  }

  /**
   * Replaces the node's data (and what it is re-created with).
   * @returns once written.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async setData(data: Data): Promise<void> {
    this.data = Uint8Array.from(toBytes(data));
    for (;;) {
      try {
        await this.client.setData(this.path, this.data);
        return;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE)) return this.ensure();
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client);
      }
    }
  }

  /**
   * Stops keeping the node and deletes it (when the session still lives).
   * @returns once done.
   * @throws {KeeperError} a refusal by the server to delete it (NONODE and SESSIONEXPIRED count as done).
   */
  async close(): Promise<void> {
    if (!this.running) return;
    this.stop();
    await this.ensuring?.catch(() => undefined);
    await deleteIfOurs(this.client, this.path);
  }

  /**
   * For a client built after the old one's session expired: stops using the old client and creates the node
   * through the new one.
   * @returns once the node exists again.
   * @throws as start.
   */
  async moveTo(client: Client): Promise<void> {
    this.stop();
    await this.ensuring?.catch(() => undefined);
    this.client = client;
    await this.start();
  }

  private stop(): void {
    this.running = false;
    this.client.off('state', this.stateListener);
    this.client.removeWatches(this.path, this.watcher, WatcherType.Any, true).catch(() => undefined);
  }

  /** Single flight: a request made while one runs makes it loop once more. */
  private ensure(): Promise<void> {
    if (this.ensuring !== undefined) {
      this.again = true;
      return this.ensuring;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.ensureOnce();
        } while (this.again && this.running);
      } finally {
        this.ensuring = undefined;
      }
    };
    this.ensuring = run();
    return this.ensuring;
  }

  /** Creates the node unless it is ours already, then watches it. Connection losses are retried. */
  private async ensureOnce(): Promise<void> {
    while (this.running) {
      try {
        await this.createOrAdopt();
        const stat = await this.client.exists(this.path, { watch: this.watcher });
        if (stat !== null && stat.ephemeralOwner === this.client.sessionId) return;
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client);
      }
    }
  }

  private async createOrAdopt(): Promise<void> {
    try {
      await this.client.create(this.path, this.data, { mode: CreateMode.EPHEMERAL });
      this.events.emit('created', this.path);
      return;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) {
        await ensurePath(this.client, parentOf(this.path));
        return this.createOrAdopt();
      }
      if (!KeeperError.is(e, ErrorCode.NODEEXISTS)) throw e;
    }
    const stat = await this.client.exists(this.path);
    // Ours: a create whose answer was lost. Someone else's: wait for it to go, then take the place.
    if (stat !== null && stat.ephemeralOwner !== this.client.sessionId) await waitForDeletion(this.client, this.path);
    if (stat === null || stat.ephemeralOwner !== this.client.sessionId) return this.createOrAdopt();
  }

  private watcherOnEvent(event: WatchedEvent): void {
    if (!this.running) return;
    // Deleted: create it again. Created or changed: the one-shot watch is spent; set it again.
    if (event.type === EventType.NodeDeleted || event.type === EventType.NodeCreated || event.type === EventType.NodeDataChanged) this.kick();
  }

  private clientOnState(state: ClientState): void {
    if (!this.running) return;
    if (state === 'connected') {
      this.kick();
    } else if (isFinalState(state)) {
      this.stop();
      this.events.emit('error', new KeeperError(ErrorCode.SESSIONEXPIRED, this.path, { detail: `client is ${state}; the node is gone with its session` }));
    }
  }

  private kick(): void {
    this.ensure().catch((e: unknown) => {
      if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) return;
      this.events.emit('error', e);
    });
  }
}

/** Deletes an ephemeral of this client's session; anything else (or nothing) is left alone. */
async function deleteIfOurs(client: Client, path: string): Promise<void> {
  for (;;) {
    try {
      const stat = await client.exists(path);
      if (stat === null || stat.ephemeralOwner !== client.sessionId) return;
      await client.delete(path, stat.version);
      return;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE) || KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) return;
      // BADVERSION: changed between our look and the delete; look again.
      if (KeeperError.is(e, ErrorCode.BADVERSION)) continue;
      if (!isConnectionLoss(e)) throw e;
      await whenConnected(client).catch(() => undefined);
      if (client.state !== 'connected') return;
    }
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
