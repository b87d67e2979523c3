// One run from one seed: a fault phase, then a heal phase that demands liveness (a leader established, a
// write proposed after healing committed, every peer serving at the same zxid and digest) within a bound.
// Any thrown error is the run's failure; the result says which kind and carries the trace.
import { ZabInvariantError } from '../../src/zab/index.js';
import { Cluster, type SyncCounts } from './cluster.js';
import { CALM_FAULTS, makeConfig, type ConfigOverrides, type SimConfig } from './config.js';
import { DiskModelError } from './disk.js';
import { faultHook } from './faults.js';
import { SimInvariantError } from './invariants.js';
import { SimLimitError } from './network.js';
import { Prng, deriveSeed } from './prng.js';
import { hex } from './trace.js';

export type FailureKind = 'invariant' | 'zab-invariant' | 'liveness' | 'disk-model' | 'limit' | 'error';

export interface RunStats {
  steps: number;
  commits: number;
  proposedTxns: number;
  elections: number;
  crashes: number;
  pauses: number;
  partitions: number;
  localSnapshots: number;
  syncs: SyncCounts;
  messages: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Steps from healing to convergence. */
  healSteps: number;
  /** Ack durability violations recorded under tolerateAckDurability. */
  toleratedAcks: number;
}

export interface RunResult {
  seed: number;
  peers: number;
  ok: boolean;
  failure?: { kind: FailureKind; message: string; step: number; stack?: string };
  stats: RunStats;
  /** The last events, formatted (only on failure). */
  trace?: string;
}

export class LivenessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LivenessError';
  }
}

export function classify(e: unknown): FailureKind {
  if (e instanceof SimInvariantError) return 'invariant';
  if (e instanceof ZabInvariantError) return 'zab-invariant';
  if (e instanceof LivenessError) return 'liveness';
  if (e instanceof DiskModelError) return 'disk-model';
  if (e instanceof SimLimitError) return 'limit';
  return 'error';
}

/** alwaysTrace: return the trace of a passing run too (determinism checks). */
export function runSeed(seed: number, peers: number, overrides: ConfigOverrides = {}, alwaysTrace = false): RunResult {
  const config = makeConfig(seed, peers, overrides);
  const c = new Cluster(config);
  let healSteps = 0;
  let failure: RunResult['failure'];
  try {
    c.start();
    c.hook = faultHook(new Prng(deriveSeed(seed, peers, 4)));
    while (c.now < config.faultSteps) c.step();
    healSteps = healAndConverge(c, config);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const kind = classify(e);
    failure = { kind, message: err.message, step: c.now, ...(kind === 'error' || kind === 'disk-model' ? { stack: err.stack } : {}) };
  }
  const result: RunResult = { seed, peers, ok: failure === undefined, stats: collectStats(c, healSteps) };
  if (failure !== undefined) result.failure = failure;
  if (failure !== undefined || alwaysTrace) result.trace = c.trace.format();
  return result;
}

function collectStats(c: Cluster, healSteps: number): RunStats {
  const net = c.network.stats;
  return {
    steps: c.now, commits: c.checker.committedCount, proposedTxns: c.stats.proposedTxns, elections: c.checker.leaders.size,
    crashes: c.stats.crashes, pauses: c.stats.pauses, partitions: net.partitions, localSnapshots: c.stats.localSnapshots,
    syncs: { ...c.stats.syncs }, messages: net.sent, dropped: net.dropped, duplicated: net.duplicated, reordered: net.reordered, healSteps, toleratedAcks: c.checker.tolerated.length,
  };
}

/** Ends every fault, then waits for a committed post-heal write and a converged, serving cluster. */
export function healAndConverge(c: Cluster, config: SimConfig): number {
  const healedAt = c.now;
  c.hook = undefined;
  for (const p of c.network.healAll()) c.trace.add(c.now, 0, 'heal', p.label);
  c.network.faults = { ...CALM_FAULTS };
  c.slowDiskP = 0;
  for (const n of c.nodes) {
    if (n.state === 'crashed') c.restart(n.id);
    else if (n.state === 'paused') c.resume(n.id);
  }
  c.trace.add(c.now, 0, 'heal-phase', 'all faults healed');
  const markers: { zxid: number; by: number; epoch: number }[] = [];
  const bound = config.healTicksMax * config.tickEveryStepsMax;
  const done = c.runUntil(() => {
    const committed = markers.some((m) => c.checker.isCommitted(m.zxid));
    if (!committed) {
      const last = markers[markers.length - 1];
      const stillProposing = last !== undefined && c.node(last.by).canPropose && c.node(last.by).status.epoch === last.epoch;
      const leader = c.proposers()[0];
      if (!stillProposing && leader !== undefined) {
        const txn = c.proposeMarker(leader.id);
        markers.push({ zxid: txn.zxid, by: leader.id, epoch: leader.status.epoch });
      }
      return false;
    }
    return converged(c, Math.min(...markers.filter((m) => c.checker.isCommitted(m.zxid)).map((m) => m.zxid)));
  }, bound);
  if (!done) throw new LivenessError(`no convergence within ${config.healTicksMax} ticks after healing: ${describe(c, markers.map((m) => m.zxid))}`);
  return c.now - healedAt;
}

function converged(c: Cluster, markerZxid: number): boolean {
  const first = c.nodes[0]!;
  const zxid = first.tree.lastZxid;
  if (zxid < markerZxid) return false;
  for (const n of c.nodes) {
    if (n.state !== 'up' || !n.status.serving || n.status.epoch !== first.status.epoch || n.tree.lastZxid !== zxid) return false;
  }
  for (const n of c.nodes) c.checker.checkTree(n.id, n.tree, 'at convergence');
  return true;
}

function describe(c: Cluster, markers: number[]): string {
  const peers = c.nodes.map((n) => {
    const d = n.peer?.diagnostics();
    const why = d === undefined ? '' : ` last=${hex(d.lastZxid)} committed=${hex(d.committedZxid)} durable=${hex(d.durableZxid)} stepDown="${d.lastStepDownReason}"`;
    return `p${n.id}:${n.state}/${n.status.state}${n.status.serving ? '*' : ''} epoch=${n.status.epoch} applied=${hex(n.tree.lastZxid)}${why}`;
  });
  return `markers [${markers.map(hex).join(',')}]; ${peers.join('; ')}`;
}
