#!/usr/bin/env node
// npm run bench:compare: Canopy and Apache ZooKeeper side by side on this machine. For each cluster shape
// and workload it runs the same workload code against a freshly launched cluster of each system, rounds
// times, alternating which system goes first; then prints the medians side by side (and writes JSON with
// --out, docs/performance.md and its chart with --write-doc). --plan zk-client (npm run
// bench:compare:zk-client) drives both systems through node-zookeeper-client, Canopy on its ZooKeeper door,
// and writes only its own section of the page.
import { statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { CANOPY_VERSION, helpWidth } from '../../src/version.js';
import { hideBin } from 'yargs/helpers';
import { driverFor } from '../drivers/index.js';
import { UsageError, errorText } from '../errors.js';
import { withLaunchedCluster } from '../launch/launched.js';
import { ensureZooKeeper } from '../launch/zookeeper-install.js';
import { resolveBenchOptions, runWorkload } from '../run.js';
import type { SystemName } from '../types.js';
import { assertNever } from '../../protocol/assert-never.js';
import { writePerformanceDoc, type DocInput } from './doc.js';
import { writeZkClientSection } from './doc-zk-client.js';
import { describeMachine } from './machine.js';
import { commandLine, resolveCompareOptions, type CompareOptions } from './options.js';
import { planProtocol, type PlanName } from './plan.js';
import { runComparison, type RunOne } from './runner.js';
import { summarize } from './summary.js';
import { renderTable } from './table.js';

/** <repo>/docs, from <build root>/bench/compare. */
const DEFAULT_DOCS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs');
const TMPFS_MAGIC = 0x01021994;
/** A 1-minute load average above this before starting: something else is using the cores. */
const BUSY_LOAD_AVERAGE = 0.5;

function note(line: string): void {
  process.stderr.write(`bench:compare: ${line}\n`);
}

/** Why a system cannot run here under the plan (ZooKeeper needs Debian's package and java; either may need node-zookeeper-client). */
async function unavailable(system: SystemName, plan: PlanName): Promise<string | undefined> {
  if (system === 'zookeeper') {
    const installed = await ensureZooKeeper();
    if (!installed.ok) return installed.reason;
  }
  try {
    await driverFor(planProtocol(plan, system));
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

function runOneWith(options: CompareOptions): RunOne {
  return (system, shape, c) => {
    const protocol = planProtocol(options.plan, system);
    return withLaunchedCluster(system, { size: shape.size, settings: options.settings, parentDir: options.dataDir, protocol }, (cluster) =>
      runWorkload(resolveBenchOptions({ ...c.input, system, protocol, connect: cluster.connectString, pids: cluster.servers.map((s) => s.pid) }), { cluster, progress: false }));
  };
}

function writeDoc(options: CompareOptions, input: DocInput): string[] {
  switch (options.plan) {
    case 'own-clients': return writePerformanceDoc(options.docsDir, input);
    case 'zk-client': return writeZkClientSection(options.docsDir, input);
    default: return assertNever(options.plan, 'plan');
  }
}

async function compare(options: CompareOptions, command: string): Promise<void> {
  const startedAt = Date.now();
  const missing = new Map<SystemName, string>();
  for (const system of options.systems) {
    const why = await unavailable(system, options.plan);
    if (why === undefined) continue;
    missing.set(system, why);
    note(`${system} cannot run here, so it is left out: ${why}`);
  }
  const systems = options.systems.filter((s) => !missing.has(s));
  const zookeeperMissing = missing.get('zookeeper');
  if (systems.length === 0) throw new UsageError('no system left to run');
  const parent = options.dataDir ?? tmpdir();
  let parentType: number;
  try {
    parentType = statfsSync(parent).type;
  } catch (e) {
    throw new UsageError(`--data-dir ${parent} cannot be used: ${(e as Error).message}`);
  }
  if (parentType === TMPFS_MAGIC) note(`${parent} is tmpfs, where an fsync costs nothing: both systems' write figures will flatter them (use --data-dir)`);
  const machine = await describeMachine();
  if (machine.loadAverageAtStart > BUSY_LOAD_AVERAGE) note(`load average ${machine.loadAverageAtStart} at the start: something else is running, figures will be noisy`);
  const runs = await runComparison({ shapes: options.shapes, cases: options.cases, systems, rounds: options.rounds }, runOneWith(options), note);
  const rows = summarize(options.cases, options.shapes.map((s) => s.name), runs);
  process.stdout.write(renderTable(rows));
  note(`done in ${((Date.now() - startedAt) / 60_000).toFixed(1)} min; ${runs.filter((r) => r.error !== undefined).length} of ${runs.length} runs failed`);
  if (options.out !== undefined) {
    writeFileSync(options.out, `${JSON.stringify({ plan: options.plan, machine, command, settings: options.settings, scale: options.scale, rounds: options.rounds, systems, zookeeperMissing, rows, runs }, null, 2)}\n`);
    note(`results written to ${options.out}`);
  }
  if (options.writeDoc) {
    const files = writeDoc(options, { rows, machine, settings: options.settings, scale: options.scale, rounds: options.rounds, command, zookeeperMissing });
    note(`wrote ${files.join(' and ')}`);
  }
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:compare')
    .usage('npm run bench:compare -- [options]\n\nCanopy and Apache ZooKeeper side by side: each workload against a freshly launched cluster of each system.')
    .options({
      plan: { type: 'string', describe: 'own-clients: each system through its own client, every workload (default); zk-client: both through node-zookeeper-client, the throughput and latency workloads' },
      shapes: { type: 'string', describe: 'comma-separated: standalone, ensemble3 (default both)' },
      workloads: { type: 'string', describe: 'comma-separated cases or families: create, set, get, mixed, latency, watch-fanout, sessions, restart, failover (default all)' },
      systems: { type: 'string', describe: 'comma-separated: canopy, zookeeper (default both)' },
      rounds: { type: 'number', describe: 'runs per system and workload; the median is reported (default 3, --quick 1)' },
      duration: { type: 'number', describe: 'measured seconds of a load workload (default 10, --quick 1)' },
      warmup: { type: 'number', describe: 'warm-up seconds before measuring (default 2, --quick 0)' },
      znodes: { type: 'number', describe: 'znodes the restart workload fills (default 1000000, --quick 2000)' },
      quick: { type: 'boolean', describe: 'a smoke run: short durations, small counts, 1 round' },
      'tick-time': { type: 'number', describe: 'tickTime of both systems, ms; session limits 2 and 20 ticks (default 2000)' },
      out: { type: 'string', describe: 'write every run and the summary as JSON to this file' },
      'write-doc': { type: 'boolean', describe: 'write docs/performance.md and its chart (zk-client: only its section of the page, and its own chart)' },
      'docs-dir': { type: 'string', default: DEFAULT_DOCS_DIR, describe: 'where --write-doc writes' },
      'data-dir': { type: 'string', describe: 'where the servers\' temporary directories go (default the OS temp dir; not tmpfs)' },
    })
    .strict()
    .wrap(helpWidth())
    .version(CANOPY_VERSION)
    .help()
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .parseAsync();
  const options = resolveCompareOptions({
    plan: argv.plan, shapes: argv.shapes, workloads: argv.workloads, systems: argv.systems, rounds: argv.rounds, duration: argv.duration,
    warmup: argv.warmup, znodes: argv.znodes, quick: argv.quick, tickTime: argv['tick-time'], out: argv.out,
    writeDoc: argv['write-doc'], docsDir: argv['docs-dir'], dataDir: argv['data-dir'],
  });
  await compare(options, commandLine(hideBin(process.argv)));
}

main().then(
  // Client libraries may leave timers behind; the comparison is over.
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`bench:compare: ${e.message}\n(see --help)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench:compare: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
