// A counting semaphore with leases (Curator's InterProcessSemaphoreV2): at most maxLeases leases are held
// at once across every client. A lease is an ephemeral sequential node under `<path>/leases`, so a lease
// whose session dies is freed by the server. Contenders take a mutex at `<path>/locks` one at a time (which
// makes the semaphore fair and means only one of them watches the lease count); the holder of that mutex
// adds its lease node and, while more than maxLeases nodes exist, waits for the leases to change.
// Every client must use the same maxLeases for one path; the count is not stored on the server.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import type { ClientState } from '../connection.js';
import { ErrorCode } from '../../protocol/index.js';
import type { LockOptions } from './lock-internals.js';
import { checkLockPath, childrenOf, deleteLockNode, operationScope, reportListenerError, waitForEvent, withOwnNodes } from './lock-internals.js';
import { Mutex } from './mutex.js';
import { abortReason } from './internal/connected.js';
import { baseName, joinPath } from './internal/sequence.js';
import { isFinalState } from '../connection.js';

/** Most leases one semaphore may allow (each waiter lists every lease node). */
export const MAX_LEASES_MAX = 10_000;

/**
 * The events of a Semaphore.
 */
export interface SemaphoreEvents {
  /** A lease was held and its session ended: the server has freed it. */
  lost: [lease: Lease, error: KeeperError];
}

/**
 * How a Semaphore stores its leases.
 */
export interface SemaphoreOptions {
  /** Stored in each lease node. Default empty. */
  data?: Data;
}

/**
 * One held slot of a semaphore, from Semaphore.acquire.
 */
export class Lease {
  private open = true;

  /** @internal Made by Semaphore.acquire. */
  constructor(private readonly client: Client, readonly nodePath: string, private readonly onClose: (lease: Lease) => void) {}

  /** Still held (not closed, and no session end seen). */
  get isValid(): boolean {
    return this.open;
  }

  /**
   * Frees the slot: deletes the lease node. Idempotent.
   * @returns once the node is gone (or the session is, which freed it).
   * @throws {KeeperError} a refusal by the server other than NONODE and SESSIONEXPIRED.
   */
  async close(): Promise<void> {
    if (!this.open) return;
    this.invalidate();
    await deleteLockNode(this.client, this.nodePath);
  }

  /** @internal */
  invalidate(): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(this);
  }
}

/**
 * A counting semaphore (Curator's InterProcessSemaphoreV2): at most maxLeases leases are held at once
 * across every client. A lease is an ephemeral node, so the server frees the lease of a session that dies.
 * Every client must use the same maxLeases for one path: the count is not stored on the server.
 */
export class Semaphore {
  private readonly events = new Emitter<SemaphoreEvents>(reportListenerError);
  private readonly leases = new Set<Lease>();
  private readonly leasesPath: string;
  private readonly locksPath: string;
  private readonly data: Data;

  /**
   * A semaphore at `path` allowing maxLeases leases. Nothing is sent yet.
   * @throws {KeeperError} BADARGUMENTS for an invalid path or a maxLeases outside [1, MAX_LEASES_MAX].
   */
  constructor(readonly client: Client, readonly path: string, readonly maxLeases: number, options: SemaphoreOptions = {}) {
    checkLockPath(path);
    if (!Number.isInteger(maxLeases) || maxLeases < 1 || maxLeases > MAX_LEASES_MAX) {
      throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `maxLeases must be an integer in [1, ${MAX_LEASES_MAX}]` });
    }
    this.leasesPath = joinPath(path, 'leases');
    this.locksPath = joinPath(path, 'locks');
    this.data = options.data ?? '';
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof SemaphoreEvents>(event: K, listener: Listener<SemaphoreEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }

  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof SemaphoreEvents>(event: K, listener: Listener<SemaphoreEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** Leases this object holds now. */
  get heldLeases(): number {
    return this.leases.size;
  }

  /**
   * Acquires `count` leases, all or none: they are added together while holding the semaphore's queue
   * lock, so two multi-lease acquisitions never each hold part and wait for the other. On timeout, abort or
   * session end no lease node is left behind.
   * @returns the leases, `count` of them.
   * @throws {KeeperError} BADARGUMENTS for a count outside [1, maxLeases]; NONODE when one of our lease nodes was
   * deleted by someone else while waiting.
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async acquire(count = 1, opts: LockOptions = {}): Promise<Lease[]> {
    if (!Number.isInteger(count) || count < 1 || count > this.maxLeases) {
      throw new KeeperError(ErrorCode.BADARGUMENTS, this.path, { detail: `count must be an integer in [1, ${this.maxLeases}]` });
    }
    const scope = operationScope(opts, this.path);
    try {
      return await this.acquireWithin(count, scope.signal);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Lease node names now present (held by any client).
   * @returns the names, empty when the semaphore's node does not exist.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async leaseNodes(): Promise<string[]> {
    try {
      return await childrenOf(this.client, this.leasesPath, new AbortController().signal);
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return [];
      throw e;
    }
  }

  private async acquireWithin(count: number, signal: AbortSignal): Promise<Lease[]> {
    // A fresh Mutex per call: two acquisitions on this object must exclude each other too.
    const gate = new Mutex(this.client, this.locksPath);
    await gate.acquire({ signal });
    try {
      const nodePaths = await withOwnNodes(this.client, this.leasesPath, 'lease-', this.data, count, signal, async (nodePaths) => {
        await this.waitForRoom(nodePaths, signal);
        return nodePaths;
      });
      return nodePaths.map((nodePath) => this.track(new Lease(this.client, nodePath, (lease) => this.untrack(lease))));
    } finally {
      await gate.release();
    }
  }

  /** Waits until our lease nodes are among at most maxLeases. */
  private async waitForRoom(nodePaths: readonly string[], signal: AbortSignal): Promise<void> {
    for (;;) {
      let fired!: () => void;
      const changed = new Promise<void>((resolve) => {
        fired = resolve;
      });
      const children = await childrenOf(this.client, this.leasesPath, signal, () => fired());
      const gone = nodePaths.find((p) => !children.includes(baseName(p)));
      if (gone !== undefined) throw new KeeperError(ErrorCode.NONODE, gone, { detail: 'our lease node was deleted while waiting' });
      if (children.length <= this.maxLeases) return;
      if (signal.aborted) throw abortReason(signal);
      await waitForEvent(this.client, changed, signal);
    }
  }

  private track(lease: Lease): Lease {
    if (this.leases.size === 0) this.client.on('state', this.clientOnState);
    this.leases.add(lease);
    return lease;
  }

  private untrack(lease: Lease): void {
    this.leases.delete(lease);
    if (this.leases.size === 0) this.client.off('state', this.clientOnState);
  }

  private readonly clientOnState = (state: ClientState): void => {
    if (!isFinalState(state)) return;
    for (const lease of [...this.leases]) {
      lease.invalidate();
      this.events.emit('lost', lease, new KeeperError(ErrorCode.SESSIONEXPIRED, lease.nodePath, { detail: `lease lost: client is ${state}` }));
    }
  };
}
