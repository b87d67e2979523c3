// What an operator can see of a running server, read on demand by the four-letter words and the admin
// endpoint. The server gathers it (src/server/canopy-server-view.ts); formatting it is admin/'s business.
import type { ReplicaFacts } from '../replica/replica.js';
import type { WatchDump, WatchSummary } from '../tree/watch-manager.js';

/** ZooKeeper's Mode: line; 'looking' while electing (ZooKeeper then says it is not serving). */
export type ServerMode = 'standalone' | 'leader' | 'follower' | 'looking';

export interface LatencyFacts {
  minMs: number;
  avgMs: number;
  maxMs: number;
}

export interface ConnectionFacts {
  remoteAddress: string;
  /** Came in on the secure (wss) client port. */
  secure: boolean;
  /** 0 before the connection's handshake bound a session. */
  sessionId: number;
  sessionTimeoutMs: number;
  queued: number;
  received: number;
  sent: number;
  established: number;
  lastOp: string;
  lastCxid: number;
  lastZxid: number;
  lastResponseAt: number;
  lastLatencyMs: number;
  latency: LatencyFacts;
}

/** The replica's facts (role, tree and session counts, learners) and the server's own around them. */
export interface ServerFacts extends Omit<ReplicaFacts, 'status'> {
  version: string;
  serverId: number;
  mode: ServerMode;
  /** The leader's id (0 while looking). */
  leaderId: number;
  epoch: number;
  received: number;
  sent: number;
  latency: LatencyFacts;
  connections: ConnectionFacts[];
  openFileDescriptors: number | undefined;
  maxFileDescriptors: number | undefined;
  uptimeMs: number;
  dataDir: string;
  dataLogDir: string;
}

/** One voting member as voting_view shows it. */
export interface VoterFacts {
  id: number;
  host: string;
  peerPort: number;
  /** Accepted from zoo.cfg for compatibility; Canopy carries election on the peer port. */
  electionPort: number | undefined;
}

/** The newest snapshot this server has on disk (written, or recovered at start). */
export interface SnapshotFacts {
  zxid: number;
  /** Wall-clock ms when it was written (or when the server recovered it). */
  writtenAtMs: number;
}

export interface ServerView {
  facts(): ServerFacts;
  watchSummary(): WatchSummary;
  watchDump(by: 'session' | 'path', entriesMax: number): WatchDump;
  /** The effective configuration as key=value pairs, ZooKeeper's names where it has them; no secrets. */
  configEntries(): Array<[string, string]>;
  /** The process's environment as envi shows it. */
  environment(): Array<[string, string]>;
  /** Bytes under dataDir and under the txn log's directory. */
  dirSizes(): Promise<{ dataDirBytes: number; logDirBytes: number }>;
  /** The voting members from the server.N lines (empty for a standalone server). */
  voters(): VoterFacts[];
  /** undefined before the first snapshot exists. */
  lastSnapshot(): SnapshotFacts | undefined;
  resetServerStats(): void;
  resetConnectionStats(): void;
}
