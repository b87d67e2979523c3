// Totals across whole-replica runs, and the one command that replays a run.
import { addStats } from '../summary.js';
import type { InjectedBugName } from '../../../src/replica/injected-bugs.js';
import { DEFAULT_REPLICA_FAULT_STEPS, FAULT_KINDS } from './config.js';
import type { FaultKind } from './config.js';
import type { ReplicaRunStats } from './simulate.js';

export interface ReplicaRunOptions {
  steps: number;
  intensity: number;
  kinds: readonly FaultKind[];
  bug: InjectedBugName | undefined;
}

export const DEFAULT_REPLICA_RUN_OPTIONS: ReplicaRunOptions = { steps: DEFAULT_REPLICA_FAULT_STEPS, intensity: 1, kinds: FAULT_KINDS, bug: undefined };

export function replicaReplayCommand(r: { seed: number; servers: number }, o: ReplicaRunOptions = DEFAULT_REPLICA_RUN_OPTIONS): string {
  const allKinds = FAULT_KINDS.every((k) => o.kinds.includes(k));
  const extra = (o.steps === DEFAULT_REPLICA_FAULT_STEPS ? '' : ` --steps ${o.steps}`) + (o.intensity === 1 ? '' : ` --intensity ${o.intensity}`) +
    (allKinds ? '' : ` --faults ${o.kinds.length === 0 ? 'none' : o.kinds.join(',')}`) + (o.bug === undefined ? '' : ` --bug ${o.bug}`);
  return `npm run sim -- --seed ${r.seed} --peers ${r.servers}${extra}`;
}

export function emptyReplicaTotals(): ReplicaRunStats {
  return {
    steps: 0, commits: 0, elections: 0, crashes: 0, storageFailures: 0, tornDropped: 0, pauses: 0, partitions: 0, localSnapshots: 0,
    syncs: { snap: 0, diff: 0, trunc: 0 }, messages: 0, dropped: 0, linkDrops: 0, clientCuts: 0, silences: 0, sessions: 0, expiries: 0,
    watchEvents: 0, clientOps: 0, ackedWrites: 0, registerOps: 0, healSteps: 0,
  };
}

export const addReplicaStats: (total: ReplicaRunStats, s: ReplicaRunStats) => void = addStats;

export function formatReplicaTotals(t: ReplicaRunStats): string {
  return [
    `steps ${t.steps}  commits ${t.commits}  elections ${t.elections}  client ops ${t.clientOps}  acked writes ${t.ackedWrites}  register ops ${t.registerOps}`,
    `sessions ${t.sessions}  expiries ${t.expiries}  watch events ${t.watchEvents}  link drops ${t.linkDrops}  client cuts ${t.clientCuts}  silences ${t.silences}`,
    `crashes ${t.crashes}  storage failures ${t.storageFailures}  torn records dropped ${t.tornDropped}  pauses ${t.pauses}  partitions ${t.partitions}  local snapshots ${t.localSnapshots}`,
    `syncs: snap ${t.syncs.snap}  diff ${t.syncs.diff}  trunc ${t.syncs.trunc}   peer messages ${t.messages} (dropped ${t.dropped})  heal steps ${t.healSteps}`,
  ].join('\n');
}
