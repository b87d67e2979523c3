// Scripted runs that force one synchronisation path (SNAP, DIFF, TRUNC) on a calm network, so tests can
// assert the path was really taken. They use the same cluster, checks and liveness demand as seeded runs.
import type { ServerId } from '../../src/zab/index.js';
import { Cluster, type SyncCounts } from './cluster.js';
import { CALM_FAULTS, makeConfig, type PeerTuning } from './config.js';
import { healAndConverge } from './simulate.js';

const SETTLE_STEPS_MAX = 3000;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

export function calmCluster(seed: number, peers: number, tuning: Partial<PeerTuning> = {}): Cluster {
  const config = makeConfig(seed, peers, { randomFaults: false, randomLoad: false, faults: { ...CALM_FAULTS }, tuning });
  const c = new Cluster(config);
  c.start();
  return c;
}

/** Steps until exactly one peer can propose and every up peer serves it; returns the leader. */
export function settle(c: Cluster): ServerId {
  const ok = c.runUntil(() => {
    const leaders = c.proposers();
    if (leaders.length !== 1) return false;
    const epoch = leaders[0]!.status.epoch;
    return c.nodes.every((n) => n.state !== 'up' || (n.status.serving && n.status.epoch === epoch));
  }, SETTLE_STEPS_MAX);
  if (!ok) throw new ScenarioError(`no settled leader within ${SETTLE_STEPS_MAX} steps`);
  return c.proposers()[0]!.id;
}

/** Proposes txns batches at the leader and waits until each batch is committed. */
export function commitBatches(c: Cluster, leader: ServerId, batches: number, size: number): void {
  for (let i = 0; i < batches; i++) {
    const txns = c.propose(leader, size);
    const last = txns[txns.length - 1]!.zxid;
    if (!c.runUntil(() => c.checker.isCommitted(last), SETTLE_STEPS_MAX)) throw new ScenarioError(`batch ${i} never committed`);
  }
}

function delta(after: SyncCounts, before: SyncCounts): SyncCounts {
  return { snap: after.snap - before.snap, diff: after.diff - before.diff, trunc: after.trunc - before.trunc };
}

/** A follower is down while txnsWhileDown commit, then restarts; returns the syncs it received meanwhile. */
export function followerCatchUp(seed: number, peers: number, historyTxnsMax: number, txnsWhileDown: number): SyncCounts {
  const c = calmCluster(seed, peers, { historyTxnsMax });
  const leader = settle(c);
  commitBatches(c, leader, 2, 3);
  const follower = c.voters.find((id) => id !== leader)!;
  c.crash(follower);
  commitBatches(c, leader, Math.ceil(txnsWhileDown / 5), 5);
  const before = { ...c.syncsTo.get(follower)! };
  c.restart(follower);
  healAndConverge(c, c.config);
  return delta(c.syncsTo.get(follower)!, before);
}

/**
 * A leader is cut off right after proposing txns nobody else receives; the rest elect a new leader and
 * commit more; the partition heals. Returns the syncs the old leader received when it came back.
 */
export function cutOffLeader(seed: number, peers: number): { syncs: SyncCounts; orphansCommitted: number } {
  const c = calmCluster(seed, peers, { historyTxnsMax: 50 });
  const oldLeader = settle(c);
  commitBatches(c, oldLeader, 2, 3);
  c.isolate(oldLeader, 1_000_000);
  const orphans = c.propose(oldLeader, 3);
  const before = { ...c.syncsTo.get(oldLeader)! };
  const elected = c.runUntil(() => c.proposers().some((n) => n.id !== oldLeader), SETTLE_STEPS_MAX);
  if (!elected) throw new ScenarioError('the majority side elected no leader');
  const newLeader = c.proposers().find((n) => n.id !== oldLeader)!.id;
  commitBatches(c, newLeader, 2, 4);
  healAndConverge(c, c.config);
  const orphansCommitted = orphans.filter((t) => c.checker.isCommitted(t.zxid)).length;
  return { syncs: delta(c.syncsTo.get(oldLeader)!, before), orphansCommitted };
}
