// What canopy-bench shows people: the result table and the progress line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLine } from '../../bench/progress.js';
import { formatResult } from '../../bench/report-table.js';
import type { WorkloadResult } from '../../bench/types.js';

const result: WorkloadResult = {
  workload: 'watch-fanout', system: 'zookeeper', protocol: 'zookeeper', ops: 2000, errors: 3, seconds: 2, opsPerSecond: 1000,
  latencyMs: { count: 2000, p50: 1.5, p90: 2, p99: 3.25, p999: 4, max: 5, mean: 1.75 },
  servers: [{ pid: 4242, cpuSeconds: 0.5, peakRssMiB: 300.25 }], serverCpuMicrosPerOp: 250,
  extra: { fanoutMs: 12.5, roundsComplete: 5 }, errorSample: '3 watchers had no event in round 2',
};

describe('canopy-bench output', () => {
  test('the table shows throughput, errors, latency, each server and the extra figures', () => {
    const text = formatResult(result);
    assert.match(text, /^watch-fanout on zookeeper: 2000 ops in 2\.00 s/);
    assert.match(text, /1000\s+3\s+1\.500\s+2\.000\s+3\.250\s+4\.000\s+5\.000\s+1\.750/);
    assert.match(text, /4242\s+0\.50\s+250\.0\s+300\.3/);
    assert.match(text, /fanoutMs 12\.50, roundsComplete 5/);
    assert.match(text, /first error: 3 watchers had no event in round 2/);
  });

  test('the protocol is named when the sessions did not speak the system\'s own (Canopy through its ZooKeeper door)', () => {
    assert.match(formatResult({ ...result, system: 'canopy', protocol: 'zookeeper' }), /^watch-fanout on canopy \(zookeeper protocol\): 2000 ops/);
    assert.match(formatResult({ ...result, system: 'canopy', protocol: 'canopy' }), /^watch-fanout on canopy: 2000 ops/);
  });

  test('without a server to measure, the table says how to get one', () => {
    assert.match(formatResult({ ...result, servers: [] }), /no server measured: none listens on the --connect ports on this machine, or it exited; --pids names them/);
  });

  test('the progress line fills with the fraction done and never past the end', () => {
    assert.equal(progressLine('create', 500, 1000, 'ops'), `create [${'#'.repeat(15)}${'.'.repeat(15)}]  50% 500/1000 ops`);
    assert.equal(progressLine('get', 2.5, 2, 's'), `get [${'#'.repeat(30)}] 100% 2.0/2.0 s`);
    assert.equal(progressLine('x', 0, 0, 'rounds'), `x [${'.'.repeat(30)}]   0% 0/0 rounds`);
  });
});
