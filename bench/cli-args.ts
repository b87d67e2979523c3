// The canopy-bench command line, parsed with yargs into BenchOptionsInput and then resolved (defaults,
// ranges) like any other caller's. Numbers are taken as text and parsed strictly here: yargs would turn
// "abc" into NaN and "1e3" into 1000 without a word.
import yargs from 'yargs';
import { CANOPY_VERSION, helpWidth } from '../src/version.js';
import { UsageError } from './errors.js';
import { launchRequest, type LaunchRequest } from './launch/launch-args.js';
import { DEFAULTS, LIMITS, parseDecimalFlag, parseIntegerFlag, parsePidsFlag, resolveBenchOptions } from './options.js';
import type { BenchOptions, BenchOptionsInput } from './options.js';
import type { ClientProtocol, SystemName } from './types.js';
import { allWorkloads } from './workloads/index.js';

export interface CliRequest {
  /** One resolved BenchOptions per --workload name, in the order given. */
  runs: BenchOptions[];
  json: boolean;
  /** --launch: the cluster to start for the runs (their connect string and pids are then its own). */
  launch: LaunchRequest | undefined;
}

const WORKLOADS_PER_RUN_MAX = 16;

const FLAGS = {
  system: { type: 'string', describe: `canopy | zookeeper (default ${DEFAULTS.system})` },
  protocol: { type: 'string', describe: 'canopy | zookeeper: what the sessions speak (default the system\'s own). Canopy speaks zookeeper through its ZooKeeper door, driven by node-zookeeper-client as ZooKeeper is' },
  connect: { type: 'string', describe: `host:port[,host:port...] of the servers (default ${DEFAULTS.connect})` },
  workload: { type: 'string', describe: 'workload name, or several separated by commas (run one after the other)' },
  sessions: { type: 'string', describe: `client sessions (default ${DEFAULTS.sessions})` },
  'in-flight': { type: 'string', describe: `operations in flight per session (default ${DEFAULTS.inFlight}, at most ${LIMITS.inFlight[1]})` },
  duration: { type: 'string', describe: `measured seconds (default ${DEFAULTS.durationSeconds}; not with --ops)` },
  ops: { type: 'string', describe: 'measured operations in all (instead of --duration)' },
  'value-size': { type: 'string', describe: `bytes per value (default ${DEFAULTS.valueSizeBytes}; large: 524288; at most ${LIMITS.valueSizeBytes[1]})` },
  keys: { type: 'string', describe: `nodes in the key space (default ${DEFAULTS.keys}; large: 16)` },
  warmup: { type: 'string', describe: `seconds of unmeasured load before measuring (default ${DEFAULTS.warmupSeconds})` },
  processes: { type: 'string', describe: `client processes sharing the sessions (default ${DEFAULTS.processes}: this one)` },
  'read-ratio': { type: 'string', describe: `mixed: share of getData, 0 to 1 (default ${DEFAULTS.readRatio})` },
  watchers: { type: 'string', describe: `watch-fanout: watching sessions (default ${DEFAULTS.watchers})` },
  rounds: { type: 'string', describe: `watch-fanout: setData rounds; failover: leader kills (default ${DEFAULTS.rounds})` },
  znodes: { type: 'string', describe: `restart: znodes filled before restarting (default ${DEFAULTS.znodes})` },
  launch: { type: 'string', describe: 'canopy | zookeeper: start a cluster of that system for the run and remove it afterwards (instead of --connect); with --protocol zookeeper, Canopy\'s servers open their ZooKeeper door and the sessions use it' },
  servers: { type: 'string', describe: 'with --launch: 1 (standalone, the default), 3 or 5 servers' },
  'tick-time': { type: 'string', describe: 'with --launch: the servers\' tickTime, ms; sessions 2 to 20 ticks (default 2000)' },
  'leader-pid': { type: 'string', describe: 'failover without --launch: the pid of the leader to kill (one round)' },
  pids: { type: 'string', describe: 'server pids to measure, comma-separated (default: found from the --connect ports)' },
  'session-timeout': { type: 'string', describe: `session timeout, ms (default ${DEFAULTS.sessionTimeoutMs})` },
  json: { type: 'boolean', describe: 'print the result (an array for several workloads) as JSON on stdout' },
} as const;

