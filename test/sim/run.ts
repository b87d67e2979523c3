// The simulator's command line:
//   node dist/test/sim/run.js --seeds 1000 [--start 1] [--peers 3|5|both] [--level replica|peer] [--steps N] [--seed S]
//     [--intensity X] [--faults net,crash,pause,partition,disk,clients|all|none] [--bug NAME] [--verbose] [--trace EVENTS]
//     peer level only: [--tolerate-ack] [--history N]
// Runs each seed (with both ensemble sizes for --peers both), at the whole-replica level (N Replicas with
// simulated drivers and clients, the default) or the peer level (bare ZAB peers under the production loop),
// prints a summary and, for each failure, the seed and one command that replays it; --verbose adds the last
// events before the failure. Exits 1 on failure.
import { parseArgs } from 'node:util';
import { INJECTED_BUG_NAMES } from '../../src/replica/injected-bugs.js';
import type { InjectedBugName } from '../../src/replica/injected-bugs.js';
import { DEFAULT_FAULT_STEPS } from './config.js';
import { DEFAULT_REPLICA_FAULT_STEPS, FAULT_KINDS } from './replica/config.js';
import type { FaultKind } from './replica/config.js';
import { runReplicaSeed } from './replica/simulate.js';
import type { ReplicaRunResult } from './replica/simulate.js';
import { addReplicaStats, emptyReplicaTotals, formatReplicaTotals, replicaReplayCommand } from './replica/summary.js';
import type { ReplicaRunOptions } from './replica/summary.js';
import { runSeed, type RunResult } from './simulate.js';
import { addStats, emptyTotals, replayCommand } from './summary.js';

interface CliOptions {
  level: 'peer' | 'replica';
  seeds: number[];
  sizes: number[];
  steps: number;
  verbose: boolean;
  traceEvents: number;
  tolerateAck: boolean;
  intensity: number;
  /** historyTxnsMax for every run (default: drawn from the seed). */
  history: number | undefined;
  kinds: FaultKind[];
  bug: InjectedBugName | undefined;
}

function parse(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '100' },
      start: { type: 'string', default: '1' },
      peers: { type: 'string', default: 'both' },
      level: { type: 'string', default: 'replica' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'string', default: '200' },
      'tolerate-ack': { type: 'boolean', default: false },
      intensity: { type: 'string', default: '1' },
      history: { type: 'string' },
      faults: { type: 'string', default: 'all' },
      bug: { type: 'string' },
    },
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  if (values.level !== 'peer' && values.level !== 'replica') throw new Error(`--level must be peer or replica, got ${values.level}`);
  const level = values.level;
  const sizes = values.peers === 'both' ? [3, 5] : [int('peers', values.peers!)];
  for (const s of sizes) if (s !== 3 && s !== 5) throw new Error(`--peers must be 3, 5 or both (got ${s})`);
  const intensity = Number(values.intensity);
  if (!Number.isFinite(intensity) || intensity < 0) throw new Error(`--intensity must be a non-negative number, got ${values.intensity}`);
  let seeds: number[];
  if (values.seed !== undefined) seeds = [int('seed', values.seed)];
  else {
    const start = int('start', values.start!);
    seeds = Array.from({ length: int('seeds', values.seeds!) }, (_, i) => start + i);
  }
  const defaultSteps = level === 'peer' ? DEFAULT_FAULT_STEPS : DEFAULT_REPLICA_FAULT_STEPS;
  return {
    level, seeds, sizes, steps: values.steps === undefined ? defaultSteps : int('steps', values.steps), verbose: values.verbose!, traceEvents: int('trace', values.trace!),
    tolerateAck: values['tolerate-ack']!, intensity, history: values.history === undefined ? undefined : int('history', values.history),
    kinds: parseKinds(values.faults!), bug: parseBug(values.bug),
  };
}

function parseKinds(list: string): FaultKind[] {
  if (list === 'all') return [...FAULT_KINDS];
  if (list === 'none') return [];
  const kinds = list.split(',').map((k) => k.trim());
  for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`--faults takes all, none or a list of ${FAULT_KINDS.join(', ')} (got ${k})`);
  return kinds as FaultKind[];
}

