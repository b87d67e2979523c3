// A cluster canopy-bench launched for a run: a standalone server or an ensemble of 3 or 5, of one system,
// on free loopback ports with its data in a temporary directory. Workloads that break servers (failover,
// restart) do it through this interface, so that the same workload code runs against both systems.
import type { ClientProtocol, SystemName } from '../types.js';
import type { ServerSettings } from './server-settings.js';

export type ClusterSize = 1 | 3 | 5;

export const CLUSTER_SIZES: readonly ClusterSize[] = [1, 3, 5];

export interface ClusterServer {
  readonly id: number;
  /** The current process; 0 while the server is not running. */
  readonly pid: number;
  /** The port the run's sessions connect to: the one serving the cluster's protocol. */
  readonly clientPort: number;
  readonly running: boolean;
}

export interface ClusterOptions {
  size: ClusterSize;
  settings: ServerSettings;
  /**
   * What the run's sessions speak (default the system's own): connectString names the ports serving it.
   * Canopy opens its ZooKeeper door (zkClientPort) only when asked for zookeeper, so that a run of its own
   * protocol meets the servers exactly as configured before.
   */
  protocol?: ClientProtocol;
  /** Where the temporary directory goes (default the OS's). On tmpfs an fsync costs nothing. */
  parentDir?: string;
  /** For every server to serve, at launch and at each start (default 120 s: a 1M-znode recovery is slow). */
  startTimeoutMs?: number;
  /** Called once the cluster exists, before its servers serve: so that Ctrl-C during a launch can remove it. */
  onLaunching?: (cluster: Cluster) => void;
}

/** A launcher could not do what it was asked: a server did not start or serve, or an id is unknown. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}

export interface Cluster {
  readonly system: SystemName;
  readonly protocol: ClientProtocol;
  /** Every server's client endpoint for the cluster's protocol, comma-separated. */
  readonly connectString: string;
  /** The temporary directory holding every server's config and data. */
  readonly directory: string;
  /** By id; pids change when a server is started again. */
  readonly servers: readonly ClusterServer[];
  /** Waits until one running server leads and serves (a standalone server leads itself); its id. */
  leaderId(): Promise<number>;
  /** Sends a signal that ends the process (SIGKILL for a crash, SIGTERM for a graceful stop) and waits for its exit. */
  kill(id: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped server on its data and config; resolves when it serves clients again. */
  start(id: number): Promise<void>;
  /** Stops every server gracefully (SIGKILL if one hangs). */
  stop(): Promise<void>;
  /** Stops every server and deletes the cluster's directory. */
  remove(): Promise<void>;
}

export const DEFAULT_START_TIMEOUT_MS = 120_000;
/** How often a launcher looks again for readiness or a leader: small against any figure we report. */
export const POLL_INTERVAL_MS = 20;

/** Signals that end a server; kill refuses others (SIGSTOP would leave it waiting for an exit forever). */
export const ENDING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT']);