function text(argv: Record<string, unknown>, flag: keyof typeof FLAGS): string | undefined {
  const value = argv[flag];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`--${flag} is given more than once`);
  if (typeof value !== 'string') throw new UsageError(`--${flag} needs a value`);
  return value;
}

function integer(argv: Record<string, unknown>, flag: keyof typeof FLAGS): number | undefined {
  const t = text(argv, flag);
  return t === undefined ? undefined : parseIntegerFlag(flag, t);
}

function decimal(argv: Record<string, unknown>, flag: keyof typeof FLAGS): number | undefined {
  const t = text(argv, flag);
  return t === undefined ? undefined : parseDecimalFlag(flag, t);
}

function defined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as T;
}

/** The input shared by every workload of the run, from the parsed flags. */
function inputFrom(argv: Record<string, unknown>): Omit<BenchOptionsInput, 'workload'> {
  const pids = text(argv, 'pids');
  return defined({
    system: text(argv, 'system') as SystemName | undefined,
    protocol: text(argv, 'protocol') as ClientProtocol | undefined,
    connect: text(argv, 'connect'),
    sessions: integer(argv, 'sessions'),
    inFlight: integer(argv, 'in-flight'),
    durationSeconds: decimal(argv, 'duration'),
    ops: integer(argv, 'ops'),
    valueSizeBytes: integer(argv, 'value-size'),
    keys: integer(argv, 'keys'),
    warmupSeconds: decimal(argv, 'warmup'),
    processes: integer(argv, 'processes'),
    readRatio: decimal(argv, 'read-ratio'),
    watchers: integer(argv, 'watchers'),
    rounds: integer(argv, 'rounds'),
    znodes: integer(argv, 'znodes'),
    leaderPid: integer(argv, 'leader-pid'),
    pids: pids === undefined ? undefined : parsePidsFlag(pids),
    sessionTimeoutMs: integer(argv, 'session-timeout'),
  });
}

function usageText(): string {
  const lines = allWorkloads().map((w) => `  ${w.name.padEnd(13)} ${w.summary}`);
  return `$0 --workload <name>[,<name>...] [options]\n\nMeasures Canopy or Apache ZooKeeper with the same workloads.\n\nWorkloads:\n${lines.join('\n')}`;
}

/** Parses the arguments (without node and the script); throws UsageError on anything wrong. */
export async function parseCliArgs(args: readonly string[]): Promise<CliRequest> {
  const argv = await yargs([...args])
    .scriptName('canopy-bench')
    .usage(usageText())
    .options(FLAGS)
    .parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false })
    .strict()
    .wrap(helpWidth())
    .version(CANOPY_VERSION)
    .help()
    .fail((message, error) => {
      throw error instanceof UsageError ? error : new UsageError(message || error?.message || 'bad arguments');
    })
    .parseAsync();
  const record = argv as unknown as Record<string, unknown>;
  if (argv._.length > 0) throw new UsageError(`unexpected argument '${String(argv._[0]).slice(0, 40)}'`);
  const names = text(record, 'workload');
  if (names === undefined) throw new UsageError('--workload is required');
  const workloads = names.split(',').map((n) => n.trim());
  if (workloads.length > WORKLOADS_PER_RUN_MAX) throw new UsageError(`at most ${WORKLOADS_PER_RUN_MAX} workloads per run`);
  const input = inputFrom(record);
  const launch = launchRequest({
    launch: text(record, 'launch'), servers: integer(record, 'servers'), tickTimeMs: integer(record, 'tick-time'),
    system: input.system, protocol: input.protocol, connect: input.connect, pids: text(record, 'pids'), leaderPid: input.leaderPid,
  });
  if (launch !== undefined) {
    input.system = launch.system;
    input.protocol = launch.protocol;
  }
  return { runs: workloads.map((workload) => resolveBenchOptions({ ...input, workload })), json: record.json === true, launch };
}
