// The whole-replica seeds CI runs, shared by the test files that split them (so that node --test runs
// them in parallel): a batch of seeds, its totals, and the assertions that the runs really exercised what
// they claim to (so that the simulator cannot quietly do nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReplicaSeed } from './simulate.js';
import type { ReplicaRunResult, ReplicaRunStats } from './simulate.js';
import { addReplicaStats, emptyReplicaTotals, formatReplicaTotals, replicaReplayCommand } from './summary.js';

export interface BatchResult {
  totals: ReplicaRunStats;
  failures: ReplicaRunResult[];
}

export function runBatch(servers: number, start: number, count: number): BatchResult {
  const totals = emptyReplicaTotals();
  const failures: ReplicaRunResult[] = [];
  for (let seed = start; seed < start + count; seed++) {
    const r = runReplicaSeed(seed, servers);
    addReplicaStats(totals, r.stats);
    if (!r.ok) failures.push(r);
  }
  return { totals, failures };
}

export function describeFailures(failures: readonly ReplicaRunResult[]): string {
  return failures.map((r) => `seed ${r.seed} servers ${r.servers} at step ${r.failure!.step}: [${r.failure!.kind}] ${r.failure!.message}\n  replay: ${replicaReplayCommand(r)} --verbose`).join('\n');
}

/** Every fault kind struck and every path the checks watch was taken, in proportion to the runs. */
export function assertExercised(t: ReplicaRunStats, runs: number): void {
  const at = (what: keyof ReplicaRunStats, perRun: number): void => {
    const n = t[what] as number;
    assert.ok(n >= perRun * runs, `only ${n} ${what} in ${runs} runs (expected at least ${perRun * runs})\n${formatReplicaTotals(t)}`);
  };
  at('commits', 30);
  at('ackedWrites', 15);
  at('registerOps', 30);
  at('watchEvents', 3);
  at('expiries', 0.3);
  at('crashes', 1);
  at('storageFailures', 0.05);
  at('tornDropped', 0.05);
  at('pauses', 0.5);
  at('partitions', 1);
  at('linkDrops', 1);
  at('clientCuts', 0.5);
  at('silences', 0.5);
  at('localSnapshots', 2);
  for (const mode of ['snap', 'diff', 'trunc'] as const) assert.ok(t.syncs[mode] > 0, `no ${mode.toUpperCase()} sync in ${runs} runs`);
}

/** The CI test of one batch: no failing seed, and every fault kind and checked path exercised. */
export function seedsTest(servers: number, start: number, count: number): void {
  test(`${count} seeds with ${servers} servers keep every check and converge after healing`, () => {
    const { totals, failures } = runBatch(servers, start, count);
    assert.equal(failures.length, 0, `${failures.length} failing runs:\n${describeFailures(failures)}`);
    assertExercised(totals, count);
  });
}
