// The shape shared by the load workloads (create, set, get, mixed, delete, large, sessions): every client
// process opens its share of the sessions, all start together, warm up for --warmup seconds (not
// measured), meet again so that the measured intervals line up, then run until --duration or --ops.
// The coordinator samples the servers' CPU just before releasing the measured interval and just after
// the last client has finished it, before any session is closed.
import { performance } from 'node:perf_hooks';
import { BenchError, errorText } from '../errors.js';
import { LatencyHistogram } from '../histogram.js';
import { workloadResult } from '../result.js';
import type { WorkloadResult } from '../types.js';
import { runOpLoop } from './op-loop.js';
import type { LaneOp } from './op-loop.js';
import { closeSessions, openSessions, shareOf } from './sessions-pool.js';
import type { BenchSession } from '../types.js';
import type { ClientContext, ClientReport, Plan, WorkloadContext } from './workload.js';

/** Past the session timeout a silent server has lost the session anyway; this much more is slack. */
const STALL_SLACK_MS = 10_000;

/** One operation of a load workload on an open session; `n` counts this process's ops, from 0. */
export type SessionOp = (session: BenchSession, n: number) => Promise<void>;

export type LoadSpec =
  /** The process opens its share of --sessions and keeps --in-flight ops going on each. */
  | { kind: 'sessions'; op: SessionOp; /** At most this many measured ops (delete: the nodes this process was given). */ opsMax?: number }
  /** The process keeps its share of --sessions ops going, each opening what it needs (the sessions workload). */
  | { kind: 'sessionless'; op: (n: number) => Promise<void> };

/** The coordinator's side of a load workload, after its setup: the measured run and its result. */
export async function measureLoad(ctx: WorkloadContext, plan: Plan, extra?: (result: WorkloadResult) => Record<string, number>): Promise<WorkloadResult> {
  const { options } = ctx;
  const group = await ctx.startClients(plan);
  try {
    await group.arrived('start');
    group.release('start');
    await group.arrived('measure');
    ctx.usage.start();
    const startMs = performance.now();
    group.release('measure');
    const stop = options.stop;
    const bar = stop.kind === 'ops'
      ? ctx.progress(options.workload, stop.ops, 'ops', () => group.progress)
      : ctx.progress(options.workload, stop.seconds, 's', () => (performance.now() - startMs) / 1000);
    let seconds: number;
    try {
      await group.arrived('measured');
      seconds = (performance.now() - startMs) / 1000;
    } finally {
      bar.end();
    }
    const servers = ctx.usage.stop();
    const result = workloadResult(options, await group.finished(), seconds, servers);
    if (extra) result.extra = { ...result.extra, ...extra(result) };
    return result;
  } finally {
    group.stop();
  }
}

/** A client process's side of a load workload. */
export async function runLoadClient(ctx: ClientContext, spec: LoadSpec): Promise<ClientReport> {
  const { options, processIndex } = ctx;
  const mine = shareOf(options.sessions, processIndex, options.processes);
  const sessions = spec.kind === 'sessions' ? await openSessionsFor(ctx, mine.count) : [];
  try {
    const lanes = spec.kind === 'sessions' ? sessions.length * options.inFlight : mine.count;
    const op: LaneOp = spec.kind === 'sessions'
      ? (lane, n) => spec.op(sessions[Math.floor(lane / options.inFlight)]!, n)
      : (_lane, n) => spec.op(n);
    const stallMs = options.sessionTimeoutMs + STALL_SLACK_MS;
    await ctx.barrier('start');
    if (options.warmupSeconds > 0) {
      await runOpLoop(lanes, op, { opsMax: Infinity, endAtMs: performance.now() + options.warmupSeconds * 1000, stallMs }, undefined, () => undefined);
    }
    await ctx.barrier('measure');
    const stop = options.stop;
    const opsShare = stop.kind === 'ops' ? shareOf(stop.ops, processIndex, options.processes).count : Infinity;
    const opsMax = Math.min(opsShare, (spec.kind === 'sessions' ? spec.opsMax : undefined) ?? Infinity);
    const endAtMs = stop.kind === 'seconds' ? performance.now() + stop.seconds * 1000 : Infinity;
    const histogram = LatencyHistogram.empty();
    const outcome = await runOpLoop(lanes, op, { opsMax, endAtMs, stallMs }, histogram, (done) => ctx.progress(done));
    ctx.arrive('measured');
    const report: ClientReport = { ops: outcome.ops, errors: outcome.errors, histogram: histogram.encode(), extra: {} };
    if (outcome.errorSample !== undefined) report.errorSample = outcome.errorSample;
    return report;
  } finally {
    await closeSessions(sessions);
  }
}

/** Opens the sessions, with a hint at the usual cause when the servers refuse some. */
export async function openSessionsFor(ctx: ClientContext, count: number): Promise<BenchSession[]> {
  try {
    return await openSessions(count, ctx.connect);
  } catch (e) {
    throw new BenchError(`could not open ${count} sessions to ${ctx.options.connect}: ${errorText(e)}. `
      + 'Servers limit sockets per client address (maxClientCnxns, 60 by default in both Canopy and ZooKeeper; Canopy also maxCnxns, 2000) and by ulimit -n');
  }
}
