// Service discovery (Curator x-discovery): each running instance of a service is an ephemeral node
// `basePath/<name>/<id>` holding its JSON description; it goes away with the instance's session, so a
// crashed instance drops out of every query and watch once its session expires.
//
// While the session lives, a registered instance's node is kept (re-created if deleted, checked after
// every reconnect). A session cannot be revived after expiry: the registrations are then reported with
// 'error' (SESSIONEXPIRED), and `reRegisterOn(newClient)` registers them again through a new client.
import type { Client } from '../client.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { ChildrenCache } from './children-cache.js';
import type { CachedNode } from './cache-core.js';
import { isConnectionLoss, whenConnected } from './internal/connected.js';
import { newGuid } from './internal/protected-create.js';
import { joinPath } from './internal/sequence.js';
import { PersistentEphemeralNode } from './persistent-node.js';

/** What an instance registers. */
export interface ServiceRegistration {
  name: string;
  /** Default: a fresh guid. */
  id?: string;
  address: string;
  port: number;
  /** Anything JSON can carry. */
  payload?: unknown;
}

/** A registered instance, as stored in its node. */
export interface ServiceInstance {
  name: string;
  id: string;
  address: string;
  port: number;
  payload?: unknown;
  /** ms since the epoch, when it registered. */
  registrationTimeUtc: number;
}

/**
 * The events of a ServiceDiscovery.
 */
export interface ServiceDiscoveryEvents {
  /** A registration could not be kept: SESSIONEXPIRED when the session ended. */
  error: [error: unknown, instance: ServiceInstance];
  /** After a session expired, every instance was registered again through this new client (see `newClient`). */
  reRegistered: [client: Client];
}

/**
 * A live view of one service's instances, from watchService.
 */
export interface ServiceWatch {
  current(): ServiceInstance[];
  close(): void;
}

/**
 * Bounds of a ServiceDiscovery, and how it renews an expired session.
 */
export interface ServiceDiscoveryOptions {
  /** Most instances this object registers (default 1000). */
  registrationsMax?: number;
  /**
   * Builds a new client (a new session) when the session expires; the registrations are then re-created
   * through it on their own (Curator does the same by rebuilding its ZooKeeper handle). Without it, the
   * application calls `reRegisterOn(newClient)` after the 'error' event.
   */
  newClient?: () => Promise<Client>;
}

export const SERVICE_REGISTRATIONS_MAX = 1_000;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * Service discovery (Curator x-discovery): each running instance of a service is an ephemeral node
 * `basePath/<name>/<id>` holding its JSON description, kept for as long as the session lives.
 */
export class ServiceDiscovery {
  private readonly registered = new Map<string, { instance: ServiceInstance; node: PersistentEphemeralNode }>();
  private readonly events = new Emitter<ServiceDiscoveryEvents>((e) => globalThis.console?.error('canopy discovery: a listener threw', e));
  private readonly registrationsMax: number;
  private readonly newClient: (() => Promise<Client>) | undefined;
  private renewing = false;

