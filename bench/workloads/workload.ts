// What a workload is: a coordinator part (`run`: setup, then the measured run, then the result) and
// usually a client part (`client`) that every client process runs on its share of the sessions. The two
// meet at named barriers: a client arrives (with a few numbers), the coordinator waits until every client
// has arrived, does its part (samples the servers, sends a setData) and releases them (with numbers).
import type { Cluster } from '../launch/cluster.js';
import type { BenchOptions } from '../options.js';
import type { UsageMeter } from '../proc-usage.js';
import type { BenchDriver, BenchSession, WorkloadResult } from '../types.js';
import type { ClientGroup } from '../clients/client-group.js';
import type { ProgressDisplay } from '../progress.js';

/** What the coordinator hands every client process after setup: paths and counts, JSON-safe. */
export type Plan = Readonly<Record<string, string | number>>;

/** The numbers a client sends when it arrives at a barrier, or the coordinator sends when it releases. */
export type Payload = Readonly<Record<string, number>>;

/** What one client process measured. */
export interface ClientReport {
  /** Operations that succeeded in the measured interval; each has its latency in `histogram`. */
  ops: number;
  errors: number;
  /** LatencyHistogram.encode() of the measured operations. */
  histogram: string;
  /** The first error's text, to tell the user what failed. */
  errorSample?: string;
  extra: Record<string, number>;
}

export interface WorkloadContext {
  readonly options: BenchOptions;
  readonly driver: BenchDriver;
  /** A path unique to this run, already created; the workload's nodes go below it. */
  readonly root: string;
  /** The servers' CPU and memory over the measured interval (start() and stop() around it). */
  readonly usage: UsageMeter;
  /** The cluster canopy-bench launched for the run (--launch); undefined for servers it was pointed at. */
  readonly cluster: Cluster | undefined;
  /** A new session with the options' connect string and timeout; the caller closes it. */
  connect(): Promise<BenchSession>;
  /** Starts options.processes client processes on this workload's `client` part. */
  startClients(plan: Plan): Promise<ClientGroup>;
  /** A progress bar on stderr when it is a terminal; otherwise a display that shows nothing. */
  progress(label: string, total: number, unit: string, read?: () => number): ProgressDisplay;
}

export interface ClientContext {
  readonly options: BenchOptions;
  readonly plan: Plan;
  /** 0 .. options.processes-1: which share of the sessions this process runs. */
  readonly processIndex: number;
  readonly driver: BenchDriver;
  connect(): Promise<BenchSession>;
  /** Tells the coordinator this process got to `name`, without waiting. */
  arrive(name: string, payload?: Payload): void;
  /** Arrives at `name` and waits until the coordinator releases it; resolves with the release's payload. */
  barrier(name: string, payload?: Payload): Promise<Payload>;
  /** How much of the measured work this process has done so far (ops, events or rounds), for the progress bar. */
  progress(done: number): void;
}

export interface Workload {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  /** Defaults that differ from the general ones (large values want fewer keys). */
  readonly defaults?: { readonly valueSizeBytes?: number; readonly keys?: number };
  /** Sessions the client processes hold open at once, all together (default: --sessions). */
  sessionsHeld?(options: BenchOptions): number;
  /** Checks that need the workload's view of the options; returns the problem, for a UsageError. */
  check?(options: BenchOptions): string | undefined;
  /** Runs in the coordinating process: setup (not measured), the measured run, the result. */
  run(ctx: WorkloadContext): Promise<WorkloadResult>;
  /** Runs in each client process; absent when `run` drives everything itself. */
  client?(ctx: ClientContext): Promise<ClientReport>;
}

/** A plan field that must be a string (the client trusts its coordinator, but not blindly). */
export function planString(plan: Plan, key: string): string {
  const value = plan[key];
  if (typeof value !== 'string') throw new Error(`plan has no string '${key}'`);
  return value;
}

export function planNumber(plan: Plan, key: string): number {
  const value = plan[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`plan has no number '${key}'`);
  return value;
}
