// Waits for a node to go away: the building block of herd-free waiting (each waiter watches only the node
// just ahead of it). The watch is one-shot and survives reconnects (the SDK re-registers it); session
// expiry ends the wait with SESSIONEXPIRED.
import type { Client } from '../../client.js';
import type { ClientState } from '../../connection.js';
import { KeeperError } from '../../errors.js';
import { ErrorCode, EventType } from '../../../protocol/index.js';
import { abortReason, isConnectionLoss, whenConnected } from './connected.js';

/** Resolves once `path` does not exist. Rejects on abort, on timeout (OPERATIONTIMEOUT) or on session end. */
export async function waitForDeletion(client: Client, path: string, opts: { signal?: AbortSignal; deadlineMs?: number } = {}): Promise<void> {
  for (;;) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    let fired!: () => void;
    const event = new Promise<void>((resolve) => {
      fired = resolve;
    });
    let stat;
    try {
      stat = await client.exists(path, { watch: (e) => { if (e.type === EventType.NodeDeleted || e.type === EventType.NodeCreated || e.type === EventType.NodeDataChanged) fired(); } });
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await whenConnected(client, opts.signal);
      continue;
    }
    if (stat === null) return;
    await raceEnd(client, event, opts);
  }
}

/** Waits for `event`, or fails when the session ends, the signal aborts or the deadline passes. */
async function raceEnd(client: Client, event: Promise<void>, opts: { signal?: AbortSignal; deadlineMs?: number }): Promise<void> {
  let cleanup = (): void => {};
  const ended = new Promise<never>((_, reject) => {
    const onState = (state: ClientState): void => {
      if (state === 'expired' || state === 'closed') reject(new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { detail: `client is ${state}` }));
    };
    const onAbort = (): void => reject(abortReason(opts.signal));
    const timer = opts.deadlineMs === undefined ? undefined : setTimeout(() => reject(new KeeperError(ErrorCode.OPERATIONTIMEOUT, undefined, { detail: 'timed out waiting' })), Math.max(0, opts.deadlineMs - Date.now()));
    client.on('state', onState);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // An abort that fired while exists() was in flight has no event left to hear.
    if (opts.signal?.aborted) onAbort();
    cleanup = () => {
      client.off('state', onState);
      opts.signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };
  });
  try {
    await Promise.race([event, ended]);
  } finally {
    cleanup();
  }
}
