// watch-fanout: --watchers sessions (spread over the client processes) each leave a getData watch on one
// node; the coordinator, once all are armed, sends one setData and the time from sending it until the last
// watcher in any process has its event is that round's fan-out. --rounds rounds; extra.fanoutMs is their
// median (rounds in which some watcher got nothing are left out of it and the missing events counted as
// errors). Every event's own delay is recorded too: ops = events delivered, latencyMs = their delays.
// Times are compared across processes on the machine's monotonic clock (clock.ts).
//
// Sessions are sockets: W watchers need W descriptors in the client processes (split by --processes) and
// W in the server, which must also allow W sockets from one address (maxClientCnxns=0 in Canopy and
// ZooKeeper, Canopy's maxCnxns >= W). run.ts checks the client side against `ulimit -n` before starting.
import { performance } from 'node:perf_hooks';
import { monotonicMs } from '../clock.js';
import { BenchError, errorText } from '../errors.js';
import { LatencyHistogram } from '../histogram.js';
import { workloadResult } from '../result.js';
import type { BenchSession, WorkloadResult } from '../types.js';
import { valueBytes } from './key-space.js';
import { openSessionsFor } from './load.js';
import { closeSessions, pipelined, shareOf } from './sessions-pool.js';
import { planString } from './workload.js';
import type { ClientContext, ClientReport, Workload, WorkloadContext } from './workload.js';

/** Watches being set at once per client process. */
const ARMING_IN_FLIGHT = 256;
const ROUND_SLACK_MS = 10_000;

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function coordinate(ctx: WorkloadContext): Promise<WorkloadResult> {
  const { options } = ctx;
  const node = `${ctx.root}/watched`;
  const data = valueBytes(options.valueSizeBytes);
  const trigger = await ctx.connect();
  try {
    await trigger.create(node, data, 'persistent').catch((e: unknown) => {
      throw new BenchError(`setup failed creating ${node}: ${errorText(e)}`, { cause: e });
    });
    const group = await ctx.startClients({ node });
    try {
      await group.arrived('start');
      ctx.usage.start();
      const startMs = performance.now();
      group.release('start');
      const bar = ctx.progress(options.workload, options.rounds, 'rounds');
      const fanouts: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        await group.arrived(`armed:${round}`);
        const sentAtMs = monotonicMs();
        await trigger.setData(node, data).catch((e: unknown) => {
          throw new BenchError(`the round's setData failed: ${errorText(e)}`);
        });
        const fired = await group.arrived(`fired:${round}`);
        if (fired.every((p) => p.missed === 0)) fanouts.push(Math.max(...fired.map((p) => p.lastAtMs ?? sentAtMs)) - sentAtMs);
        group.release(`fired:${round}`, { sentAtMs });
        bar.update(round + 1);
      }
      await group.arrived('measured');
      const seconds = (performance.now() - startMs) / 1000;
      bar.end();
      const servers = ctx.usage.stop();
      const extra = { fanoutMs: median(fanouts), fanoutMsMax: fanouts.length > 0 ? Math.max(...fanouts) : 0, roundsComplete: fanouts.length };
      return workloadResult(options, await group.finished(), seconds, servers, extra);
    } finally {
      group.stop();
    }
  } finally {
    await trigger.close();
  }
}

interface RoundOutcome {
  arrivalsMs: Float64Array;
  missed: number;
  errorSample?: string;
}

/** Arms every session's watch, tells the coordinator, waits for the events (or the deadline). */
async function watchRound(ctx: ClientContext, sessions: readonly BenchSession[], node: string, round: number): Promise<RoundOutcome> {
  const arrivalsMs = new Float64Array(sessions.length).fill(Number.NaN);
  let pending = sessions.length;
  let allFired: () => void = () => undefined;
  const fired = new Promise<void>((resolve) => {
    allFired = resolve;
  });
  const outcome: RoundOutcome = { arrivalsMs, missed: 0 };
  const arrivedOne = (): void => {
    if (--pending === 0) allFired();
  };
  await pipelined(sessions.length, ARMING_IN_FLIGHT, async (i) => {
    try {
      await sessions[i]!.getDataWatched(node, () => {
        if (!Number.isNaN(arrivalsMs[i]!)) return;
        arrivalsMs[i] = monotonicMs();
        arrivedOne();
      });
    } catch (e) {
      outcome.errorSample ??= errorText(e);
      arrivalsMs[i] = Number.POSITIVE_INFINITY; // no watch: no event to wait for
      arrivedOne();
    }
  });
  ctx.arrive(`armed:${round}`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ctx.options.sessionTimeoutMs + ROUND_SLACK_MS);
  });
  await Promise.race([fired, deadline]);
  clearTimeout(timer);
  for (let i = 0; i < arrivalsMs.length; i++) {
    if (!Number.isFinite(arrivalsMs[i]!)) outcome.missed++;
  }
  return outcome;
}

async function watchClient(ctx: ClientContext): Promise<ClientReport> {
  const node = planString(ctx.plan, 'node');
  const mine = shareOf(ctx.options.watchers, ctx.processIndex, ctx.options.processes);
  const sessions = await openSessionsFor(ctx, mine.count);
  try {
    await ctx.barrier('start');
    const histogram = LatencyHistogram.empty();
    const report: ClientReport = { ops: 0, errors: 0, histogram: '', extra: {} };
    for (let round = 0; round < ctx.options.rounds; round++) {
      const outcome = await watchRound(ctx, sessions, node, round);
      const arrived = outcome.arrivalsMs.filter((ms) => Number.isFinite(ms));
      const lastAtMs = arrived.reduce((a, b) => Math.max(a, b), 0);
      const { sentAtMs } = await ctx.barrier(`fired:${round}`, { lastAtMs, missed: outcome.missed });
      for (const ms of arrived) histogram.recordMicros((ms - (sentAtMs ?? ms)) * 1_000);
      report.ops += arrived.length;
      report.errors += outcome.missed;
      if (outcome.missed > 0) report.errorSample ??= outcome.errorSample ?? `${outcome.missed} watchers had no event in round ${round + 1}`;
      ctx.progress(round + 1);
    }
    ctx.arrive('measured');
    report.histogram = histogram.encode();
    return report;
  } finally {
    await closeSessions(sessions);
  }
}

export const watchFanoutWorkload: Workload = {
  name: 'watch-fanout',
  summary: '--watchers sessions watch one node; time from one setData to the last event, --rounds times',
  check(options) {
    return options.processes > options.watchers ? `--processes (${options.processes}) must not exceed --watchers (${options.watchers})` : undefined;
  },
  sessionsHeld: (options) => options.watchers,
  run: coordinate,
  client: watchClient,
};
