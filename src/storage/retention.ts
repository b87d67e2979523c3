// Which snapshots and how much of the log a store keeps after writing a snapshot (autopurge in ZooKeeper's
// words). Pure functions: TxnStoreCore asks them, then deletes.
//
// A store keeps the snapRetainCount newest complete snapshots and the log after the oldest of them, so that
// recovery can fall back on any kept snapshot if the newer ones fail verification. The minimum is 2: with one,
// a snapshot damaged on disk would leave nothing to recover from (ZooKeeper's minimum is 3; Canopy's default,
// set in the server's config, is 3 too). purgeIntervalMs 0 purges as each snapshot is written (what Canopy
// has always done); N > 0 purges at most once every N ms, checked when a snapshot is written: snapshots pile
// up in between, and the first snapshot after the store opens purges. ZooKeeper's purgeInterval 0 means never
// purge, which fills disks; Canopy has no "never".
import { assertZxid } from './layout.js';

/** The fewest snapshots a store keeps: the newest, and one to fall back on. */
export const SNAP_RETAIN_COUNT_MIN = 2;
/** The most: each one is a whole copy of the tree on disk. */
export const SNAP_RETAIN_COUNT_MAX = 1000;
export const DEFAULT_SNAP_RETAIN_COUNT = SNAP_RETAIN_COUNT_MIN;

export interface RetentionPolicy {
  /** Complete snapshots kept, the newest included; in [SNAP_RETAIN_COUNT_MIN, SNAP_RETAIN_COUNT_MAX]. */
  snapRetainCount: number;
  /** 0: purge as each snapshot is written; N: at most once every N ms. */
  purgeIntervalMs: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionPolicy> = Object.freeze({ snapRetainCount: DEFAULT_SNAP_RETAIN_COUNT, purgeIntervalMs: 0 });

export function checkRetention(policy: RetentionPolicy): void {
  const { snapRetainCount: count, purgeIntervalMs: interval } = policy;
  if (!Number.isSafeInteger(count) || count < SNAP_RETAIN_COUNT_MIN || count > SNAP_RETAIN_COUNT_MAX) {
    throw new RangeError(`snapRetainCount must be an integer in [${SNAP_RETAIN_COUNT_MIN}, ${SNAP_RETAIN_COUNT_MAX}], got ${count}`);
  }
  if (!Number.isSafeInteger(interval) || interval < 0) throw new RangeError(`purgeIntervalMs must be a safe non-negative integer, got ${interval}`);
}

/** A snapshot the store holds, as retention sees it: complete (renamed into place, or with a meta that verifies) or not. */
export interface RetentionCandidate {
  zxid: number;
  complete: boolean;
}

export interface RetentionPlan {
  /** Snapshots to delete: older complete ones beyond the count, incomplete or damaged ones, any below the purge point. */
  deleteSnapshots: number[];
  /** Purge the log through this zxid (the oldest kept snapshot before the newest), or undefined to leave it. */
  purgeLogThrough: number | undefined;
}

/**
 * What to delete once snapshot `newest` is written. Only complete snapshots at or above purgedThroughZxid
 * count: recovery never loads one below it. The log is purged through the oldest kept snapshot other than
 * the newest, so every kept snapshot has the log after it; with no older one kept, the log stays whole.
 */
export function planRetention(
  candidates: readonly RetentionCandidate[], newest: number, purgedThroughZxid: number, policy: RetentionPolicy,
): RetentionPlan {
  assertZxid(newest, 'newest snapshot zxid');
  const older = candidates
    .filter((c) => c.complete && c.zxid < newest && c.zxid >= purgedThroughZxid)
    .map((c) => c.zxid)
    .sort((a, b) => b - a)
    .slice(0, policy.snapRetainCount - 1);
  const kept = new Set([newest, ...older]);
  const deleteSnapshots = candidates.filter((c) => !kept.has(c.zxid)).map((c) => c.zxid);
  const oldestKept = older[older.length - 1];
  const purgeLogThrough = oldestKept !== undefined && oldestKept > purgedThroughZxid ? oldestKept : undefined;
  return { deleteSnapshots, purgeLogThrough };
}

/** Whether a purge is due now: always with interval 0, else once interval ms passed since the last (or none yet). */
export function purgeDue(policy: RetentionPolicy, lastPurgeMs: number | undefined, nowMs: number): boolean {
  return policy.purgeIntervalMs === 0 || lastPurgeMs === undefined || nowMs - lastPurgeMs >= policy.purgeIntervalMs;
}
