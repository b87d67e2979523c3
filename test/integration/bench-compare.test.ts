// npm run bench:compare end to end, tiny: --quick with very short durations and few znodes, both shapes,
// every workload, against Canopy and (when it can be had) Debian's ZooKeeper. The table and the JSON must
// hold each system's figure for every workload. Without ZooKeeper the comparison runs Canopy alone and
// the ZooKeeper half of the check is skipped, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compareCases, QUICK_SCALE } from '../../bench/compare/plan.js';
import type { Row } from '../../bench/compare/summary.js';
import { driverFor } from '../../bench/drivers/index.js';
import { ensureZooKeeper } from '../../bench/launch/zookeeper-install.js';

const run = promisify(execFile);
const COMPARE_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'compare', 'main.js');

async function zookeeperMissing(): Promise<string | undefined> {
  const installed = await ensureZooKeeper();
  if (!installed.ok) return installed.reason;
  return driverFor('zookeeper').then(() => undefined, (e: Error) => e.message);
}

test('a tiny bench:compare gives both systems\' figures for every workload', { timeout: 900_000 }, async (t) => {
  const missing = await zookeeperMissing();
  if (missing !== undefined) t.diagnostic(`ZooKeeper is not available, only Canopy's figures are checked: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-compare-test-'));
  try {
    const out = join(dir, 'results.json');
    const args = [COMPARE_MAIN, '--quick', '--duration', '0.3', '--znodes', '300', '--out', out, '--docs-dir', dir];
    const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
    const json = JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[]; runs: Array<{ error?: string }> };
    assert.deepEqual(json.runs.filter((r) => r.error !== undefined), [], 'no run failed');
    const expected = compareCases(QUICK_SCALE).flatMap((c) => c.shapes.flatMap((shape) => c.figures.map((f) => `${shape} ${c.id} ${f.key}`)));
    assert.deepEqual(json.rows.map((r) => `${r.shape} ${r.caseId} ${r.figure}`).sort(), expected.sort());
    for (const row of json.rows) {
      const what = `${row.shape} ${row.caseId} ${row.label}`;
      assert.ok(row.canopy.value !== undefined && Number.isFinite(row.canopy.value), `Canopy's ${what}`);
      assert.match(stdout, new RegExp(`\\| ${row.caseId} \\| ${row.label.replace(/[()/]/g, '\\$&')} `), `the table has ${what}`);
      if (missing !== undefined) continue;
      assert.ok(row.zookeeper.value !== undefined && Number.isFinite(row.zookeeper.value), `ZooKeeper's ${what}`);
      assert.ok(row.ratio !== undefined, `the ratio for ${what}`);
    }
    if (missing === undefined) assert.doesNotMatch(stdout, /\| n\/a \| n\/a \|/, 'no row lacks both figures');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
