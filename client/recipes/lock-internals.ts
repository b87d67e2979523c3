// The queue under every lock recipe (Curator's LockInternals): each contender creates one ephemeral
// sequential node under the lock's path, and a driver decides from the sorted queue whether the node is
// granted or which single node it must wait for. Waiting on one node only means a release wakes one
// waiter, not the herd. Whatever ends an acquisition early (timeout, abort, an error, the session ending),
// the contender's node is deleted, so it never blocks the queue for the rest of its session.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { KeeperError } from '../errors.js';
import { CreateMode, ErrorCode, EventType, KeeperState, pathProblem } from '../../protocol/index.js';
import type { Stat, WatchedEvent } from '../../protocol/index.js';
import type { ClientState } from '../connection.js';
import { abortReason, isConnectionLoss, whenConnected } from './internal/connected.js';
import { createProtected, findProtected, newGuid, unprotectedName } from './internal/protected-create.js';
import { baseName, joinPath, sortBySequence } from './internal/sequence.js';
import { isFinalState } from '../connection.js';

/** How long, and until what, an acquisition may wait. */
export interface LockOptions {
  /** Give up (rejecting with an OPERATIONTIMEOUT KeeperError) after this many ms of waiting. Default: no limit. */
  timeoutMs?: number;
  /** Give up (rejecting with the signal's reason) when it aborts. */
  signal?: AbortSignal;
}

export type LockDecision = { granted: true } | { granted: false; waitFor: string };

/** Decides a lock's queue: which children take part, and when a node is granted. */
export interface LockDriver {
  /** The name (before the server's sequence suffix) of the nodes this kind of contender creates. */
  readonly nodeName: string;
  /** Whether a child, by its unprotected name (`lock-0000000003`), takes part in the queue. */
  isParticipant(name: string): boolean;
  /** `queue` holds the participants' names in sequence order; ours is at `ourIndex`. */
  decide(queue: readonly string[], ourIndex: number): LockDecision;
}

/** Exclusive: the first in line holds it; every other waits for the one just ahead of it. */
export function exclusiveDriver(nodeName: string): LockDriver {
  return {
    nodeName,
    isParticipant: (name) => name.startsWith(nodeName),
    decide: (queue, ourIndex) => (ourIndex === 0 ? { granted: true } : { granted: false, waitFor: queue[ourIndex - 1]! }),
  };
}

/** Throws BADARGUMENTS for a path no lock can live at. */
export function checkLockPath(path: string): void {
  const problem = pathProblem(path);
  if (problem !== undefined) throw new KeeperError(ErrorCode.BADARGUMENTS, typeof path === 'string' ? path : undefined, { detail: problem });
}

/** Longest timeoutMs accepted (setTimeout's limit). */
const TIMEOUT_MS_MAX = 2 ** 31 - 1;

/** One acquisition's signal: aborts when the caller's signal does or the timeout passes. */
export interface OperationScope {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function operationScope(opts: LockOptions, path: string): OperationScope {
  const { timeoutMs } = opts;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > TIMEOUT_MS_MAX)) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `timeoutMs must be a number of ms in [0, ${TIMEOUT_MS_MAX}]` });
  }
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(abortReason(opts.signal));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    controller.abort(new KeeperError(ErrorCode.OPERATIONTIMEOUT, path, { detail: `not acquired within ${timeoutMs} ms` }));
  }, timeoutMs);
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Creates our node in the lock's queue and waits until the driver grants it; resolves with its path.
 * On any failure the node is deleted before the rejection.
 */
export async function acquireLockNode(client: Client, lockPath: string, driver: LockDriver, data: Data, signal: AbortSignal): Promise<string> {
  if (signal.aborted) throw abortReason(signal);
  const guid = newGuid();
  let nodePath: string | undefined;
  try {
    nodePath = await createProtected(client, lockPath, driver.nodeName, data, { mode: CreateMode.EPHEMERAL_SEQUENTIAL, guid, signal });
    await waitForTurn(client, lockPath, nodePath, driver, signal);
    return nodePath;
  } catch (e) {
    await removeOwnNode(client, lockPath, guid, nodePath);
    throw e;
  }
}

