// Several locks taken as one (Curator's InterProcessMultiLock): all or nothing. The locks are taken in
// one fixed order — by path, whatever order the caller listed them in — so two MultiLocks over the same
// paths never deadlock each other; if one cannot be had, the ones already taken are released.
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import type { LockLease } from './fencing.js';
import type { LockOptions } from './lock-internals.js';
import { operationScope, tryAcquireWithin } from './lock-internals.js';
import { Mutex } from './mutex.js';
import type { InterProcessLock } from './mutex.js';

/** Most locks one MultiLock takes. */
export const MULTI_LOCK_SIZE_MAX = 1_000;

/**
 * Several locks held as one (Curator's InterProcessMultiLock): all or none, taken in path order so that two
 * MultiLocks over the same locks cannot deadlock.
 */
export class MultiLock {
  private readonly locks: readonly InterProcessLock[];

  /**
   * The locks (at least one, at most MULTI_LOCK_SIZE_MAX); taken in order of path, then of position in the list.
   * @throws {KeeperError} BADARGUMENTS for no locks or too many.
   */
  constructor(locks: readonly InterProcessLock[]) {
    if (locks.length === 0 || locks.length > MULTI_LOCK_SIZE_MAX) {
      throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `a MultiLock takes 1 to ${MULTI_LOCK_SIZE_MAX} locks` });
    }
    this.locks = locks
      .map((lock, index) => ({ lock, index }))
      .sort((a, b) => (a.lock.path < b.lock.path ? -1 : a.lock.path > b.lock.path ? 1 : a.index - b.index))
      .map((x) => x.lock);
  }

  /**
   * A MultiLock of one Mutex per path.
   * @returns the MultiLock.
   * @throws {KeeperError} BADARGUMENTS for an invalid path, no paths or too many.
   */
  static ofPaths(client: Client, paths: readonly string[]): MultiLock {
    return new MultiLock(paths.map((p) => new Mutex(client, p)));
  }

  /** Held when every lock is. */
  get isHeld(): boolean {
    return this.locks.every((l) => l.isHeld);
  }

  /**
   * Takes every lock, in path order; one timeout and signal cover the whole. On failure the locks taken
   * by this call are released and the first failure is rethrown.
   * @returns one grant per lock, in path order.
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async acquire(opts: LockOptions = {}): Promise<LockLease[]> {
    // Validates the options; each lock then gets what is left of the time (at least one look at its queue).
    operationScope(opts, this.locks[0]!.path).dispose();
    const deadlineMs = opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs;
    const taken: InterProcessLock[] = [];
    try {
      const leases: LockLease[] = [];
      for (const lock of this.locks) {
        const each: LockOptions = { ...opts };
        if (deadlineMs !== undefined) each.timeoutMs = Math.max(0, deadlineMs - Date.now());
        leases.push(await lock.acquire(each));
        taken.push(lock);
      }
      return leases;
    } catch (e) {
      await releaseAll(taken);
      throw e;
    }
  }

  /**
   * Like acquire, but gives up quietly.
   * @returns true when every lock is held, false (holding none of them) when not all could be taken within timeoutMs.
   * @throws as acquire, except OPERATIONTIMEOUT.
   */
  tryAcquire(timeoutMs = 0, signal?: AbortSignal): Promise<boolean> {
    return tryAcquireWithin((opts) => this.acquire(opts), timeoutMs, signal);
  }

  /**
   * Releases every lock (in reverse order); tries them all, then rethrows the first failure.
   * @returns once every lock is released.
   * @throws the first failure of a lock's release.
   */
  async release(): Promise<void> {
    await releaseAll(this.locks);
  }
}

async function releaseAll(locks: readonly InterProcessLock[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const lock of [...locks].reverse()) {
    try {
      await lock.release();
    } catch (e) {
      failure ??= { error: e };
    }
  }
  if (failure !== undefined) throw failure.error;
}
