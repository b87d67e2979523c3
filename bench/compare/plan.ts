// What bench:compare runs: cluster shapes, and cases (a workload with its settings, and the figures read
// from its result). The same case runs the same workload code against both systems. A plan says which
// client drives each system and which cases it runs.
import { assertNever } from '../../protocol/assert-never.js';
import type { ClusterSize } from '../launch/cluster.js';
import type { BenchOptionsInput } from '../options.js';
import { nativeProtocol } from '../protocols.js';
import type { ClientProtocol, SystemName, WorkloadResult } from '../types.js';

/**
 * - `own-clients`: each system through its own client (Canopy's SDK over WebSocket, ZooKeeper through
 *   node-zookeeper-client), every case: docs/performance.md's main table.
 * - `zk-client`: both through node-zookeeper-client over ZooKeeper's protocol (Canopy's ZooKeeper door), the
 *   throughput and latency cases: the same client library on both sides, a section of its own.
 */
export type PlanName = 'own-clients' | 'zk-client';

export const PLAN_NAMES: readonly PlanName[] = ['own-clients', 'zk-client'];

/** The cases the zk-client plan runs: reads, writes and the mix, for throughput and for latency. */
export const ZK_CLIENT_CASE_IDS: readonly string[] = ['create', 'set', 'get', 'mixed', 'latency-create', 'latency-set', 'latency-get'];

/** What a system's sessions speak under a plan. */
export function planProtocol(plan: PlanName, system: SystemName): ClientProtocol {
  switch (plan) {
    case 'own-clients': return nativeProtocol(system);
    case 'zk-client': return 'zookeeper';
    default: return assertNever(plan, 'plan');
  }
}

/** Every case a plan may run (--workloads picks among them). */
export function planCases(plan: PlanName, scale: PlanScale): CompareCase[] {
  switch (plan) {
    case 'own-clients': return compareCases(scale);
    case 'zk-client': return compareCases(scale).filter((c) => ZK_CLIENT_CASE_IDS.includes(c.id));
    default: return assertNever(plan, 'plan');
  }
}

export type ShapeName = 'standalone' | 'ensemble3';

export interface Shape {
  readonly name: ShapeName;
  readonly size: ClusterSize;
  readonly label: string;
}

export const SHAPES: readonly Shape[] = [
  { name: 'standalone', size: 1, label: 'standalone' },
  { name: 'ensemble3', size: 3, label: '3-server ensemble' },
];

/** Which way a figure is better: more throughput, or less time and memory. */
export type Better = 'higher' | 'lower';

export interface Figure {
  readonly key: string;
  readonly label: string;
  readonly better: Better;
  read(result: WorkloadResult): number | undefined;
}

export interface CompareCase {
  readonly id: string;
  /** Shapes it runs on (restart: standalone only; failover: an ensemble only). */
  readonly shapes: readonly ShapeName[];
  /** What the run is asked for, before system, connect string and pids. */
  readonly input: BenchOptionsInput;
  readonly figures: readonly Figure[];
}

/** How long and how big: what --quick, --duration, --znodes and the like change. */
export interface PlanScale {
  durationSeconds: number;
  warmupSeconds: number;
  /** watch-fanout's two sizes. */
  watchers: readonly [number, number];
  watchRounds: number;
  znodes: number;
  failoverRounds: number;
}

export const FULL_SCALE: Readonly<PlanScale> = Object.freeze({
  durationSeconds: 10, warmupSeconds: 2, watchers: [1_000, 10_000] as const, watchRounds: 5, znodes: 1_000_000, failoverRounds: 3,
});

/** A smoke run: every case, each in a second or two. */
export const QUICK_SCALE: Readonly<PlanScale> = Object.freeze({
  durationSeconds: 1, warmupSeconds: 0, watchers: [50, 200] as const, watchRounds: 2, znodes: 2_000, failoverRounds: 1,
});

const opsPerSecond: Figure = { key: 'opsPerSecond', label: 'ops/s', better: 'higher', read: (r) => r.opsPerSecond };
const p50: Figure = { key: 'p50', label: 'p50 ms', better: 'lower', read: (r) => r.latencyMs.p50 };
const p99: Figure = { key: 'p99', label: 'p99 ms', better: 'lower', read: (r) => r.latencyMs.p99 };

function extraFigure(key: string, label: string, better: Better): Figure {
  return { key, label, better, read: (r) => r.extra[key] };
}

/** 8 sessions × 64 in flight, 100-byte values: the throughput cases. */
const LOAD = { sessions: 8, inFlight: 64, valueSizeBytes: 100 } as const;
const LATENCY = { sessions: 1, inFlight: 1, valueSizeBytes: 100 } as const;
const BOTH: readonly ShapeName[] = ['standalone', 'ensemble3'];

export function compareCases(scale: PlanScale): CompareCase[] {
  const timed = { durationSeconds: scale.durationSeconds, warmupSeconds: scale.warmupSeconds };
  const load = (workload: string): CompareCase => ({
    id: workload, shapes: BOTH, input: { workload, ...LOAD, ...timed }, figures: [opsPerSecond],
  });
  const latency = (workload: string): CompareCase => ({
    id: `latency-${workload}`, shapes: BOTH, input: { workload, ...LATENCY, ...timed }, figures: [p50, p99],
  });
  const fanout = (watchers: number): CompareCase => ({
    id: `watch-fanout-${watchers}`, shapes: BOTH, input: { workload: 'watch-fanout', watchers, rounds: scale.watchRounds },
    figures: [extraFigure('fanoutMs', 'fan-out ms', 'lower')],
  });
  const sessions = (atOnce: number): CompareCase => ({
    id: `sessions-${atOnce}`, shapes: BOTH, input: { workload: 'sessions', sessions: atOnce, ...timed },
    figures: [{ ...opsPerSecond, label: 'sessions/s' }, p50],
  });
  return [
    load('create'), load('set'), load('get'), load('mixed'),
    latency('create'), latency('set'), latency('get'),
    fanout(scale.watchers[0]), fanout(scale.watchers[1]),
    sessions(8), sessions(1),
    {
      id: 'restart', shapes: ['standalone'], input: { workload: 'restart', znodes: scale.znodes, ...LOAD },
      figures: [
        extraFigure('restartGracefulSeconds', 'restart after stop, s', 'lower'),
        extraFigure('restartKilledSeconds', 'restart after kill -9, s', 'lower'),
        extraFigure('rssMiB', 'RSS after fill, MiB', 'lower'),
      ],
    },
    {
      id: 'failover', shapes: ['ensemble3'], input: { workload: 'failover', sessions: 3, inFlight: 4, valueSizeBytes: 100, rounds: scale.failoverRounds },
      figures: [extraFigure('failoverMs', 'failover ms', 'lower')],
    },
  ];
}
