// bench:compare's pure parts: options, run order, medians and ratios, the table and the chart. No process
// is started here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart } from '../../bench/compare/chart.js';
import { resolveCompareOptions, selectCases } from '../../bench/compare/options.js';
import { compareCases, QUICK_SCALE } from '../../bench/compare/plan.js';
import { alternated } from '../../bench/compare/runner.js';
import { summarize, type RunRecord } from '../../bench/compare/summary.js';
import { betterSystem, renderTable } from '../../bench/compare/table.js';
import { UsageError } from '../../bench/errors.js';
import type { SystemName, WorkloadResult } from '../../bench/types.js';
import { median } from '../../bench/workloads/median.js';

function result(system: SystemName, opsPerSecond: number, cpu: number, rssMiB: number): WorkloadResult {
  return {
    workload: 'create', system, ops: opsPerSecond, errors: 0, seconds: 1, opsPerSecond,
    latencyMs: { count: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1 },
    servers: [{ pid: 1, cpuSeconds: 1, peakRssMiB: rssMiB }], serverCpuMicrosPerOp: cpu, extra: {},
  };
}

function usageError(args: Parameters<typeof resolveCompareOptions>[0], message: RegExp): void {
  assert.throws(() => resolveCompareOptions(args), (e: unknown) => e instanceof UsageError && message.test(e.message));
}

describe('bench:compare options', () => {
  test('defaults: both shapes, every case, both systems, 3 rounds; --quick shrinks', () => {
    const full = resolveCompareOptions({ docsDir: 'docs' });
    assert.deepEqual(full.shapes.map((s) => s.name), ['standalone', 'ensemble3']);
    assert.deepEqual(full.systems, ['canopy', 'zookeeper']);
    assert.equal(full.rounds, 3);
    assert.equal(full.scale.znodes, 1_000_000);
    assert.ok(full.cases.some((c) => c.id === 'watch-fanout-10000'));
    const quick = resolveCompareOptions({ docsDir: 'docs', quick: true, znodes: 500 });
    assert.equal(quick.rounds, 1);
    assert.equal(quick.scale.znodes, 500);
    assert.equal(quick.scale.durationSeconds, QUICK_SCALE.durationSeconds);
  });
  test('a family name picks every case in it', () => {
    const ids = selectCases(compareCases(QUICK_SCALE), 'latency,restart').map((c) => c.id);
    assert.deepEqual(ids, ['latency-create', 'latency-set', 'latency-get', 'restart']);
  });
  test('bad values are usage errors that name the option', () => {
    usageError({ docsDir: 'd', rounds: 0 }, /--rounds/);
    usageError({ docsDir: 'd', rounds: 1.5 }, /--rounds/);
    usageError({ docsDir: 'd', znodes: 20_000_000 }, /--znodes/);
    usageError({ docsDir: 'd', duration: Number.NaN }, /--duration/);
    usageError({ docsDir: 'd', shapes: 'ensemble7' }, /--shapes/);
    usageError({ docsDir: 'd', systems: 'etcd' }, /--systems/);
    usageError({ docsDir: 'd', workloads: 'nonesuch' }, /--workloads/);
    usageError({ docsDir: 'd', workloads: ',' }, /--workloads/);
    usageError({ docsDir: 'd', tickTime: 5 }, /--tick-time/);
  });
});

describe('bench:compare results', () => {
  test('run order alternates which system goes first', () => {
    assert.deepEqual(alternated(['canopy', 'zookeeper'], 0), ['canopy', 'zookeeper']);
    assert.deepEqual(alternated(['canopy', 'zookeeper'], 1), ['zookeeper', 'canopy']);
    assert.deepEqual(alternated(['canopy'], 1), ['canopy']);
  });
  test('median', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
  test('rows hold each system\'s median, the ratio, CPU per op and peak RSS; failed runs are left out', () => {
    const cases = compareCases(QUICK_SCALE).filter((c) => c.id === 'create');
    const runs: RunRecord[] = [
      { shape: 'standalone', caseId: 'create', system: 'canopy', round: 0, result: result('canopy', 100, 10, 50) },
      { shape: 'standalone', caseId: 'create', system: 'canopy', round: 1, result: result('canopy', 300, 30, 70) },
      { shape: 'standalone', caseId: 'create', system: 'canopy', round: 2, result: result('canopy', 200, 20, 60) },
      { shape: 'standalone', caseId: 'create', system: 'zookeeper', round: 0, result: result('zookeeper', 100, 40, 200) },
      { shape: 'standalone', caseId: 'create', system: 'zookeeper', round: 1, error: 'boom' },
    ];
    const [row, ...rest] = summarize(cases, ['standalone', 'ensemble3'], runs);
    assert.equal(rest.length, 0);
    assert.equal(row!.canopy.value, 200);
    assert.equal(row!.canopy.rounds, 3);
    assert.equal(row!.canopy.cpuMicrosPerOp, 20);
    assert.equal(row!.canopy.peakRssMiB, 60);
    assert.equal(row!.zookeeper.value, 100);
    assert.equal(row!.zookeeper.rounds, 1);
    assert.equal(row!.ratio, 2);
    assert.equal(betterSystem(row!), 'Canopy');
    assert.equal(betterSystem({ ...row!, better: 'lower' }), 'ZooKeeper');
    assert.equal(betterSystem({ ...row!, ratio: 1.02 }), 'even');
    const table = renderTable([row!]);
    assert.match(table, /\| standalone \| create \| ops\/s \(higher is better\) \| 200 \| 100 \| 2\.00 \| Canopy \| 20\.0 \| 40\.0 \| 60\.0 \| 200 \|/);
    const svg = renderChart([row!, { ...row!, caseId: 'x<y', ratio: undefined }], 'title & more');
    assert.match(svg, /^<svg /);
    assert.match(svg, /title &#38; more/);
    assert.equal((svg.match(/<rect /g) ?? []).length, 2, 'the background and one bar: a row without a ratio is not charted');
  });
});
