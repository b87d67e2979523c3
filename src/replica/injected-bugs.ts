// Bugs the simulator injects on purpose, to show that its checks catch them. Only the simulator passes
// these (through ReplicaOptions.injectedBugs); no configuration key, flag or environment variable of a
// real server can set them, so a production server always runs with every one off.
export interface InjectedBugs {
  /** The storage port's completion is taken as durable as soon as the write is issued (ack before fsync). */
  readonly ackBeforeFsync?: boolean;
  /** Committed txns handed over together are applied out of zxid order. */
  readonly applyOutOfOrder?: boolean;
  /** The leader ends an expired session locally instead of committing a closeSession txn. */
  readonly expireWithoutTxn?: boolean;
  /** A read is answered at once, ahead of the same session's earlier writes still in flight. */
  readonly readBeforeOwnWrite?: boolean;
  /** Watches a reconnecting client re-registers (setWatches2) are ignored. */
  readonly dropWatchesOnReconnect?: boolean;
  /** A follower serves clients as soon as it follows a leader, before it is synced. */
  readonly serveBeforeSynced?: boolean;
}

export type InjectedBugName = keyof InjectedBugs;

export const INJECTED_BUG_NAMES: readonly InjectedBugName[] = [
  'ackBeforeFsync', 'applyOutOfOrder', 'expireWithoutTxn', 'readBeforeOwnWrite', 'dropWatchesOnReconnect', 'serveBeforeSynced',
];

export const NO_INJECTED_BUGS: InjectedBugs = Object.freeze({});
