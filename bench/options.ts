// What a run is asked to do, as one typed, validated object. The CLI parses strings into it; bench:compare
// builds it in code. Both go through resolveBenchOptions, so a value out of range is refused the same way
// (UsageError naming the option) wherever it comes from.
import type { ClientProtocol, SystemName } from './types.js';
import { UsageError } from './errors.js';
import { resolveProtocol } from './protocols.js';
import { workloadNamed, workloadNames } from './workloads/index.js';

/** When the measured interval ends: after a time, or after a number of operations. */
export type StopRule = { kind: 'seconds'; seconds: number } | { kind: 'ops'; ops: number };

export interface BenchOptions {
  system: SystemName;
  /** What the sessions speak (and so the client library): the system's own protocol unless told otherwise. */
  protocol: ClientProtocol;
  /** host:port[,host:port...]: the servers the sessions connect to. */
  connect: string;
  workload: string;
  /** Client sessions of a load workload, spread over the client processes. */
  sessions: number;
  /** Operations each session keeps in flight. */
  inFlight: number;
  stop: StopRule;
  valueSizeBytes: number;
  /** Nodes of the key space that set, get, mixed and large work over (delete: nodes to delete with --duration). */
  keys: number;
  warmupSeconds: number;
  /** Client processes; 1 runs the sessions in this process. */
  processes: number;
  /** mixed: the share of operations that are getData. */
  readRatio: number;
  /** watch-fanout: sessions that each watch the one node. */
  watchers: number;
  /** watch-fanout: setData rounds; failover: leader kills. */
  rounds: number;
  /** restart: nodes filled before the restarts. */
  znodes: number;
  /** failover against servers canopy-bench did not launch: the leader's pid, killed once. */
  leaderPid: number | undefined;
  /** Server pids to measure; undefined: the processes listening on the --connect ports. */
  pids: number[] | undefined;
  sessionTimeoutMs: number;
}

/** BenchOptions as given, before defaults: what a caller in code passes. */
export type BenchOptionsInput = Partial<Omit<BenchOptions, 'stop'>> & {
  workload: string;
  durationSeconds?: number;
  ops?: number;
};

/** Largest value a node holds in either system (ZooKeeper's jute.maxbuffer, Canopy's maxDataBytes). */
export const VALUE_SIZE_BYTES_MAX = 1_048_576;

export const LIMITS = {
  sessions: [1, 100_000],
  // Canopy's maxOutstandingPerSession default: more would only queue in the client.
  inFlight: [1, 1_000],
  durationSeconds: [0.1, 86_400],
  ops: [1, 1_000_000_000],
  valueSizeBytes: [0, VALUE_SIZE_BYTES_MAX],
  keys: [1, 10_000_000],
  warmupSeconds: [0, 3_600],
  processes: [1, 64],
  readRatio: [0, 1],
  watchers: [1, 100_000],
  rounds: [1, 10_000],
  znodes: [1, 10_000_000],
  pid: [1, 4_194_304],
  sessionTimeoutMs: [1_000, 600_000],
} as const satisfies Record<string, readonly [number, number]>;

export const DEFAULTS = {
  system: 'canopy',
  connect: '127.0.0.1:2181',
  sessions: 4,
  inFlight: 16,
  durationSeconds: 10,
  valueSizeBytes: 100,
  keys: 1_000,
  warmupSeconds: 0,
  processes: 1,
  readRatio: 0.8,
  watchers: 100,
  rounds: 5,
  znodes: 100_000,
  sessionTimeoutMs: 30_000,
} as const;

const SYSTEMS: readonly SystemName[] = ['canopy', 'zookeeper'];
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])$/;
const CONNECT_SERVERS_MAX = 64;