function parseBug(name: string | undefined): InjectedBugName | undefined {
  if (name === undefined) return undefined;
  if (!(INJECTED_BUG_NAMES as readonly string[]).includes(name)) throw new Error(`--bug takes one of ${INJECTED_BUG_NAMES.join(', ')} (got ${name})`);
  return name as InjectedBugName;
}

function printFailure(head: string, failure: { step: number; kind: string; message: string; stack?: string }, trace: string | undefined, replay: string, verbose: boolean): void {
  console.log(`\nFAIL ${head} at step ${failure.step}: [${failure.kind}] ${failure.message}`);
  if (failure.stack !== undefined && verbose) console.log(failure.stack);
  if (verbose && trace !== undefined) console.log(`--- last events ---\n${trace}\n---`);
  console.log(`replay: ${replay}${verbose ? '' : ' --verbose'}`);
}

function runPeerLevel(opts: CliOptions): number {
  const t = emptyTotals();
  const failures: RunResult[] = [];
  for (const seed of opts.seeds) {
    for (const peers of opts.sizes) {
      const r = runSeed(seed, peers, { faultSteps: opts.steps, traceEvents: opts.traceEvents, tolerateAckDurability: opts.tolerateAck, intensity: opts.intensity, ...(opts.history === undefined ? {} : { tuning: { historyTxnsMax: opts.history } }) });
      addStats(t, r.stats);
      if (r.ok) continue;
      failures.push(r);
      printFailure(`seed ${r.seed} peers ${r.peers}`, r.failure!, r.trace, replayCommand(r, opts.steps, opts.tolerateAck, opts.intensity, opts.history), opts.verbose);
    }
  }
  console.log(`steps ${t.steps}  commits ${t.commits}  proposed ${t.proposedTxns}  elections ${t.elections}  crashes ${t.crashes}  pauses ${t.pauses}  partitions ${t.partitions}  localSnapshots ${t.localSnapshots}`);
  console.log(`syncs: snap ${t.syncs.snap}  diff ${t.syncs.diff}  trunc ${t.syncs.trunc}   messages ${t.messages} (dropped ${t.dropped}, duplicated ${t.duplicated}, reordered ${t.reordered})`);
  if (opts.tolerateAck) console.log(`tolerated ack-durability violations: ${t.toleratedAcks}`);
  console.log(`failures ${failures.length}${failures.length > 0 ? ': ' + failures.map((f) => `${f.seed}/${f.peers}`).join(' ') : ''}`);
  return failures.length;
}

function runReplicaLevel(opts: CliOptions): number {
  const t = emptyReplicaTotals();
  const failures: ReplicaRunResult[] = [];
  const runOpts: ReplicaRunOptions = { steps: opts.steps, intensity: opts.intensity, kinds: opts.kinds, bug: opts.bug };
  for (const seed of opts.seeds) {
    for (const servers of opts.sizes) {
      const r = runReplicaSeed(seed, servers, { faultSteps: opts.steps, traceEvents: opts.traceEvents, intensity: opts.intensity, kinds: opts.kinds, bugs: opts.bug === undefined ? {} : { [opts.bug]: true } });
      addReplicaStats(t, r.stats);
      if (r.ok) continue;
      failures.push(r);
      printFailure(`seed ${r.seed} servers ${r.servers}`, r.failure!, r.trace, replicaReplayCommand(r, runOpts), opts.verbose);
    }
  }
  console.log(formatReplicaTotals(t));
  console.log(`failures ${failures.length}${failures.length > 0 ? ': ' + failures.map((f) => `${f.seed}/${f.servers}`).join(' ') : ''}`);
  return failures.length;
}

function main(): void {
  const opts = parse(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const failures = opts.level === 'peer' ? runPeerLevel(opts) : runReplicaLevel(opts);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const runs = opts.seeds.length * opts.sizes.length;
  console.log(`${opts.level}-level runs ${runs} (seeds ${opts.seeds.length} × sizes [${opts.sizes.join(',')}]) in ${seconds.toFixed(1)}s = ${(runs / seconds).toFixed(1)} runs/s`);
  if (failures > 0) process.exitCode = 1;
}

main();
