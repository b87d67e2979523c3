// canopy-bench --launch end to end, as a user runs it: the bin starts a 3-server Canopy ensemble, runs
// restart and failover against it (both kill and start its servers), and removes it afterwards: no
// server process and no directory of it are left (its directory goes only once its servers have exited).
// The bin gets a TMPDIR of its own: other test files launch clusters under the shared tmpdir at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkloadResult } from '../../bench/types.js';

const run = promisify(execFile);
const BENCH_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'main.js');

test('--launch canopy --servers 3 runs restart and failover on its own ensemble and removes it', { timeout: 180_000 }, async (t) => {
  const ownTmp = mkdtempSync(join(tmpdir(), 'canopy-bench-launch-test-'));
  t.after(() => rmSync(ownTmp, { recursive: true, force: true }));
  const { stdout } = await run(process.execPath, [
    BENCH_MAIN, '--launch', 'canopy', '--servers', '3', '--tick-time', '200', '--workload', 'restart,failover',
    '--znodes', '300', '--sessions', '2', '--in-flight', '4', '--rounds', '1', '--session-timeout', '4000', '--json',
  ], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, TMPDIR: ownTmp } });
  const [restart, failover] = JSON.parse(stdout) as WorkloadResult[];
  assert.equal(restart!.workload, 'restart');
  assert.equal(restart!.ops, 300);
  assert.ok(restart!.extra.restartGracefulSeconds! > 0 && restart!.extra.restartKilledSeconds! > 0);
  assert.ok(restart!.extra.rssMiB! > 0);
  assert.equal(failover!.workload, 'failover');
  assert.ok(failover!.extra.failoverMs! > 0);
  assert.equal(failover!.extra.leaderChanges, 1);
  assert.deepEqual(readdirSync(ownTmp), [], 'the cluster\'s directory is gone');
});
