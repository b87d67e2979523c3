// CI's short fault campaign: two runs on a real 3-server ensemble, one crashing and freezing servers, one
// cutting the network between servers and between clients and servers. Each must end with no
// linearizability violation, no acknowledged write missing, no duplicate, and ephemerals that vanished
// exactly with their sessions. `npm run test:faults` runs the long campaigns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOnce } from './run.js';
import type { RunSummary } from './run.js';
import type { FaultKind } from './nemesis.js';

const RUN_MS = 40_000;

function explain(s: RunSummary): string {
  let text = `${s.verdict}: ${s.problems.join('\n')}\nresults: ${s.dir}`;
  try {
    text += `\n${readFileSync(join(s.dir, 'verdict.txt'), 'utf8')}`;
  } catch {
    // the verdict file is written last; its absence is itself in the problems
  }
  return text;
}

async function campaignRun(seed: number, faults: FaultKind[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'canopy-faults-'));
  const s = await runOnce({ seed, size: 3, durationMs: RUN_MS, faults, resultsRoot: root });
  assert.equal(s.verdict, 'pass', explain(s));
  // The run did real work under real faults, or passing would prove nothing.
  assert.ok(s.faultsInjected >= 3, `only ${s.faultsInjected} faults injected`);
  assert.ok(s.registerOps >= 500, `only ${s.registerOps} register ops`);
  assert.ok((s.registerOutcomes['write:ok'] ?? 0) + (s.registerOutcomes['cas:ok'] ?? 0) >= 100, `too few acknowledged writes: ${JSON.stringify(s.registerOutcomes)}`);
  assert.ok(s.setAdds >= 100, `only ${s.setAdds} set adds`);
  assert.ok(s.sessions >= 3, `only ${s.sessions} sessions`);
  rmSync(root, { recursive: true, force: true });
}

test('short fault campaign: kill -9 and SIGSTOP', { timeout: 240_000 }, () => campaignRun(1001, ['kill', 'pause']));
test('short fault campaign: partitions between servers and between clients and servers', { timeout: 240_000 }, () => campaignRun(2002, ['partition', 'clients']));
