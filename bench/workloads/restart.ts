// restart: fills the cluster with --znodes nodes of --value-size bytes (sessions × inFlight creates in
// flight: setup, but its rate and the servers' CPU per create are reported), takes the servers' peak RSS,
// then restarts every server twice and times each from the start to the first getData of a known node
// through a fresh session: after a graceful stop (SIGTERM), then after a crash (SIGKILL). Needs a
// cluster canopy-bench launched (--launch): it cannot start servers it did not start.
import { performance } from 'node:perf_hooks';
import { BenchError, errorText } from '../errors.js';
import { LatencyHistogram } from '../histogram.js';
import type { Cluster } from '../launch/cluster.js';
import { peakRssMiB } from '../proc-usage.js';
import type { BenchSession, WorkloadResult } from '../types.js';
import type { Workload, WorkloadContext } from './workload.js';

/** For the servers to serve again and answer: a million znodes take a while to read back. */
const READABLE_TIMEOUT_MS = 300_000;
const ATTEMPT_PAUSE_MS = 20;

function nodePath(root: string, i: number): string {
  return `${root}/n${i}`;
}

async function fill(ctx: WorkloadContext, sessions: readonly BenchSession[], histogram: LatencyHistogram): Promise<{ ops: number; errors: number }> {
  const { options } = ctx;
  const value = new Uint8Array(options.valueSizeBytes).fill(0x62);
  let next = 0;
  let created = 0;
  let errors = 0;
  const progress = ctx.progress('restart: fill', options.znodes, 'znodes');
  const loop = async (session: BenchSession): Promise<void> => {
    while (next < options.znodes) {
      const i = next++;
      const sentAt = performance.now();
      try {
        await session.create(nodePath(ctx.root, i), value, 'persistent');
      } catch (e) {
        errors++;
        next = options.znodes;
        // Every node must be there for the restart to read back the same tree on both systems.
        throw new BenchError(`restart: creating znode ${i} failed: ${errorText(e)}`);
      }
      histogram.recordMicros((performance.now() - sentAt) * 1_000);
      created++;
      if (created % 1_000 === 0) progress.update(created);
    }
  };
  try {
    await Promise.all(sessions.flatMap((s) => Array.from({ length: options.inFlight }, () => loop(s))));
  } finally {
    progress.end();
  }
  return { ops: created, errors };
}

/** Seconds from starting every server to a fresh session's first getData of `path` answered right. */
async function timeRestart(ctx: WorkloadContext, cluster: Cluster, signal: 'SIGTERM' | 'SIGKILL', path: string): Promise<number> {
  await Promise.all(cluster.servers.map((s) => cluster.kill(s.id, signal)));
  const startedAt = performance.now();
  // Together: an ensemble member alone never serves, it needs a quorum.
  await Promise.all(cluster.servers.map((s) => cluster.start(s.id)));
  const deadline = startedAt + READABLE_TIMEOUT_MS;
  for (;;) {
    let session: BenchSession | undefined;
    try {
      session = await ctx.connect();
      const data = await session.getData(path);
      if (data.length !== ctx.options.valueSizeBytes) throw new BenchError(`restart: ${path} came back with ${data.length} bytes, not ${ctx.options.valueSizeBytes}`);
      return (performance.now() - startedAt) / 1000;
    } catch (e) {
      if (e instanceof BenchError || performance.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, ATTEMPT_PAUSE_MS));
    } finally {
      await session?.close().catch(() => undefined);
    }
  }
}

export const restartWorkload: Workload = {
  name: 'restart',
  summary: 'fill --znodes nodes, then time a graceful and a kill -9 restart to the first read (needs --launch)',
  async run(ctx: WorkloadContext): Promise<WorkloadResult> {
    const { options, cluster } = ctx;
    if (cluster === undefined) throw new BenchError('restart needs servers canopy-bench launched: --launch canopy|zookeeper');
    const histogram = LatencyHistogram.empty();
    const sessions: BenchSession[] = [];
    let filled: { ops: number; errors: number };
    const fillStartedAt = performance.now();
    try {
      for (let i = 0; i < options.sessions; i++) sessions.push(await ctx.connect());
      ctx.usage.start();
      filled = await fill(ctx, sessions, histogram);
    } finally {
      await Promise.allSettled(sessions.map((s) => s.close()));
    }
    const fillSeconds = (performance.now() - fillStartedAt) / 1000;
    const servers = ctx.usage.stop();
    const rssMiB = Math.max(0, ...cluster.servers.map((s) => (s.running ? peakRssMiB(s.pid) ?? 0 : 0)));
    const known = nodePath(ctx.root, options.znodes - 1);
    const restartGracefulSeconds = await timeRestart(ctx, cluster, 'SIGTERM', known);
    const restartKilledSeconds = await timeRestart(ctx, cluster, 'SIGKILL', known);
    const cpuSeconds = servers.reduce((sum, s) => sum + s.cpuSeconds, 0);
    return {
      workload: 'restart', system: options.system, protocol: options.protocol, ops: filled.ops, errors: filled.errors, seconds: fillSeconds,
      opsPerSecond: filled.ops / fillSeconds, latencyMs: histogram.summary(), servers,
      ...(servers.length > 0 && filled.ops > 0 ? { serverCpuMicrosPerOp: (cpuSeconds * 1e6) / filled.ops } : {}),
      extra: { znodes: options.znodes, rssMiB, restartGracefulSeconds, restartKilledSeconds },
    };
  },
};
