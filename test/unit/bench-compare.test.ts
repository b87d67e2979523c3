// bench:compare's pure parts: options and plans, run order, medians and ratios, the table, the chart and
// the page's sections. No server is started here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart } from '../../bench/compare/chart.js';
import { writePerformanceDoc, type DocInput } from '../../bench/compare/doc.js';
import { findSection, replaceSection, sectionMarkers } from '../../bench/compare/doc-sections.js';
import { ZK_CLIENT_CHART_FILE, ZK_CLIENT_MARKERS, writeZkClientSection } from '../../bench/compare/doc-zk-client.js';
import { commandLine, resolveCompareOptions, selectCases } from '../../bench/compare/options.js';
import { compareCases, FULL_SCALE, planProtocol, QUICK_SCALE, ZK_CLIENT_CASE_IDS } from '../../bench/compare/plan.js';
import { alternated } from '../../bench/compare/runner.js';
import { summarize, type RunRecord } from '../../bench/compare/summary.js';
import { betterSystem, renderTable } from '../../bench/compare/table.js';
import { BenchError, UsageError } from '../../bench/errors.js';
import { DEFAULT_SERVER_SETTINGS } from '../../bench/launch/server-settings.js';
import type { SystemName, WorkloadResult } from '../../bench/types.js';
import { median } from '../../bench/workloads/median.js';

