// The fault phase's per-step hook for whole-replica runs: server crashes (losing unsynced writes, maybe
// tearing the next record), pauses, partitions (symmetric and one-way), and client-side faults: a
// client's link drops, a client is cut off from its server for a while, a client goes silent (its process
// stops) for about its session timeout or longer, a client reads slowly (its link congests, answers wait). Disk faults (slow and failing syncs, a full disk) strike
// from the server's own disk step. Rates come from the run's profile (config.ts).
import { drawPartition } from '../faults.js';
import type { Prng } from '../prng.js';
import type { World } from './world.js';

const CRASH_STEPS = [5, 300] as const;
const PAUSE_STEPS = [5, 150] as const;
const PARTITION_STEPS = [10, 400] as const;
const CLIENT_CUT_STEPS = [10, 150] as const;
const SLOW_READER_STEPS = [3, 80] as const;

export function replicaFaultHook(rng: Prng): (w: World) => void {
  return (w) => {
    const f = w.faults;
    if (rng.chance(f.crashP)) crashOne(w, rng);
    if (rng.chance(f.pauseP)) pauseOne(w, rng);
    if (rng.chance(f.partitionP)) partitionSome(w, rng);
    if (rng.chance(f.linkDropP)) dropLink(w, rng);
    if (rng.chance(f.clientPartitionP)) cutClient(w, rng);
    if (rng.chance(f.silenceP)) silenceClient(w, rng);
    if (rng.chance(f.slowReaderP)) slowReader(w, rng);
  };
}

function crashOne(w: World, rng: Prng): void {
  const candidates = w.servers.filter((s) => s.state !== 'crashed');
  if (candidates.length === 0) return;
  // Leaders are where the interesting failures are: crash one more often than chance would.
  const leaders = candidates.filter((s) => s.status.state === 'leading');
  const victim = leaders.length > 0 && rng.chance(0.4) ? rng.pick(leaders) : rng.pick(candidates);
  w.crashRandom(victim.id, w.now + rng.int(CRASH_STEPS[0], CRASH_STEPS[1]));
}

function pauseOne(w: World, rng: Prng): void {
  const candidates = w.servers.filter((s) => s.state === 'up');
  if (candidates.length > 0) w.pause(rng.pick(candidates).id, w.now + rng.int(PAUSE_STEPS[0], PAUSE_STEPS[1]));
}

function partitionSome(w: World, rng: Prng): void {
  const leader = (): number | undefined => w.servers.find((s) => s.status.state === 'leading')?.id;
  const p = drawPartition(rng, w.voters, leader, PARTITION_STEPS);
  w.partition(p.a, p.b, p.oneWay, p.durationSteps);
}

function openConns(w: World): ReturnType<World['conns']['get']>[] {
  return [...w.conns.values()].filter((c) => c !== undefined && c.isOpen);
}

function dropLink(w: World, rng: Prng): void {
  const conns = openConns(w);
  if (conns.length === 0) return;
  const conn = rng.pick(conns)!;
  conn.drop();
  w.stats.linkDrops += 1;
  w.trace.add(w.now, conn.server.id, 'client-fault', ['link dropped', conn.client.id]);
}

function cutClient(w: World, rng: Prng): void {
  const conns = openConns(w);
  if (conns.length === 0) return;
  const conn = rng.pick(conns)!;
  conn.blockedUntil = w.now + rng.int(CLIENT_CUT_STEPS[0], CLIENT_CUT_STEPS[1]);
  w.stats.clientCuts += 1;
  w.trace.add(w.now, conn.server.id, 'client-fault', ['cut off', conn.client.id, conn.blockedUntil]);
}

function silenceClient(w: World, rng: Prng): void {
  const client = rng.pick(w.clients);
  const timeoutSteps = Math.ceil(client.timeoutMs / w.config.stepMs);
  // Mostly past the session timeout (the session should expire), sometimes just short of it.
  const steps = rng.int(Math.ceil(timeoutSteps / 2), timeoutSteps * 3);
  client.goSilent(w.now + steps);
  w.stats.silences += 1;
  w.trace.add(w.now, 0, 'client-fault', ['silent', client.id, steps]);
}

function slowReader(w: World, rng: Prng): void {
  const conns = openConns(w);
  if (conns.length === 0) return;
  const conn = rng.pick(conns)!;
  conn.congestUntil(w.now + rng.int(SLOW_READER_STEPS[0], SLOW_READER_STEPS[1]));
  w.stats.slowReaders += 1;
  w.trace.add(w.now, conn.server.id, 'client-fault', ['slow reader', conn.client.id, conn.congestedUntil]);
}
