// The simulator's command line:
//   node dist/test/sim/run.js --seeds 1000 [--start 1] [--peers 3|5|both] [--steps N] [--seed S] [--verbose] [--trace EVENTS] [--tolerate-ack] [--intensity X] [--history N]
// Runs each seed (with both cluster sizes for --peers both), prints a summary and, for each failure, the
// seed and one command that replays it; --verbose adds the last events before the failure. Exits 1 on failure.
import { parseArgs } from 'node:util';
import { DEFAULT_FAULT_STEPS } from './config.js';
import { runSeed, type RunResult } from './simulate.js';
import { addStats, emptyTotals, replayCommand } from './summary.js';

interface CliOptions {
  seeds: number[];
  sizes: number[];
  steps: number;
  verbose: boolean;
  traceEvents: number;
  tolerateAck: boolean;
  intensity: number;
  /** historyTxnsMax for every run (default: drawn from the seed). */
  history: number | undefined;
}

function parse(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '100' },
      start: { type: 'string', default: '1' },
      peers: { type: 'string', default: 'both' },
      steps: { type: 'string', default: String(DEFAULT_FAULT_STEPS) },
      seed: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'string', default: '200' },
      'tolerate-ack': { type: 'boolean', default: false },
      intensity: { type: 'string', default: '1' },
      history: { type: 'string' },
    },
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const sizes = values.peers === 'both' ? [3, 5] : [int('peers', values.peers!)];
  for (const s of sizes) if (s < 1 || s > 9) throw new Error(`--peers must be 3, 5 or both (got ${s})`);
  const intensity = Number(values.intensity);
  if (!Number.isFinite(intensity) || intensity < 0) throw new Error(`--intensity must be a non-negative number, got ${values.intensity}`);
  let seeds: number[];
  if (values.seed !== undefined) seeds = [int('seed', values.seed)];
  else {
    const start = int('start', values.start!);
    seeds = Array.from({ length: int('seeds', values.seeds!) }, (_, i) => start + i);
  }
  return { seeds, sizes, steps: int('steps', values.steps!), verbose: values.verbose!, traceEvents: int('trace', values.trace!), tolerateAck: values['tolerate-ack']!, intensity, history: values.history === undefined ? undefined : int('history', values.history) };
}

function printFailure(r: RunResult, opts: CliOptions): void {
  const { verbose } = opts;
  const f = r.failure!;
  console.log(`\nFAIL seed ${r.seed} peers ${r.peers} at step ${f.step}: [${f.kind}] ${f.message}`);
  if (f.stack !== undefined && verbose) console.log(f.stack);
  if (verbose && r.trace !== undefined) console.log(`--- last events ---\n${r.trace}\n---`);
  console.log(`replay: ${replayCommand(r, opts.steps, opts.tolerateAck, opts.intensity, opts.history)}${verbose ? '' : ' --verbose'}`);
}

function main(): void {
  const opts = parse(process.argv.slice(2));
  const total = emptyTotals();
  const failures: RunResult[] = [];
  const started = process.hrtime.bigint();
  let runs = 0;
  for (const seed of opts.seeds) {
    for (const peers of opts.sizes) {
      const r = runSeed(seed, peers, { faultSteps: opts.steps, traceEvents: opts.traceEvents, tolerateAckDurability: opts.tolerateAck, intensity: opts.intensity, ...(opts.history === undefined ? {} : { tuning: { historyTxnsMax: opts.history } }) });
      runs += 1;
      addStats(total, r.stats);
      if (!r.ok) {
        failures.push(r);
        printFailure(r, opts);
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const t = total;
  console.log(`\nruns ${runs} (seeds ${opts.seeds.length} × sizes [${opts.sizes.join(',')}]) in ${seconds.toFixed(1)}s = ${(runs / seconds).toFixed(1)} runs/s`);
  console.log(`steps ${t.steps}  commits ${t.commits}  proposed ${t.proposedTxns}  elections ${t.elections}  crashes ${t.crashes}  pauses ${t.pauses}  partitions ${t.partitions}  localSnapshots ${t.localSnapshots}`);
  console.log(`syncs: snap ${t.syncs.snap}  diff ${t.syncs.diff}  trunc ${t.syncs.trunc}   messages ${t.messages} (dropped ${t.dropped}, duplicated ${t.duplicated}, reordered ${t.reordered})`);
  if (opts.tolerateAck) console.log(`tolerated ack-durability violations: ${t.toleratedAcks}`);
  console.log(`failures ${failures.length}${failures.length > 0 ? ': ' + failures.map((f) => `${f.seed}/${f.peers}`).join(' ') : ''}`);
  if (failures.length > 0) process.exitCode = 1;
}

main();