function result(system: SystemName, opsPerSecond: number, cpu: number, rssMiB: number): WorkloadResult {
  return {
    workload: 'create', system, protocol: system, ops: opsPerSecond, errors: 0, seconds: 1, opsPerSecond,
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

describe('bench:compare plans', () => {
  test('own-clients (the default): each system through its own client, every case', () => {
    const own = resolveCompareOptions({ docsDir: 'd' });
    assert.equal(own.plan, 'own-clients');
    assert.deepEqual(own.cases.map((c) => c.id), compareCases(FULL_SCALE).map((c) => c.id));
    assert.deepEqual([planProtocol('own-clients', 'canopy'), planProtocol('own-clients', 'zookeeper')], ['canopy', 'zookeeper']);
  });
  test('zk-client: both systems through node-zookeeper-client, the throughput and latency cases only', () => {
    const zk = resolveCompareOptions({ docsDir: 'd', plan: 'zk-client' });
    assert.equal(zk.plan, 'zk-client');
    assert.deepEqual(zk.cases.map((c) => c.id), ['create', 'set', 'get', 'mixed', 'latency-create', 'latency-set', 'latency-get']);
    assert.deepEqual(zk.cases.map((c) => c.id), [...ZK_CLIENT_CASE_IDS]);
    assert.deepEqual(zk.systems, ['canopy', 'zookeeper']);
    assert.deepEqual([planProtocol('zk-client', 'canopy'), planProtocol('zk-client', 'zookeeper')], ['zookeeper', 'zookeeper']);
    assert.deepEqual(resolveCompareOptions({ docsDir: 'd', plan: 'zk-client', workloads: 'latency' }).cases.map((c) => c.id), ['latency-create', 'latency-set', 'latency-get']);
    const load = zk.cases.find((c) => c.id === 'mixed')!;
    assert.deepEqual([load.input.sessions, load.input.inFlight], [8, 64], 'the same load as the own-clients plan');
  });
  test('an unknown plan, or a case outside the plan, is a usage error', () => {
    usageError({ docsDir: 'd', plan: 'zk' }, /--plan must be one of own-clients, zk-client, not 'zk'/);
    usageError({ docsDir: 'd', plan: ['zk-client', 'zk-client'] as unknown as string }, /--plan must be one of/);
    usageError({ docsDir: 'd', plan: 'zk-client', workloads: 'watch-fanout' }, /--workloads: 'watch-fanout' is none of create, set/);
  });
  test('the command on the page reads as the npm script people run', () => {
    assert.equal(commandLine([]), 'npm run bench:compare');
    assert.equal(commandLine(['--write-doc', '--rounds', '5']), 'npm run bench:compare -- --write-doc --rounds 5');
    assert.equal(commandLine(['--plan', 'zk-client', '--write-doc']), 'npm run bench:compare:zk-client -- --write-doc');
    assert.equal(commandLine(['--quick', '--plan=zk-client']), 'npm run bench:compare:zk-client -- --quick');
    assert.equal(commandLine(['--plan', 'zk-client']), 'npm run bench:compare:zk-client');
    assert.equal(commandLine(['--plan', 'own-clients']), 'npm run bench:compare -- --plan own-clients');
  });
});

describe('docs/performance.md sections', () => {
  const markers = sectionMarkers('demo');
  test('a section is replaced in place, or appended; the text around it is kept byte for byte', () => {
    const page = '# Title\n\nintro\n';
    const once = replaceSection(page, markers, 'first\n');
    assert.equal(once, `# Title\n\nintro\n\n${markers.begin}\nfirst\n${markers.end}\n`);
    const withTail = `${once}after\n`;
    const twice = replaceSection(withTail, markers, '\nsecond');
    assert.equal(twice, `# Title\n\nintro\n\n${markers.begin}\nsecond\n${markers.end}\nafter\n`);
    assert.equal(findSection(twice, markers), `${markers.begin}\nsecond\n${markers.end}`);
    assert.equal(findSection(page, markers), undefined);
  });
  test('markers that are not one pair in order are refused, not guessed at', () => {
    for (const broken of [`${markers.begin}\nx`, `x\n${markers.end}`, `${markers.end}\n${markers.begin}`, `${markers.begin}\n${markers.begin}\n${markers.end}`]) {
      assert.throws(() => replaceSection(broken, markers, 'y'), BenchError);
    }
    assert.throws(() => sectionMarkers('Bad name -->'), RangeError);
  });
  test('each plan rewrites its own part of the page and keeps the other\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-compare-doc-'));
    try {
      const input = (caseId: string): DocInput => ({
        rows: summarize(compareCases(QUICK_SCALE).filter((c) => c.id === 'create'), ['standalone'], [
          { shape: 'standalone', caseId: 'create', system: 'canopy', round: 0, result: result('canopy', 300, 10, 50) },
          { shape: 'standalone', caseId: 'create', system: 'zookeeper', round: 0, result: result('zookeeper', 100, 40, 200) },
        ]).map((r) => ({ ...r, caseId })),
        machine: { cpuModel: 'cpu', cores: 2, ramGiB: 1, os: 'os', kernel: 'k', node: 'v20', java: 'java', zookeeper: '3.8', loadAverageAtStart: 0, date: '2026-01-02T00:00:00Z' },
        settings: DEFAULT_SERVER_SETTINGS, scale: QUICK_SCALE, rounds: 1, command: 'cmd',
      });
      const md = join(dir, 'performance.md');
      writePerformanceDoc(dir, input('own-first'));
      assert.match(readFileSync(md, 'utf8'), /Not measured yet\. Run `npm run bench:compare:zk-client -- --write-doc`/, 'a fresh page holds the placeholder');
      writeZkClientSection(dir, input('zk-first'));
      let page = readFileSync(md, 'utf8');
      assert.match(page, /\| own-first \|/);
      assert.match(page, /\| zk-first \|/);
      assert.doesNotMatch(page, /Not measured yet/);
      assert.match(readFileSync(join(dir, ZK_CLIENT_CHART_FILE), 'utf8'), /both through node-zookeeper-client/);
      writePerformanceDoc(dir, input('own-second'));
      page = readFileSync(md, 'utf8');
      assert.deepEqual([/own-first/.test(page), /own-second/.test(page), /zk-first/.test(page)], [false, true, true], 'the main table is new, the section kept');
      writeZkClientSection(dir, input('zk-second'));
      page = readFileSync(md, 'utf8');
      assert.deepEqual([/own-second/.test(page), /zk-first/.test(page), /zk-second/.test(page)], [true, false, true]);
      assert.equal(page.split(ZK_CLIENT_MARKERS.begin).length, 2, 'one section, never two');
      writeFileSync(md, '# hand-made page\n');
      writeZkClientSection(dir, input('zk-third'));
      assert.match(readFileSync(md, 'utf8'), /^# hand-made page\n\n<!-- section zk-client/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