function checkRange(name: keyof typeof LIMITS, flag: string, value: number, integer: boolean): number {
  const [min, max] = LIMITS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${String(value)}`);
  }
  return value;
}

export interface ServerAddress {
  host: string;
  port: number;
}

/** Checks host:port[,host:port...] and splits it (the ports lead to the server processes). */
export function connectServers(connect: string): ServerAddress[] {
  if (typeof connect !== 'string' || connect.length === 0) throw new UsageError('--connect must be host:port[,host:port...]');
  const servers = connect.split(',');
  if (servers.length > CONNECT_SERVERS_MAX) throw new UsageError(`--connect names more than ${CONNECT_SERVERS_MAX} servers`);
  return servers.map((server) => {
    const colon = server.lastIndexOf(':');
    const host = server.slice(0, colon);
    const port = server.slice(colon + 1);
    if (colon <= 0 || !HOST.test(host) || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
      throw new UsageError(`--connect: '${server.slice(0, 80)}' is not host:port (port 1 to 65535)`);
    }
    return { host, port: Number(port) };
  });
}

function resolveStop(input: BenchOptionsInput): StopRule {
  if (input.durationSeconds !== undefined && input.ops !== undefined) throw new UsageError('give --duration or --ops, not both');
  if (input.ops !== undefined) return { kind: 'ops', ops: checkRange('ops', 'ops', input.ops, true) };
  return { kind: 'seconds', seconds: checkRange('durationSeconds', 'duration', input.durationSeconds ?? DEFAULTS.durationSeconds, false) };
}

/** The input that resolves to these options: to check a BenchOptions built in code. */
export function inputOf(options: BenchOptions): BenchOptionsInput {
  const { stop, ...rest } = options;
  if (stop?.kind === 'ops') return { ...rest, ops: stop.ops };
  if (stop?.kind === 'seconds') return { ...rest, durationSeconds: stop.seconds };
  throw new UsageError('options.stop must be { kind: \'seconds\', seconds } or { kind: \'ops\', ops }');
}

/** Fills in defaults (the workload's own first) and validates every field; throws UsageError. */
export function resolveBenchOptions(input: BenchOptionsInput): BenchOptions {
  const workload = workloadNamed(input.workload);
  if (workload === undefined) throw new UsageError(`--workload must be one of ${workloadNames().join(', ')}, not '${String(input.workload).slice(0, 40)}'`);
  const system = input.system ?? DEFAULTS.system;
  if (!SYSTEMS.includes(system)) throw new UsageError(`--system must be one of ${SYSTEMS.join(', ')}, not '${String(system).slice(0, 40)}'`);
  const protocol = resolveProtocol(system, input.protocol);
  const connect = input.connect ?? DEFAULTS.connect;
  connectServers(connect);
  const options: BenchOptions = {
    system,
    protocol,
    connect,
    workload: workload.name,
    sessions: checkRange('sessions', 'sessions', input.sessions ?? DEFAULTS.sessions, true),
    inFlight: checkRange('inFlight', 'in-flight', input.inFlight ?? DEFAULTS.inFlight, true),
    stop: resolveStop(input),
    valueSizeBytes: checkRange('valueSizeBytes', 'value-size', input.valueSizeBytes ?? workload.defaults?.valueSizeBytes ?? DEFAULTS.valueSizeBytes, true),
    keys: checkRange('keys', 'keys', input.keys ?? workload.defaults?.keys ?? DEFAULTS.keys, true),
    warmupSeconds: checkRange('warmupSeconds', 'warmup', input.warmupSeconds ?? DEFAULTS.warmupSeconds, false),
    processes: checkRange('processes', 'processes', input.processes ?? DEFAULTS.processes, true),
    readRatio: checkRange('readRatio', 'read-ratio', input.readRatio ?? DEFAULTS.readRatio, false),
    watchers: checkRange('watchers', 'watchers', input.watchers ?? DEFAULTS.watchers, true),
    rounds: checkRange('rounds', 'rounds', input.rounds ?? DEFAULTS.rounds, true),
    znodes: checkRange('znodes', 'znodes', input.znodes ?? DEFAULTS.znodes, true),
    leaderPid: input.leaderPid === undefined ? undefined : checkRange('pid', 'leader-pid', input.leaderPid, true),
    pids: input.pids === undefined ? undefined : checkPids(input.pids),
    sessionTimeoutMs: checkRange('sessionTimeoutMs', 'session-timeout', input.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs, true),
  };
  const problem = workload.check?.(options);
  if (problem !== undefined) throw new UsageError(problem);
  return options;
}

function checkPids(pids: readonly number[]): number[] {
  if (!Array.isArray(pids) || pids.length === 0 || pids.length > CONNECT_SERVERS_MAX) {
    throw new UsageError(`--pids must list 1 to ${CONNECT_SERVERS_MAX} process ids`);
  }
  return pids.map((pid) => checkRange('pid', 'pids', pid, true));
}

// ---- strings from the command line ----

/** A whole number written plainly (no sign, exponent, hex or fraction). */
export function parseIntegerFlag(flag: string, text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`--${flag} must be a whole number, not '${text.slice(0, 40)}'`);
  return Number(text);
}

/** A non-negative decimal number written plainly (10, 0.5). */
export function parseDecimalFlag(flag: string, text: string): number {
  if (!/^\d{1,15}(?:\.\d{1,9})?$/.test(text)) throw new UsageError(`--${flag} must be a number like 10 or 0.5, not '${text.slice(0, 40)}'`);
  return Number(text);
}

export function parsePidsFlag(text: string): number[] {
  return text.split(',').map((part) => parseIntegerFlag('pids', part.trim()));
}
