// canopy-bench end to end: the built bin, run as a user would (`node bench/main.js --json ...`), against a
// real standalone Canopy server for every workload, and against Debian's ZooKeeper for create and get
// (skipped with the reason when ZooKeeper cannot be had). Counts are tiny: this checks behaviour, not speed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkloadResult } from '../../bench/types.js';
import { ServerProcess } from '../support/server-process.js';
import { ensureZooKeeper, ZooKeeperServer } from '../support/zookeeper-server.js';

const BENCH_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'main.js');
const RUN_TIMEOUT_MS = 60_000;

interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bench(args: readonly string[]): Promise<BinRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BENCH_MAIN, ...args], { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs with --json and returns the one result; stdout must be nothing but that JSON. */
async function benchJson(args: readonly string[]): Promise<WorkloadResult> {
  const run = await bench([...args, '--json']);
  assert.equal(run.code, 0, `canopy-bench ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as WorkloadResult;
}

function assertClean(result: WorkloadResult, workload: string, ops: number): void {
  assert.equal(result.workload, workload);
  assert.equal(result.errors, 0, `errors: ${result.errorSample ?? ''}`);
  assert.equal(result.ops, ops);
  assert.equal(result.latencyMs.count, ops, 'every op has its latency');
  assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p50 <= result.latencyMs.p99 && result.latencyMs.p99 <= result.latencyMs.max);
  assert.ok(result.seconds > 0 && result.opsPerSecond > 0);
}

describe('canopy-bench against a standalone Canopy', () => {
  let server: ServerProcess;
  let connect: string[];

  before(async () => {
    server = await ServerProcess.start();
    connect = ['--connect', server.connectString];
  });
  after(async () => {
    await server.stop();
    server.removeDataDir();
  });

  function assertServerMeasured(result: WorkloadResult): void {
    assert.equal(result.servers.length, 1, 'the server behind the port is found');
    assert.equal(result.servers[0]!.pid, server.child.pid);
    assert.ok(result.servers[0]!.cpuSeconds >= 0);
    assert.ok(result.servers[0]!.peakRssMiB > 0);
    assert.equal(typeof result.serverCpuMicrosPerOp, 'number');
  }

  test('create: counts every op, and the server spent CPU on them', async () => {
    const result = await benchJson([...connect, '--workload', 'create', '--ops', '1000', '--sessions', '2', '--in-flight', '4']);
    assertClean(result, 'create', 1000);
    assertServerMeasured(result);
    assert.ok(result.servers[0]!.cpuSeconds > 0, 'a thousand creates cost the server measurable CPU');
  });

  for (const workload of ['set', 'get', 'delete']) {
    test(`${workload}: 200 ops over 2 sessions with 4 in flight`, async () => {
      const result = await benchJson([...connect, '--workload', workload, '--ops', '200', '--sessions', '2', '--in-flight', '4', '--keys', '50']);
      assertClean(result, workload, 200);
      assertServerMeasured(result);
    });
  }

  test('mixed over 2 client processes: their histograms are merged', async () => {
    const result = await benchJson([...connect, '--workload', 'mixed', '--ops', '200', '--sessions', '2', '--in-flight', '4', '--processes', '2', '--read-ratio', '0.5']);
    assertClean(result, 'mixed', 200);
    assertServerMeasured(result);
  });

  test('large: 64 KiB values set and read back', async () => {
    const result = await benchJson([...connect, '--workload', 'large', '--ops', '40', '--sessions', '2', '--in-flight', '2', '--value-size', '65536', '--keys', '4']);
    assertClean(result, 'large', 40);
  });

  test('sessions: open and close rate', async () => {
    const result = await benchJson([...connect, '--workload', 'sessions', '--ops', '40', '--sessions', '2']);
    assertClean(result, 'sessions', 40);
    assert.ok(result.extra.sessionsPerSecond! > 0);
  });

  test('watch-fanout: 20 watchers over 2 processes each get every round\'s event', async () => {
    const result = await benchJson([...connect, '--workload', 'watch-fanout', '--watchers', '20', '--rounds', '3', '--processes', '2']);
    assertClean(result, 'watch-fanout', 60);
    assert.equal(result.extra.roundsComplete, 3);
    assert.ok(result.extra.fanoutMs! > 0 && result.extra.fanoutMs! <= result.extra.fanoutMsMax!);
    assert.ok(result.extra.fanoutMsMax! <= result.latencyMs.max + 0.01, 'the slowest round ends with its slowest event');
  });

  test('the table for people names the figures; bad usage exits 2 with the reason', async () => {
    const run = await bench([...connect, '--workload', 'get', '--ops', '20', '--sessions', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /get on canopy: 20 ops/);
    assert.match(run.stdout, /ops\/s\s+errors\s+p50 ms\s+p90 ms\s+p99 ms\s+p99\.9 ms\s+max ms/);
    assert.match(run.stdout, /server pid\s+CPU s\s+CPU µs\/op\s+peak RSS MiB/);
    assert.doesNotMatch(run.stderr, /\[#/, 'no progress bar when stderr is not a terminal');
    const bad = await bench([...connect, '--workload', 'get', '--value-size', '2000000']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /--value-size must be an integer from 0 to 1048576/);
  });
});

describe('canopy-bench against Debian ZooKeeper', () => {
  let skipReason: string | undefined;
  let zookeeper: ZooKeeperServer | undefined;

  before(async () => {
    const packages = await ensureZooKeeper();
    if (!packages.ok) {
      skipReason = packages.reason;
      return;
    }
    zookeeper = await ZooKeeperServer.start();
  });
  after(async () => {
    await zookeeper?.stop();
  });

  test('create and get through node-zookeeper-client, with the java server measured', async (t) => {
    if (skipReason !== undefined || zookeeper === undefined) {
      t.skip(`ZooKeeper is not available: ${skipReason ?? 'not started'}`);
      return;
    }
    const args = ['--system', 'zookeeper', '--connect', zookeeper.connectString, '--ops', '200', '--sessions', '2', '--in-flight', '4', '--keys', '50'];
    for (const workload of ['create', 'get']) {
      const result = await benchJson([...args, '--workload', workload]);
      assert.equal(result.system, 'zookeeper');
      assertClean(result, workload, 200);
      assert.equal(result.servers.length, 1, 'the java process behind the port is found');
      assert.ok(result.servers[0]!.pid > 0 && result.servers[0]!.peakRssMiB > 0);
    }
  });
});
