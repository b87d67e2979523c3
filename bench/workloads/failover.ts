// failover: sessions keep writing (creates of new nodes, options.inFlight each) while the leader is killed
// with SIGKILL; a round's figure is the time from the kill to the first acknowledged write that was sent
// after it (a write sent before could have been committed by the old leader). After each round the killed
// server is started again and the run waits until it serves (and, before the next kill, that writes flow). With --leader-pid (servers
// canopy-bench did not launch) there is one round, as it cannot start that server again.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from '../errors.js';
import { LatencyHistogram } from '../histogram.js';
import type { Cluster } from '../launch/cluster.js';
import type { BenchSession, WorkloadResult } from '../types.js';
import { median } from './median.js';
import type { Workload, WorkloadContext } from './workload.js';

/** Writes acknowledged in a round before the kill: the ensemble is writing steadily, not still warming up. */
const STEADY_WRITES = 200;
/** For the first write after a kill, and for a server to serve again: generous, elections can be slow. */
const ROUND_TIMEOUT_MS = 120_000;
/** After a failed write: a pause so that a disconnected client is not spun on at full CPU (bounds the figure's resolution). */
const RETRY_PAUSE_MS = 1;

/** How the leader is found and brought down, with a launched cluster or a pointed-at server. */
interface FailoverTarget {
  readonly rounds: number;
  /** Kills the leader; resolves with its id (0 when unknown) once the kill is sent. */
  killLeader(): Promise<{ killedId: number; killedAt: number }>;
  /** After the first write: the new leader's id (0 when unknown). */
  newLeader(): Promise<number>;
  /** Brings the killed server back before the next round. */
  restore(killedId: number): Promise<void>;
}

function clusterTarget(cluster: Cluster, rounds: number): FailoverTarget {
  return {
    rounds,
    async killLeader() {
      const leader = await cluster.leaderId();
      const killedAt = performance.now();
      await cluster.kill(leader, 'SIGKILL');
      return { killedId: leader, killedAt };
    },
    newLeader: () => cluster.leaderId(),
    restore: (id) => cluster.start(id),
  };
}

function pidTarget(pid: number): FailoverTarget {
  return {
    rounds: 1,
    async killLeader() {
      const killedAt = performance.now();
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        throw new BenchError(`cannot kill the leader, pid ${pid}: ${(e as Error).message}`);
      }
      return { killedId: 0, killedAt };
    },
    newLeader: async () => 0,
    restore: async () => undefined,
  };
}

/** The writers: every session keeps inFlight creates going until stopped. */
class Writers {
  readonly histogram = LatencyHistogram.empty();
  acked = 0;
  errors = 0;
  /** Set at a kill; the first write sent after it and acknowledged sets firstAckAt. */
  killedAt: number | undefined;
  firstAckAt: number | undefined;
  private stopped = false;
  private next = 0;
  private loops: Promise<void>[] = [];

  constructor(private readonly sessions: readonly BenchSession[], private readonly root: string, private readonly value: Uint8Array) {}

  start(inFlight: number): void {
    this.loops = this.sessions.flatMap((s) => Array.from({ length: inFlight }, () => this.loop(s)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(session: BenchSession): Promise<void> {
    while (!this.stopped) {
      const sentAt = performance.now();
      try {
        // A new node each time: a create retried after a lost connection must not meet its own NODEEXISTS.
        await session.create(`${this.root}/w${this.next++}`, this.value, 'persistent');
        const ackAt = performance.now();
        this.acked++;
        this.histogram.recordMicros((ackAt - sentAt) * 1_000);
        if (this.killedAt !== undefined && sentAt >= this.killedAt && this.firstAckAt === undefined) this.firstAckAt = ackAt;
      } catch {
        this.errors++;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}

async function waitFor(what: string, probe: () => boolean): Promise<void> {
  const deadline = performance.now() + ROUND_TIMEOUT_MS;
  while (!probe()) {
    if (performance.now() > deadline) throw new BenchError(`failover: no ${what} within ${ROUND_TIMEOUT_MS / 1000} s`);
    await sleep(5);
  }
}

async function runRounds(ctx: WorkloadContext, target: FailoverTarget, writers: Writers): Promise<{ failoverMs: number[]; leaderChanges: number }> {
  const failoverMs: number[] = [];
  let leaderChanges = 0;
  const progress = ctx.progress('failover', target.rounds, 'rounds');
  try {
    for (let round = 0; round < target.rounds; round++) {
      const steadyFrom = writers.acked;
      await waitFor('steady writes before the kill', () => writers.acked >= steadyFrom + STEADY_WRITES);
      writers.firstAckAt = undefined;
      const { killedId, killedAt } = await target.killLeader();
      writers.killedAt = killedAt;
      await waitFor('acknowledged write after the kill', () => writers.firstAckAt !== undefined);
      failoverMs.push(writers.firstAckAt! - killedAt);
      writers.killedAt = undefined;
      const leader = await target.newLeader();
      if (leader !== 0 && leader !== killedId) leaderChanges++;
      // After the last round too: the cluster is whole again for whatever runs next on it.
      await target.restore(killedId);
      progress.update(round + 1);
    }
  } finally {
    progress.end();
  }
  return { failoverMs, leaderChanges };
}

export const failoverWorkload: Workload = {
  name: 'failover',
  summary: 'kill -9 the leader while sessions write: ms to the next acknowledged write (--launch with --servers 3|5, or --leader-pid)',
  async run(ctx: WorkloadContext): Promise<WorkloadResult> {
    const { options } = ctx;
    const target = ctx.cluster !== undefined ? clusterTarget(ctx.cluster, options.rounds)
      : options.leaderPid !== undefined ? pidTarget(options.leaderPid) : undefined;
    if (target === undefined) throw new BenchError('failover needs servers it can kill: --launch with --servers 3 or 5, or --leader-pid');
    if (ctx.cluster !== undefined && ctx.cluster.servers.length < 3) throw new BenchError('failover needs an ensemble: --servers 3 or 5');
    const sessions: BenchSession[] = [];
    try {
      for (let i = 0; i < options.sessions; i++) sessions.push(await ctx.connect());
      const writers = new Writers(sessions, ctx.root, new Uint8Array(options.valueSizeBytes).fill(0x61));
      const startedAt = performance.now();
      ctx.usage.start();
      writers.start(options.inFlight);
      let rounds: { failoverMs: number[]; leaderChanges: number };
      try {
        rounds = await runRounds(ctx, target, writers);
      } finally {
        await writers.stop();
      }
      const servers = ctx.usage.stop();
      const seconds = (performance.now() - startedAt) / 1000;
      const cpuSeconds = servers.reduce((sum, s) => sum + s.cpuSeconds, 0);
      return {
        workload: 'failover', system: options.system, protocol: options.protocol, ops: writers.acked, errors: writers.errors, seconds,
        opsPerSecond: writers.acked / seconds, latencyMs: writers.histogram.summary(), servers,
        ...(servers.length > 0 && writers.acked > 0 ? { serverCpuMicrosPerOp: (cpuSeconds * 1e6) / writers.acked } : {}),
        extra: {
          failoverMs: median(rounds.failoverMs), failoverMsMin: Math.min(...rounds.failoverMs), failoverMsMax: Math.max(...rounds.failoverMs),
          rounds: rounds.failoverMs.length, leaderChanges: rounds.leaderChanges,
        },
      };
    } finally {
      await Promise.allSettled(sessions.map((s) => s.close()));
    }
  },
};
