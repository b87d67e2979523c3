// Turns the client processes' reports and the servers' usage into one WorkloadResult.
import { LatencyHistogram } from './histogram.js';
import type { BenchOptions } from './options.js';
import type { ServerUsage, WorkloadResult } from './types.js';
import type { ClientReport } from './workloads/workload.js';

const MICROS_PER_SECOND = 1_000_000;

export function mergedHistogram(reports: readonly ClientReport[]): LatencyHistogram {
  const merged = LatencyHistogram.empty();
  for (const report of reports) merged.add(LatencyHistogram.decode(report.histogram));
  return merged;
}

export function workloadResult(options: BenchOptions, reports: readonly ClientReport[], seconds: number, servers: ServerUsage[], extra: Record<string, number> = {}): WorkloadResult {
  const ops = reports.reduce((sum, r) => sum + r.ops, 0);
  const errors = reports.reduce((sum, r) => sum + r.errors, 0);
  const result: WorkloadResult = {
    workload: options.workload,
    system: options.system,
    protocol: options.protocol,
    ops,
    errors,
    seconds,
    opsPerSecond: seconds > 0 ? ops / seconds : 0,
    latencyMs: mergedHistogram(reports).summary(),
    servers,
    extra,
  };
  if (servers.length > 0 && ops > 0) result.serverCpuMicrosPerOp = (servers.reduce((sum, s) => sum + s.cpuSeconds, 0) * MICROS_PER_SECOND) / ops;
  const errorSample = reports.find((r) => r.errorSample !== undefined)?.errorSample;
  if (errorSample !== undefined) result.errorSample = errorSample;
  return result;
}
