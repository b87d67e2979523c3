// The shapes every part of canopy-bench agrees on: a driver speaks to one system through its client
// library, a workload drives sessions through a driver, and a result is what the report prints.

/** Which coordination service runs the servers. */
export type SystemName = 'canopy' | 'zookeeper';

/**
 * Which protocol the sessions speak, and so which client library drives them: Canopy's own (msgpack over
 * WebSocket, through our SDK) or ZooKeeper's (jute over TCP, through node-zookeeper-client). Canopy speaks
 * both, ZooKeeper's through its ZooKeeper door (zkClientPort); ZooKeeper speaks only its own.
 */
export type ClientProtocol = 'canopy' | 'zookeeper';

export type BenchCreateMode = 'persistent' | 'persistent_sequential' | 'ephemeral' | 'ephemeral_sequential';

/** One client session of either system; every call resolves when the server has answered. */
export interface BenchSession {
  create(path: string, data: Uint8Array, mode: BenchCreateMode): Promise<string>;
  setData(path: string, data: Uint8Array): Promise<void>;
  getData(path: string): Promise<Uint8Array>;
  /** Leaves a one-shot data watch; `onChange` runs once when the node changes or is deleted. */
  getDataWatched(path: string, onChange: () => void): Promise<Uint8Array>;
  delete(path: string): Promise<void>;
  /** Tolerates NODEEXISTS: for setting up a workload's parents. */
  ensurePath(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface BenchDriver {
  readonly protocol: ClientProtocol;
  /** Opens a session; resolves once it is connected. */
  connect(connectString: string, sessionTimeoutMs: number): Promise<BenchSession>;
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** What /proc says of one server process over the measured interval. */
export interface ServerUsage {
  pid: number;
  /** user + system CPU seconds spent during the measured interval. */
  cpuSeconds: number;
  /** VmHWM (peak resident set) at the end, MiB. */
  peakRssMiB: number;
}

export interface WorkloadResult {
  workload: string;
  system: SystemName;
  /** What the sessions spoke: the system's own protocol, or ZooKeeper's when Canopy was driven through its ZooKeeper door. */
  protocol: ClientProtocol;
  /** Operations completed in the measured interval (warm-up excluded). */
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  latencyMs: LatencySummary;
  servers: ServerUsage[];
  /** Sum of the servers' CPU over ops, µs; undefined when no server pid is known. */
  serverCpuMicrosPerOp?: number;
  /** Workload-specific figures, e.g. { fanoutMs } or { failoverMs } or { restartSeconds }. */
  extra: Record<string, number>;
  /** The text of one failed operation, when there were errors: what went wrong, for the reader. */
  errorSample?: string;
}
