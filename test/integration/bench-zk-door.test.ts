// canopy-bench --launch canopy --protocol zookeeper end to end: the bin starts Canopy with its ZooKeeper door
// open (zkClientPort on a free port per server) and drives it with node-zookeeper-client, the very driver
// it drives Apache ZooKeeper with; that library speaks only jute over TCP, so every counted op went through
// the door. A standalone server and a 3-server ensemble (the connect string names every member's door); the
// clusters are removed afterwards. Counts are tiny: this checks behaviour, not speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { driverFor } from '../../bench/drivers/index.js';
import type { WorkloadResult } from '../../bench/types.js';

const run = promisify(execFile);
const BENCH_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'main.js');

async function clientMissing(): Promise<string | undefined> {
  return driverFor('zookeeper').then(() => undefined, (e: Error) => e.message);
}

/** Runs the bin with its own TMPDIR (other test files launch clusters too) and checks that nothing is left there. */
async function launchedRun(args: readonly string[]): Promise<WorkloadResult[]> {
  const ownTmp = mkdtempSync(join(tmpdir(), 'canopy-bench-zk-door-test-'));
  try {
    const { stdout } = await run(process.execPath, [BENCH_MAIN, ...args, '--json'], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, TMPDIR: ownTmp } });
    const parsed = JSON.parse(stdout) as WorkloadResult | WorkloadResult[];
    assert.deepEqual(readdirSync(ownTmp), [], 'the cluster\'s directory is gone');
    return Array.isArray(parsed) ? parsed : [parsed];
  } finally {
    rmSync(ownTmp, { recursive: true, force: true });
  }
}

function assertThroughDoor(result: WorkloadResult, workload: string, ops: number, servers: number): void {
  assert.deepEqual([result.workload, result.system, result.protocol], [workload, 'canopy', 'zookeeper']);
  assert.equal(result.errors, 0, `errors: ${result.errorSample ?? ''}`);
  assert.equal(result.ops, ops);
  assert.equal(result.latencyMs.count, ops, 'every op has its latency');
  assert.equal(result.servers.length, servers, 'every launched server is measured');
  assert.ok(result.servers.every((s) => s.peakRssMiB > 0));
}

test('a standalone Canopy through its ZooKeeper door: create, get and mixed, all counted, no errors', { timeout: 180_000 }, async (t) => {
  const missing = await clientMissing();
  if (missing !== undefined) return t.skip(`node-zookeeper-client cannot be loaded: ${missing}`);
  const results = await launchedRun([
    '--launch', 'canopy', '--protocol', 'zookeeper', '--workload', 'create,get,mixed', '--ops', '300', '--sessions', '2', '--in-flight', '4', '--keys', '20',
  ]);
  assert.deepEqual(results.map((r) => r.workload), ['create', 'get', 'mixed']);
  for (const r of results) assertThroughDoor(r, r.workload, 300, 1);
});

test('a 3-server Canopy ensemble through every member\'s ZooKeeper door: set, no errors', { timeout: 180_000 }, async (t) => {
  const missing = await clientMissing();
  if (missing !== undefined) return t.skip(`node-zookeeper-client cannot be loaded: ${missing}`);
  const [set] = await launchedRun([
    '--launch', 'canopy', '--servers', '3', '--tick-time', '200', '--protocol', 'zookeeper', '--workload', 'set',
    '--ops', '200', '--sessions', '3', '--in-flight', '2', '--keys', '10', '--session-timeout', '4000',
  ]);
  assertThroughDoor(set!, 'set', 200, 3);
});
