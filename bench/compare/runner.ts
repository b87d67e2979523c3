// Runs the plan: for each shape and case, `rounds` rounds, each system once per round. The system that
// goes first alternates from run to run, so that neither always meets a machine warmed (or tired) by the
// other. A run that fails is recorded with its error and the comparison goes on.
import { errorText } from '../errors.js';
import type { SystemName, WorkloadResult } from '../types.js';
import type { CompareCase, Shape } from './plan.js';
import type { RunRecord } from './summary.js';

/** One run: a fresh cluster of the shape for the system, the case's workload against it, the cluster removed. */
export type RunOne = (system: SystemName, shape: Shape, c: CompareCase) => Promise<WorkloadResult>;

export interface RunPlan {
  shapes: readonly Shape[];
  cases: readonly CompareCase[];
  systems: readonly SystemName[];
  rounds: number;
}

/** The systems in run order for the n-th pairing: alternating which goes first. */
export function alternated(systems: readonly SystemName[], n: number): SystemName[] {
  return n % 2 === 0 ? [...systems] : [...systems].reverse();
}

export async function runComparison(plan: RunPlan, runOne: RunOne, log: (line: string) => void): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  let pairing = 0;
  for (const shape of plan.shapes) {
    for (const c of plan.cases) {
      if (!c.shapes.includes(shape.name)) continue;
      for (let round = 0; round < plan.rounds; round++) {
        for (const system of alternated(plan.systems, pairing)) {
          const startedAt = Date.now();
          const record: RunRecord = { shape: shape.name, caseId: c.id, system, round };
          try {
            record.result = await runOne(system, shape, c);
            log(`${shape.name} ${c.id} round ${round + 1}/${plan.rounds} ${system}: ${describe(c, record.result)} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
          } catch (e) {
            record.error = errorText(e);
            log(`${shape.name} ${c.id} round ${round + 1}/${plan.rounds} ${system}: FAILED ${record.error}`);
          }
          records.push(record);
        }
        pairing++;
      }
    }
  }
  return records;
}

function describe(c: CompareCase, result: WorkloadResult): string {
  const figures = c.figures.map((f) => {
    const v = f.read(result);
    return `${f.label} ${v === undefined ? 'n/a' : v.toFixed(2)}`;
  });
  return `${figures.join(', ')}${result.errors > 0 ? `, ${result.errors} errors` : ''}`;
}
