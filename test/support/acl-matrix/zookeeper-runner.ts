// Runs a matrix plan against a real ZooKeeper with test/zookeeper/acl_matrix.py (kazoo, Debian's
// python3-kazoo, run by the system python): the plan goes in as JSON on stdin, RawResults come back as
// JSON on stdout.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MATRIX_TTL_MS, type RawResult, type RunnerPlan } from './actions.js';
import { CALLERS } from './identities.js';
import type { Availability } from '../debian-packages.js';
import { SYSTEM_PYTHON, runKazoo } from '../zk-door.js';
const here = dirname(fileURLToPath(import.meta.url));
/** The script stays in the source tree: <build dir>/test/support/acl-matrix → <repo>/test/zookeeper. */
export const KAZOO_SCRIPT = join(here, '..', '..', '..', '..', 'test', 'zookeeper', 'acl_matrix.py');
const RUN_TIMEOUT_MS = 5 * 60_000;

/** Whether the system python can import kazoo and the script is where it should be. */
export async function kazooAvailable(): Promise<Availability> {
  if (!existsSync(KAZOO_SCRIPT)) return { ok: false, reason: `the kazoo runner is not at ${KAZOO_SCRIPT}` };
  try {
    await promisify(execFile)(SYSTEM_PYTHON, ['-c', 'import kazoo']);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `${SYSTEM_PYTHON} cannot import kazoo: ${(e as Error).message}` };
  }
}

function isResults(v: unknown): v is { results: Record<string, RawResult> } {
  return typeof v === 'object' && v !== null && typeof (v as { results?: unknown }).results === 'object' && (v as { results?: unknown }).results !== null;
}

/** Runs every cell of the plan against the ZooKeeper at `server`; results keyed by cell id. */
export async function runOnZooKeeper(plan: RunnerPlan, server: string): Promise<Map<string, RawResult>> {
  const callers = Object.fromEntries(Object.values(CALLERS).map((c) => [c.name, c.auth]));
  const parsed: unknown = await runKazoo(basename(KAZOO_SCRIPT), { server, callers, plan, ttlMs: MATRIX_TTL_MS }, RUN_TIMEOUT_MS);
  if (!isResults(parsed)) throw new Error('the kazoo runner printed no results');
  return new Map(Object.entries(parsed.results));
}
