// A distributed mutex (Curator's InterProcessMutex): fair (granted in the order contenders queued),
// herd-free (each waiter watches only the node just ahead of it), and reentrant for its holder — one
// Mutex object is one holder, and acquiring it again while held only counts up.
// A held lock is lost when the session ends (or someone deletes our node): the Mutex then emits `lost`
// and isHeld turns false. While the client is merely disconnected the lock may be lost without the holder
// knowing yet; the fencing token (fencing.ts) is what keeps a stale holder from doing harm.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import type { Stat } from '../../protocol/index.js';
import type { LockLease } from './fencing.js';
import { HeldNode, acquireLockNode, checkLockPath, childrenOf, deleteLockNode, exclusiveDriver, operationScope, reportListenerError, settledOrAborted, tryAcquireWithin } from './lock-internals.js';
import type { LockDriver, LockOptions } from './lock-internals.js';
import { unprotectedName } from './internal/protected-create.js';
import { sortBySequence } from './internal/sequence.js';

/**
 * The events of a Mutex.
 */
export interface MutexEvents {
  /** The lock was held and is gone on the server (session expired or closed, or our node deleted). */
  lost: [error: KeeperError];
}

/**
 * How a Mutex queues.
 */
export interface MutexOptions {
  /** Stored in the holder's node (for tools that show who holds a lock). Default empty. */
  data?: Data;
  /** How the queue is decided; default exclusive. Other lock recipes (read–write lock) pass their own. */
  driver?: LockDriver;
}

/** What MultiLock (and users writing generic code) need of a lock. */
export interface InterProcessLock {
  readonly path: string;
  readonly isHeld: boolean;
  acquire(opts?: LockOptions): Promise<LockLease>;
  release(): Promise<void>;
}

interface Holding {
  lease: LockLease;
  watch: HeldNode;
}

/**
 * A distributed mutex (Curator's InterProcessMutex): fair (granted in queue order), herd-free (each waiter
 * watches only the node just ahead of it) and reentrant for its holder: one Mutex object is one holder.
 * The lock is lost if the session ends or someone deletes the holder's node (event `lost`); while the client is
 * only disconnected it may be gone without the holder knowing yet, which is what fencing tokens are for.
 */
export class Mutex implements InterProcessLock {
  private readonly events = new Emitter<MutexEvents>(reportListenerError);
  private readonly driver: LockDriver;
  private readonly data: Data;
  private holding: Holding | undefined;
  private holds = 0;
  /** The acquisition in progress on this object: a second caller waits for it, then counts up. */
  private inflight: Promise<LockLease> | undefined;

  /**
   * A lock at `path` (its parents are created as needed on the first acquire). Nothing is sent yet.
   * @throws {KeeperError} BADARGUMENTS for an invalid path.
   */
  constructor(readonly client: Client, readonly path: string, options: MutexOptions = {}) {
    checkLockPath(path);
    this.driver = options.driver ?? exclusiveDriver('lock-');
    this.data = options.data ?? '';
  }

  /**
   * Whether this object holds the lock now.
   */
  get isHeld(): boolean {
    return this.holding !== undefined;
  }

  /** How many acquire calls the current holding answers (0 when not held). */
  get holdCount(): number {
    return this.holds;
  }

  /** The current grant, or undefined when not held. */
  get lease(): LockLease | undefined {
    return this.holding?.lease;
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof MutexEvents>(event: K, listener: Listener<MutexEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }

  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof MutexEvents>(event: K, listener: Listener<MutexEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Waits for the lock; while held, another acquire only counts up (see holdCount). Whatever ends the wait
   * early, our node in the queue is deleted before the promise rejects.
   * @returns the grant, with the fencing token (the czxid of our node).
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} NONODE when our queue node was deleted by someone else while waiting.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async acquire(opts: LockOptions = {}): Promise<LockLease> {
    const scope = operationScope(opts, this.path);
    try {
      return await this.acquireWithin(scope.signal);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Like acquire, but gives up quietly. timeoutMs 0: one look at the queue.
   * @returns true when the lock is now held, false when it was not granted within timeoutMs.
   * @throws as acquire, except OPERATIONTIMEOUT.
   */
  tryAcquire(timeoutMs = 0, signal?: AbortSignal): Promise<boolean> {
    return tryAcquireWithin((opts) => this.acquire(opts), timeoutMs, signal);
  }

  /**
   * Undoes one acquire; the last one deletes our node (retrying across connection losses). Does nothing when
   * not held.
   * @returns once the node is deleted (or the session is gone, which deleted it).
   * @throws {KeeperError} a refusal by the server other than NONODE and SESSIONEXPIRED (which mean the node is gone).
   */
  async release(): Promise<void> {
    const holding = this.holding;
    if (holding === undefined) return;
    this.holds--;
    if (this.holds > 0) return;
    this.holding = undefined;
    holding.watch.stop();
    await deleteLockNode(this.client, holding.lease.nodePath);
  }

  /**
   * The queue's node names in order (the first holds the lock, for an exclusive driver).
   * @returns the names, empty when the lock's node does not exist.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async participants(): Promise<string[]> {
    const children = await childrenOf(this.client, this.path, new AbortController().signal).catch((e: unknown) => {
      if (KeeperError.is(e, ErrorCode.NONODE)) return [];
      throw e;
    });
    return sortBySequence(children.filter((c) => this.driver.isParticipant(unprotectedName(c))));
  }

  private async acquireWithin(signal: AbortSignal): Promise<LockLease> {
    for (;;) {
      if (this.holding !== undefined) {
        this.holds++;
        return this.holding.lease;
      }
      if (this.inflight === undefined) break;
      await settledOrAborted(this.inflight, signal);
    }
    const attempt = this.acquireNode(signal);
    this.inflight = attempt;
    try {
      return await attempt;
    } finally {
      if (this.inflight === attempt) this.inflight = undefined;
    }
  }

  private async acquireNode(signal: AbortSignal): Promise<LockLease> {
    const nodePath = await acquireLockNode(this.client, this.path, this.driver, this.data, signal);
    let granted: { held: HeldNode; stat: Stat };
    try {
      granted = await HeldNode.start(this.client, nodePath, (error) => this.heldOnLost(nodePath, error), signal);
      // Lost in the moment between the answer and now: the session ended before the caller could hold it.
      if (!granted.held.active) throw new KeeperError(ErrorCode.SESSIONEXPIRED, nodePath, { detail: 'lock lost as it was granted' });
    } catch (e) {
      await deleteLockNode(this.client, nodePath).catch(() => undefined);
      throw e;
    }
    const lease: LockLease = { lockPath: this.path, nodePath, fencingToken: granted.stat.czxid };
    this.holding = { lease, watch: granted.held };
    this.holds = 1;
    return lease;
  }

  private heldOnLost(nodePath: string, error: KeeperError): void {
    if (this.holding?.lease.nodePath !== nodePath) return;
    this.holding = undefined;
    this.holds = 0;
    this.events.emit('lost', error);
  }
}
