// Waiting inside the coordination recipes: a watch event (or a timer) raced against the end of the
// session, the caller's AbortSignal and a deadline. Every wait ends: it resolves when what it waits for
// happens, and rejects with SESSIONEXPIRED when the session ends (an expired session is final for a
// Client), with the signal's reason on abort, and with OPERATIONTIMEOUT at the deadline.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { abortReason } from './internal/connected.js';
import { isFinalState } from '../connection.js';

/**
 * How long a recipe wait may last, and what may cut it short.
 */
export interface WaitOptions {
  /** Give up after this long (OPERATIONTIMEOUT). Default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** An absolute deadline (ms since epoch) from a relative timeout; undefined means none. */
export function deadlineFrom(timeoutMs: number | undefined): number | undefined {
  if (timeoutMs === undefined) return undefined;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new KeeperError(ErrorCode.BADARGUMENTS, undefined, { detail: `timeoutMs must be a non-negative number (got ${String(timeoutMs)})` });
  }
  return Date.now() + timeoutMs;
}

export function timeoutError(what: string): KeeperError {
  return new KeeperError(ErrorCode.OPERATIONTIMEOUT, undefined, { detail: `timed out waiting for ${what}` });
}

export function sessionEndedError(state: ClientState): KeeperError {
  return new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { detail: `client is ${state}` });
}

/** Throws when the signal has fired or the deadline has passed: the checks before each step of a loop. */
export function throwIfDone(signal: AbortSignal | undefined, deadlineMs: number | undefined, what: string): void {
  if (signal?.aborted) throw abortReason(signal);
  if (deadlineMs !== undefined && Date.now() >= deadlineMs) throw timeoutError(what);
}

export interface RaceOptions {
  signal?: AbortSignal;
  deadlineMs?: number;
  /** What is awaited, for the timeout's message. */
  what: string;
}

/**
 * Waits for `event`, or fails when the session ends, the signal aborts or the deadline passes. The
 * listeners and the timer are removed whichever way it ends.
 */
export async function raceSessionEnd(client: Client, event: Promise<void>, opts: RaceOptions): Promise<void> {
  let cleanup = (): void => {};
  const ended = new Promise<never>((_, reject) => {
    const onState = (state: ClientState): void => {
      if (isFinalState(state)) reject(sessionEndedError(state));
    };
    const onAbort = (): void => reject(abortReason(opts.signal));
    const timer = opts.deadlineMs === undefined
      ? undefined
      : setTimeout(() => reject(timeoutError(opts.what)), Math.max(0, opts.deadlineMs - Date.now()));
    client.on('state', onState);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = () => {
      client.off('state', onState);
      opts.signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
    if (isFinalState(client.state)) onState(client.state);
    if (opts.signal?.aborted) onAbort();
  });
  try {
    await Promise.race([event, ended]);
  } finally {
    cleanup();
  }
}

/** A one-shot trigger: `fire` is safe to call any number of times; `fired` resolves on the first. */
export function trigger(): { fired: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}

/** A timer as a promise that never rejects; `cancel` stops it (the promise then stays pending). */
export function delay(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/**
 * A recipe used after close(): its waits end with it, and calls on a closed recipe throw it.
 */
export class RecipeClosedError extends Error {
  constructor(what: string) {
    super(`${what} is closed`);
    this.name = 'RecipeClosedError';
  }
}
