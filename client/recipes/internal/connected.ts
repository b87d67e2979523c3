// Waiting on the client's connection from inside a recipe: after a CONNECTIONLOSS a recipe waits for the
// session to come back (same session, its ephemerals intact) or to be declared expired (everything the
// recipe held is gone and the caller must be told).
import type { Client } from '../../client.js';
import { KeeperError } from '../../errors.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { ClientState } from '../../connection.js';

/** Resolves once connected; rejects with SESSIONEXPIRED (expired or closed) or the signal's reason. */
export function whenConnected(client: Client, signal?: AbortSignal): Promise<void> {
  const fail = (state: ClientState): KeeperError | undefined =>
    state === 'expired' || state === 'closed' ? new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { detail: `client is ${state}` }) : undefined;
  if (client.state === 'connected') return Promise.resolve();
  const early = fail(client.state);
  if (early !== undefined) return Promise.reject(early);
  return new Promise<void>((resolve, reject) => {
    const onState = (state: ClientState): void => {
      if (state === 'connected') done(() => resolve());
      const err = fail(state);
      if (err !== undefined) done(() => reject(err));
    };
    const onAbort = (): void => done(() => reject(abortReason(signal)));
    const done = (settle: () => void): void => {
      client.off('state', onState);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal?.aborted) return reject(abortReason(signal));
    client.on('state', onState);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('aborted');
}

/** Whether an error means "the outcome is unknown, try again once reconnected". */
export function isConnectionLoss(e: unknown): boolean {
  return KeeperError.is(e, ErrorCode.CONNECTIONLOSS) || KeeperError.is(e, ErrorCode.OPERATIONTIMEOUT);
}

/**
 * Runs an idempotent operation until it gets an answer: after a CONNECTIONLOSS it waits for the session to
 * come back and tries again. Only for operations that are safe to repeat (reads, versioned writes).
 */
export async function retryOnConnectionLoss<T>(client: Client, op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
    }
    await whenConnected(client, signal);
  }
}
