// The fault phase's per-step hook: crashes, pauses, partitions (symmetric and one-way), local snapshots
// and client load, each drawn from the run's fault profile.
import type { ServerId } from '../../src/zab/index.js';
import type { Cluster } from './cluster.js';
import type { Prng } from './prng.js';

const CRASH_STEPS = [5, 300] as const;
const PAUSE_STEPS = [5, 150] as const;
const PARTITION_STEPS = [10, 400] as const;
const PROPOSAL_TXNS = [1, 5] as const;

export function faultHook(rng: Prng): (c: Cluster) => void {
  return (c) => {
    const f = c.config.faults;
    if (c.config.randomFaults) {
      if (rng.chance(f.crashP)) crashOne(c, rng);
      if (rng.chance(f.pauseP)) pauseOne(c, rng);
      if (rng.chance(f.partitionP)) partitionSome(c, rng);
    }
    if (rng.chance(f.localSnapshotP)) c.localSnapshot(rng.pick(c.voters));
    if (c.config.randomLoad && rng.chance(f.loadP)) offerLoad(c, rng);
  };
}

function crashOne(c: Cluster, rng: Prng): void {
  const candidates = c.nodes.filter((n) => n.state !== 'crashed');
  if (candidates.length === 0) return;
  // Leaders are where the interesting failures are: crash one more often than chance would.
  const leaders = candidates.filter((n) => n.status.state === 'leading');
  const victim = leaders.length > 0 && rng.chance(0.4) ? rng.pick(leaders) : rng.pick(candidates);
  const keep = rng.chance(0.3) ? rng.int(0, victim.disk.pendingWrites) : 0;
  c.crash(victim.id, c.now + rng.int(CRASH_STEPS[0], CRASH_STEPS[1]), keep);
}

function pauseOne(c: Cluster, rng: Prng): void {
  const candidates = c.nodes.filter((n) => n.state === 'up');
  if (candidates.length === 0) return;
  c.pause(rng.pick(candidates).id, c.now + rng.int(PAUSE_STEPS[0], PAUSE_STEPS[1]));
}

function partitionSome(c: Cluster, rng: Prng): void {
  const leader = (): ServerId | undefined => c.nodes.find((n) => n.status.state === 'leading')?.id;
  const p = drawPartition(rng, c.voters, leader, PARTITION_STEPS);
  c.partition(p.a, p.b, p.oneWay, p.durationSteps);
}

export interface DrawnPartition {
  a: ServerId[];
  b: ServerId[];
  oneWay: boolean;
  durationSteps: number;
}

/**
 * A partition of one of four shapes: a server (the leader half of the time) isolated, one link cut (maybe
 * one way), or the ensemble split in two, both ways or one way.
 */
export function drawPartition(rng: Prng, ids: readonly ServerId[], leader: () => ServerId | undefined, steps: readonly [number, number]): DrawnPartition {
  const durationSteps = rng.int(steps[0], steps[1]);
  const kind = rng.int(0, 3);
  if (kind === 0) {
    const l = leader();
    const id = l !== undefined && rng.chance(0.5) ? l : rng.pick(ids);
    return { a: [id], b: ids.filter((v) => v !== id), oneWay: false, durationSteps };
  }
  if (kind === 1) {
    const x = rng.pick(ids);
    const y = rng.pick(ids.filter((id) => id !== x));
    return { a: [x], b: [y], oneWay: rng.chance(0.5), durationSteps };
  }
  let a: ServerId[] = rng.subset(ids, 0.5);
  if (a.length === 0) a = [rng.pick(ids)];
  if (a.length === ids.length) a = a.slice(1);
  return { a, b: ids.filter((id) => !a.includes(id)), oneWay: kind === 3, durationSteps };
}

function offerLoad(c: Cluster, rng: Prng): void {
  const proposers = c.proposers();
  if (proposers.length === 0) return;
  c.propose(rng.pick(proposers).id, rng.int(PROPOSAL_TXNS[0], PROPOSAL_TXNS[1]));
}
