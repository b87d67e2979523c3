// `npm run test:faults -- --time 600 --faults kill,pause,partition`: fault runs back to back until the time
// is spent, each on a fresh ensemble with its own seed and results folder, then a summary. Exits 1 if any
// run found a problem (or could not decide), printing where its results are.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FAULT_KINDS } from './nemesis.js';
import type { FaultKind } from './nemesis.js';
import { runOnce } from './run.js';
import type { RunSummary } from './run.js';

/** Roughly what a run spends beyond its faults: starting the ensemble, healing, final reads, checking. */
const RUN_OVERHEAD_S = 12;
const MIN_RUN_S = 5;

export interface CampaignOptions {
  timeSeconds: number;
  runSeconds: number;
  runs: number | undefined;
  faults: FaultKind[];
  sizes: (3 | 5)[];
  seed: number;
  out: string;
}

export interface CampaignSummary {
  runs: RunSummary[];
  failed: RunSummary[];
  totals: Record<string, number>;
  faultsByVariant: Record<string, number>;
}

export function parseFaults(text: string): FaultKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`unknown fault '${k}' (known: ${FAULT_KINDS.join(', ')})`);
  }
  if (kinds.length === 0) throw new Error('--faults names no fault');
  return [...new Set(kinds)] as FaultKind[];
}

export async function runCampaign(opts: CampaignOptions, log: (line: string) => void): Promise<CampaignSummary> {
  const started = Date.now();
  const root = resolve(opts.out, `campaign-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(root, { recursive: true });
  const runs: RunSummary[] = [];
  for (let i = 0; ; i++) {
    let runSeconds = opts.runSeconds;
    if (opts.runs !== undefined) {
      if (i >= opts.runs) break;
    } else {
      // A run also spends time starting its ensemble and checking its history; the first always runs.
      const remaining = opts.timeSeconds - (Date.now() - started) / 1000;
      runSeconds = Math.min(opts.runSeconds, remaining - RUN_OVERHEAD_S);
      if (runSeconds < MIN_RUN_S) {
        if (i > 0) break;
        runSeconds = MIN_RUN_S;
      }
    }
    const summary = await runOnce({
      seed: opts.seed + i, size: opts.sizes[i % opts.sizes.length]!, durationMs: Math.round(runSeconds * 1000), faults: opts.faults, resultsRoot: root, log,
    });
    runs.push(summary);
    log(`${summary.verdict.toUpperCase()} seed ${summary.seed} n=${summary.size}: ${summary.registerOps} register ops, ${summary.setAdds} set adds, `
      + `${summary.sessions} sessions (${summary.sessionsExpired} expired), ${summary.faultsInjected} faults → ${summary.dir}`);
    for (const p of summary.problems.slice(0, 10)) log(`    ${p}`);
  }
  const totals: Record<string, number> = { runs: runs.length, registerOps: 0, setAdds: 0, sessions: 0, sessionsExpired: 0, faults: 0, problems: 0 };
  const faultsByVariant: Record<string, number> = {};
  for (const r of runs) {
    totals.registerOps! += r.registerOps;
    totals.setAdds! += r.setAdds;
    totals.sessions! += r.sessions;
    totals.sessionsExpired! += r.sessionsExpired;
    totals.faults! += r.faultsInjected;
    totals.problems! += r.problems.length;
    for (const [k, v] of Object.entries(r.faultsByVariant)) faultsByVariant[k] = (faultsByVariant[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.registerOutcomes)) totals[k] = (totals[k] ?? 0) + v;
  }
  totals.seconds = Math.round((Date.now() - started) / 1000);
  const summary = { runs, failed: runs.filter((r) => r.verdict !== 'pass'), totals, faultsByVariant };
  writeFileSync(join(root, 'campaign.json'), JSON.stringify({ options: opts, ...summary }, null, 1));
  log(`campaign: ${JSON.stringify(totals)}`);
  log(`faults: ${JSON.stringify(faultsByVariant)}`);
  log(`${summary.failed.length === 0 ? 'all runs passed' : `${summary.failed.length} run(s) failed`}; results in ${root}`);
  return summary;
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('test:faults')
    .usage('$0 [--time s] [--faults kill,pause,partition,clients] [--size 3|5|mixed] [--seed n] [--out dir]')
    .option('time', { type: 'number', default: 600, describe: 'seconds to keep running fault runs' })
    .option('run-seconds', { type: 'number', default: 60, describe: 'seconds of faults per run (each run has its own ensemble)' })
    .option('runs', { type: 'number', describe: 'run exactly this many runs instead of filling --time' })
    .option('faults', { type: 'string', default: FAULT_KINDS.join(','), describe: `comma-separated: ${FAULT_KINDS.join(', ')}` })
    .option('size', { type: 'string', default: 'mixed', choices: ['3', '5', 'mixed'], describe: 'servers per ensemble (mixed alternates 3 and 5)' })
    .option('seed', { type: 'number', default: Date.now() % 1_000_000, describe: 'seed of the first run (run i uses seed + i)' })
    .option('out', { type: 'string', default: 'fault-results', describe: 'results folder' })
    .strict()
    .check((a) => {
      if (!Number.isFinite(a.time) || a.time <= 0) throw new Error('--time must be a positive number of seconds');
      if (!Number.isFinite(a['run-seconds']) || a['run-seconds'] < 5) throw new Error('--run-seconds must be at least 5');
      if (a.runs !== undefined && (!Number.isInteger(a.runs) || a.runs < 1)) throw new Error('--runs must be a positive integer');
      if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new Error('--seed must be a non-negative integer');
      parseFaults(a.faults);
      return true;
    })
    .parseAsync();
  const sizes: (3 | 5)[] = argv.size === 'mixed' ? [3, 5] : [Number(argv.size) as 3 | 5];
  const summary = await runCampaign({
    timeSeconds: argv.time, runSeconds: argv['run-seconds'], runs: argv.runs, faults: parseFaults(argv.faults), sizes, seed: argv.seed, out: argv.out,
  }, (line) => console.log(line));
  process.exit(summary.failed.length === 0 ? 0 : 1);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).endsWith(join('test', 'fault', 'campaign.js'))) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  });
}
