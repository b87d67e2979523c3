// Totals across runs and the replay command a failing run prints.
import { DEFAULT_FAULT_STEPS } from './config.js';
import type { RunStats } from './simulate.js';

export function replayCommand(r: { seed: number; peers: number }, steps: number, tolerateAck = false, intensity = 1, history?: number): string {
  const extra = (steps === DEFAULT_FAULT_STEPS ? '' : ` --steps ${steps}`) + (tolerateAck ? ' --tolerate-ack' : '') +
    (intensity === 1 ? '' : ` --intensity ${intensity}`) + (history === undefined ? '' : ` --history ${history}`);
  return `npm run sim -- --level peer --seed ${r.seed} --peers ${r.peers}${extra}`;
}

export function emptyTotals(): RunStats {
  return {
    steps: 0, commits: 0, proposedTxns: 0, elections: 0, crashes: 0, pauses: 0, partitions: 0, localSnapshots: 0,
    syncs: { snap: 0, diff: 0, trunc: 0 }, messages: 0, dropped: 0, duplicated: 0, reordered: 0, healSteps: 0, toleratedAcks: 0,
  };
}

/** Adds run stats (numbers, and the sync counts) into totals; the replica level's stats too. */
export function addStats<T extends { syncs: { snap: number; diff: number; trunc: number } }>(total: T, s: T): void {
  for (const k of Object.keys(total) as (keyof T)[]) {
    if (k === 'syncs') {
      total.syncs.snap += s.syncs.snap;
      total.syncs.diff += s.syncs.diff;
      total.syncs.trunc += s.syncs.trunc;
    } else (total[k] as number) += s[k] as number;
  }
}