  /**
   * Discovery under `basePath` (created as needed). Nothing is sent yet.
   */
  constructor(private client: Client, readonly basePath: string, opts: ServiceDiscoveryOptions = {}) {
    this.registrationsMax = opts.registrationsMax ?? SERVICE_REGISTRATIONS_MAX;
    this.newClient = opts.newClient;
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof ServiceDiscoveryEvents>(event: K, listener: Listener<ServiceDiscoveryEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof ServiceDiscoveryEvents>(event: K, listener: Listener<ServiceDiscoveryEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Registers an instance and keeps its node while the session lives.
   * @returns the instance as stored (with its id and registration time), once its node exists.
   * @throws {KeeperError} NODEEXISTS when this object already registered that name and id; BADARGUMENTS for a name
   * or id that is not one path segment, or more than registrationsMax registrations; SESSIONEXPIRED when the
   * session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async registerService(reg: ServiceRegistration): Promise<ServiceInstance> {
    const instance: ServiceInstance = { name: reg.name, id: reg.id ?? newGuid(), address: reg.address, port: reg.port, registrationTimeUtc: Date.now() };
    if (reg.payload !== undefined) instance.payload = reg.payload;
    checkSegment('name', instance.name);
    checkSegment('id', instance.id);
    const key = this.instancePath(instance.name, instance.id);
    if (this.registered.has(key)) throw new KeeperError(ErrorCode.NODEEXISTS, key, { detail: 'already registered here' });
    if (this.registered.size >= this.registrationsMax) throw new KeeperError(ErrorCode.BADARGUMENTS, key, { detail: `more than ${this.registrationsMax} registrations` });
    const node = this.keep(instance);
    this.registered.set(key, { instance, node });
    try {
      await node.start();
    } catch (e) {
      this.registered.delete(key);
      await node.close().catch(() => undefined);
      throw e;
    }
    return instance;
  }

  /**
   * Deletes an instance this object registered (others are ignored).
   * @returns once its node is deleted (or the session is gone).
   * @throws {KeeperError} a refusal by the server to delete a node (NONODE and SESSIONEXPIRED count as done).
   */
  async unregisterService(instance: { name: string; id: string }): Promise<void> {
    const key = this.instancePath(instance.name, instance.id);
    const entry = this.registered.get(key);
    if (entry === undefined) return;
    this.registered.delete(key);
    await entry.node.close();
  }

  /**
   * Names of the services with a node under basePath (possibly with no instance right now).
   * @returns the names, sorted.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async queryForNames(): Promise<string[]> {
    return (await this.children(this.basePath)).sort();
  }

  /**
   * The instances of a service.
   * @returns them, sorted by id; empty when the service has none.
   * @throws {KeeperError} BADARGUMENTS for a name that is not one path segment.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async queryForInstances(name: string): Promise<ServiceInstance[]> {
    checkSegment('name', name);
    const ids = await this.children(joinPath(this.basePath, name));
    const found = await Promise.all(ids.map((id) => this.queryForInstance(name, id)));
    return found.filter((i): i is ServiceInstance => i !== undefined).sort(byId);
  }

  /**
   * One instance of a service.
   * @returns it, or undefined when it is not registered or its node does not hold an instance's JSON.
   * @throws {KeeperError} BADARGUMENTS for a name or id that is not one path segment.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async queryForInstance(name: string, id: string): Promise<ServiceInstance | undefined> {
    const path = this.instancePath(name, id);
    const data = await this.retrying(async () => {
      try {
        return (await this.client.getData(path)).data;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
        throw e;
      }
    });
    return data === undefined ? undefined : parseInstance(data);
  }

  /**
   * Calls `listener` with the service's instances once loaded and after every change.
   * @returns the watch, once loaded; close it to stop.
   * @throws {KeeperError} BADARGUMENTS for a name that is not one path segment; SESSIONEXPIRED when the session ends
   * before the first read.
   */
  async watchService(name: string, listener: (instances: ServiceInstance[]) => void): Promise<ServiceWatch> {
    checkSegment('name', name);
    const cache = new ChildrenCache(this.client, joinPath(this.basePath, name));
    const current = (): ServiceInstance[] => instancesOf(cache.current());
    const changed = (): void => {
      if (cache.isInitialized) listener(current());
    };
    cache.on('added', changed).on('updated', changed).on('removed', changed).on('initialized', changed);
    await cache.start();
    return { current, close: () => cache.close() };
  }

  /**
   * The instances registered through this object.
   * @returns them, in registration order.
   */
  registrations(): ServiceInstance[] {
    return [...this.registered.values()].map((r) => r.instance);
  }

  /**
   * After the session expired: registers every instance again through `client` (a new session), and uses it
   * from now on.
   * @returns once every instance's node exists again.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async reRegisterOn(client: Client): Promise<void> {
    this.client = client;
    await Promise.all([...this.registered.values()].map((r) => r.node.moveTo(client)));
  }

  /**
   * Unregisters every instance this object registered.
   * @returns once their nodes are deleted (or the session is gone).
   * @throws {KeeperError} a refusal by the server to delete a node (NONODE and SESSIONEXPIRED count as done).
   */
  async close(): Promise<void> {
    const all = [...this.registered.values()];
    this.registered.clear();
    await Promise.all(all.map((r) => r.node.close()));
  }

  private keep(instance: ServiceInstance): PersistentEphemeralNode {
    const node = new PersistentEphemeralNode(this.client, this.instancePath(instance.name, instance.id), utf8.encode(JSON.stringify(instance)));
    node.on('error', (e) => {
      this.events.emit('error', e, instance);
      if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) this.renewSession(instance);
    });
    return node;
  }

  /** Once per expiry: a new client from `newClient`, and every registration moved onto it. */
  private renewSession(instance: ServiceInstance): void {
    if (this.newClient === undefined || this.renewing || this.registered.size === 0) return;
    this.renewing = true;
    const factory = this.newClient;
    void (async () => {
      try {
        const client = await factory();
        await this.reRegisterOn(client);
        this.events.emit('reRegistered', client);
      } catch (e) {
        this.events.emit('error', e, instance);
      } finally {
        this.renewing = false;
      }
    })();
  }

  private instancePath(name: string, id: string): string {
    return joinPath(joinPath(this.basePath, name), id);
  }

  private async children(path: string): Promise<string[]> {
    return this.retrying(async () => {
      try {
        return (await this.client.getChildren(path)).children;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NONODE)) return [];
        throw e;
      }
    });
  }

  /** Reads are safe to repeat: retried after a connection loss. */
  private async retrying<T>(read: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await read();
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client);
      }
    }
  }
}

/** Parses an instance node's data; undefined for anything that is not one. */
export function parseInstance(data: Uint8Array): ServiceInstance | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8.decode(data));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || typeof r.id !== 'string' || typeof r.address !== 'string' || typeof r.port !== 'number') return undefined;
  const instance: ServiceInstance = { name: r.name, id: r.id, address: r.address, port: r.port, registrationTimeUtc: typeof r.registrationTimeUtc === 'number' ? r.registrationTimeUtc : 0 };
  if (r.payload !== undefined) instance.payload = r.payload;
  return instance;
}

export function instancesOf(nodes: readonly CachedNode[]): ServiceInstance[] {
  return nodes.map((n) => parseInstance(n.data)).filter((i): i is ServiceInstance => i !== undefined).sort(byId);
}

function byId(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function checkSegment(what: string, value: string): void {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || value.includes('/')) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `service ${what} must be one path segment (got ${JSON.stringify(value)})` });
  }
}
