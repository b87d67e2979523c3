// Every workload canopy-bench knows, by name. To add one: import it and add it to the table.
import { createWorkload } from './create.js';
import { deleteWorkload } from './delete.js';
import { failoverWorkload } from './failover.js';
import { getWorkload } from './get.js';
import { largeWorkload } from './large.js';
import { mixedWorkload } from './mixed.js';
import { restartWorkload } from './restart.js';
import { sessionsWorkload } from './sessions.js';
import { setWorkload } from './set.js';
import { watchFanoutWorkload } from './watch-fanout.js';
import type { Workload } from './workload.js';

const WORKLOADS: readonly Workload[] = [
  createWorkload,
  setWorkload,
  getWorkload,
  mixedWorkload,
  deleteWorkload,
  watchFanoutWorkload,
  sessionsWorkload,
  largeWorkload,
  failoverWorkload,
  restartWorkload,
];

export function workloadNamed(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name);
}

export function workloadNames(): string[] {
  return WORKLOADS.map((w) => w.name);
}

export function allWorkloads(): readonly Workload[] {
  return WORKLOADS;
}
