// From the runs to the rows of the table: per shape, case and figure, each system's median over rounds,
// the ratio Canopy/ZooKeeper, and each system's server CPU per op and peak RSS (medians too).
import type { SystemName, WorkloadResult } from '../types.js';
import { median } from '../workloads/median.js';
import type { Better, CompareCase, ShapeName } from './plan.js';

export interface RunRecord {
  shape: ShapeName;
  caseId: string;
  system: SystemName;
  round: number;
  result?: WorkloadResult;
  /** Why the run gave no result. */
  error?: string;
}

export interface SystemFigures {
  /** Median of the figure over the rounds that gave one. */
  value: number | undefined;
  /** Rounds that gave a figure. */
  rounds: number;
  /** Median server CPU per op, summed over the servers, µs. */
  cpuMicrosPerOp: number | undefined;
  /** Median of the largest server's peak RSS, MiB. */
  peakRssMiB: number | undefined;
}

export interface Row {
  shape: ShapeName;
  caseId: string;
  figure: string;
  label: string;
  better: Better;
  canopy: SystemFigures;
  zookeeper: SystemFigures;
  /** Canopy / ZooKeeper; undefined when either is missing or ZooKeeper's is 0. */
  ratio: number | undefined;
}

function medianOrUndefined(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

function finite(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

function systemFigures(results: readonly WorkloadResult[], read: (r: WorkloadResult) => number | undefined): SystemFigures {
  const values = results.map(read).filter(finite);
  return {
    value: medianOrUndefined(values),
    rounds: values.length,
    cpuMicrosPerOp: medianOrUndefined(results.map((r) => r.serverCpuMicrosPerOp).filter(finite)),
    peakRssMiB: medianOrUndefined(results.filter((r) => r.servers.length > 0).map((r) => Math.max(...r.servers.map((s) => s.peakRssMiB)))),
  };
}

export function summarize(cases: readonly CompareCase[], shapes: readonly ShapeName[], runs: readonly RunRecord[]): Row[] {
  const rows: Row[] = [];
  for (const shape of shapes) {
    for (const c of cases) {
      if (!c.shapes.includes(shape)) continue;
      const resultsOf = (system: SystemName): WorkloadResult[] => runs
        .filter((r) => r.shape === shape && r.caseId === c.id && r.system === system && r.result !== undefined)
        .map((r) => r.result!);
      if (!runs.some((r) => r.shape === shape && r.caseId === c.id)) continue;
      for (const f of c.figures) {
        const canopy = systemFigures(resultsOf('canopy'), (r) => f.read(r));
        const zookeeper = systemFigures(resultsOf('zookeeper'), (r) => f.read(r));
        const ratio = canopy.value !== undefined && zookeeper.value !== undefined && zookeeper.value !== 0 ? canopy.value / zookeeper.value : undefined;
        rows.push({ shape, caseId: c.id, figure: f.key, label: f.label, better: f.better, canopy, zookeeper, ratio });
      }
    }
  }
  return rows;
}