/** Creates an ephemeral sequential node (protected); if `use` fails, deletes it before rethrowing. */
export async function withOwnNode<T>(client: Client, parent: string, name: string, data: Data, signal: AbortSignal, use: (nodePath: string) => Promise<T>): Promise<T> {
  const guid = newGuid();
  let nodePath: string | undefined;
  try {
    nodePath = await createProtected(client, parent, name, data, { mode: CreateMode.EPHEMERAL_SEQUENTIAL, guid, signal });
    return await use(nodePath);
  } catch (e) {
    await removeOwnNode(client, parent, guid, nodePath);
    throw e;
  }
}

/** `count` nodes as withOwnNode makes them, all deleted if `use` (or a later create) fails. */
export function withOwnNodes<T>(client: Client, parent: string, name: string, data: Data, count: number, signal: AbortSignal, use: (nodePaths: string[]) => Promise<T>): Promise<T> {
  const more = (made: string[]): Promise<T> => (made.length === count
    ? use(made)
    : withOwnNode(client, parent, name, data, signal, (nodePath) => more([...made, nodePath])));
  return more([]);
}

async function waitForTurn(client: Client, lockPath: string, nodePath: string, driver: LockDriver, signal: AbortSignal): Promise<void> {
  const ourName = baseName(nodePath);
  for (;;) {
    const children = await childrenOf(client, lockPath, signal);
    const queue = sortBySequence(children.filter((c) => driver.isParticipant(unprotectedName(c))));
    const ourIndex = queue.indexOf(ourName);
    if (ourIndex < 0) throw new KeeperError(ErrorCode.NONODE, nodePath, { detail: 'our lock node was deleted while waiting' });
    const decision = driver.decide(queue, ourIndex);
    if (decision.granted) return;
    // Checked after the decision: a zero timeout still gets one look at the queue.
    if (signal.aborted) throw abortReason(signal);
    await waitForNodeGone(client, joinPath(lockPath, decision.waitFor), signal);
  }
}

/**
 * Resolves once `path` does not exist; rejects on abort or session end. (Not internal/waitForDeletion:
 * that one misses a signal that aborts while its exists call is in flight, and would then wait on.)
 */
export async function waitForNodeGone(client: Client, path: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    if (signal.aborted) throw abortReason(signal);
    let fired!: () => void;
    const changed = new Promise<void>((resolve) => {
      fired = resolve;
    });
    let stat: Stat | null;
    try {
      stat = await client.exists(path, { watch: () => fired() });
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await whenConnected(client, signal);
      continue;
    }
    if (stat === null) return;
    await waitForEvent(client, changed, signal);
  }
}

/** The children of `path`, retried across connection losses (the signal bounds the wait to reconnect). */
export async function childrenOf(client: Client, path: string, signal: AbortSignal, watch?: (e: WatchedEvent) => void): Promise<string[]> {
  for (;;) {
    try {
      return (await client.getChildren(path, watch === undefined ? {} : { watch })).children;
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await whenConnected(client, signal);
    }
  }
}

/** Deletes the node whether or not its create's answer arrived; errors are dropped (the node is ephemeral). */
async function removeOwnNode(client: Client, parent: string, guid: string, nodePath: string | undefined): Promise<void> {
  try {
    const path = nodePath ?? (await findProtected(client, parent, guid));
    if (path !== undefined) await deleteLockNode(client, path);
  } catch {
    // Only an ended session (its ephemerals are gone with it) or a server refusal can land here.
  }
}

/** Deletes a lock node, retrying across connection losses; done once it is gone or the session has ended. */
export async function deleteLockNode(client: Client, nodePath: string): Promise<void> {
  for (;;) {
    try {
      await client.delete(nodePath);
      return;
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE) || KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) return;
      if (!isConnectionLoss(e)) throw e;
    }
    try {
      await whenConnected(client);
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) return;
      throw e;
    }
  }
}

/** Resolves when `fired` does; rejects on abort or when the session ends (SESSIONEXPIRED). */
export async function waitForEvent(client: Client, fired: Promise<void>, signal: AbortSignal): Promise<void> {
  let cleanup = (): void => {};
  const ended = new Promise<never>((_, reject) => {
    const onState = (state: ClientState): void => {
      if (isFinalState(state)) reject(new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { detail: `client is ${state}` }));
    };
    const onAbort = (): void => reject(abortReason(signal));
    if (signal.aborted) return onAbort();
    client.on('state', onState);
    signal.addEventListener('abort', onAbort, { once: true });
    cleanup = () => {
      client.off('state', onState);
      signal.removeEventListener('abort', onAbort);
    };
  });
  try {
    await Promise.race([fired, ended]);
  } finally {
    cleanup();
  }
}

/**
 * Watches a granted node for as long as it is held: `onLost` is called once if the node is deleted or the
 * session ends (expired, or the client closed), because then the lock is gone on the server.
 */
export class HeldNode {
  private stopped = false;

  private constructor(private readonly client: Client, readonly nodePath: string, private readonly onLost: (error: KeeperError) => void) {
    client.on('state', this.clientOnState);
  }

  /** Starts watching; resolves with the node's Stat (its czxid is the fencing token). */
  static async start(client: Client, nodePath: string, onLost: (error: KeeperError) => void, signal: AbortSignal): Promise<{ held: HeldNode; stat: Stat }> {
    const held = new HeldNode(client, nodePath, onLost);
    try {
      const stat = await held.arm(signal);
      if (stat === null) throw new KeeperError(ErrorCode.NONODE, nodePath, { detail: 'lock node vanished as it was granted' });
      return { held, stat };
    } catch (e) {
      held.stop();
      throw e;
    }
  }

  /** Still watching: not stopped, and no loss seen. */
  get active(): boolean {
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.client.off('state', this.clientOnState);
  }

  private async arm(signal?: AbortSignal): Promise<Stat | null> {
    for (;;) {
      try {
        return await this.client.exists(this.nodePath, { watch: this.nodeOnEvent });
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client, signal);
      }
    }
  }

  private lose(error: KeeperError): void {
    if (this.stopped) return;
    this.stop();
    this.onLost(error);
  }

  private readonly clientOnState = (state: ClientState): void => {
    if (isFinalState(state)) this.lose(new KeeperError(ErrorCode.SESSIONEXPIRED, this.nodePath, { detail: `lock lost: client is ${state}` }));
  };

  private readonly nodeOnEvent = (event: WatchedEvent): void => {
    if (this.stopped) return;
    if (event.type === EventType.NodeDeleted) {
      this.lose(new KeeperError(ErrorCode.NONODE, this.nodePath, { detail: 'lock lost: our node was deleted' }));
    } else if (event.type === EventType.None && event.state === KeeperState.Expired) {
      this.lose(new KeeperError(ErrorCode.SESSIONEXPIRED, this.nodePath, { detail: 'lock lost: session expired' }));
    } else if (event.type !== EventType.None) {
      // Someone changed our node's data: the one-shot watch is spent, so set it again.
      this.arm().then(
        (stat) => { if (stat === null) this.lose(new KeeperError(ErrorCode.NONODE, this.nodePath, { detail: 'lock lost: our node was deleted' })); },
        (e: unknown) => { if (KeeperError.is(e)) this.lose(e); },
      );
    }
  }
}

/** Resolves with `promise`'s outcome ignored, or rejects when the signal aborts first. */
export async function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw abortReason(signal);
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Where listener errors of recipe emitters go: they must not break the recipe. */
export function reportListenerError(error: unknown): void {
  globalThis.console?.error('canopy recipe: a listener threw', error);
}

/** tryAcquire for any lock: its acquire with a timeout, false (holding nothing) instead of OPERATIONTIMEOUT. */
export async function tryAcquireWithin(acquire: (opts: LockOptions) => Promise<unknown>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await acquire(signal === undefined ? { timeoutMs } : { timeoutMs, signal });
    return true;
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.OPERATIONTIMEOUT)) return false;
    throw e;
  }
}
