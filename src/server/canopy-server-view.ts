// The ServerView of a running Canopy server: its replica's state, its connections' counts, its
// configuration and its process, gathered on demand for the four-letter words and the admin endpoint.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { arch, homedir, hostname, release, type, userInfo } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import { versionText } from '../admin/four-letter-answers.js';
import type { ConnectionFacts, ServerFacts, ServerMode, ServerView, SnapshotFacts, VoterFacts } from '../admin/server-view.js';
import type { Replica } from '../replica/replica.js';
import type { WatchDump, WatchSummary } from '../tree/watch-manager.js';
import { CANOPY_VERSION } from '../version.js';
import type { Config, TxnLogEngine } from './config.js';
import { openFilesLimit, openFilesNow } from './fd-budget.js';
import type { ServerStats } from './server-stats.js';
import { txnLogDir } from './txn-store-open.js';
import type { ClientConnection } from './client-connection.js';

/** Files counted by dirs before it gives up on a huge directory tree. */
const DIR_ENTRIES_MAX = 100_000;
const MIB = 1024 * 1024;

export interface CanopyServerViewParts {
  config: Readonly<Config>;
  replica: Replica;
  stats: ServerStats;
  connections: ReadonlySet<ClientConnection>;
  engine: TxnLogEngine;
  startedAt: number;
  lastSnapshot(): SnapshotFacts | undefined;
  /** The ports listened on (a configured 0 is the port the OS picked); 0 for a door not open. */
  listeningPorts(): { plain: number; secure: number };
}

export class CanopyServerView implements ServerView {
  constructor(private readonly parts: CanopyServerViewParts) {}

  facts(): ServerFacts {
    const { config, replica, stats, connections, startedAt } = this.parts;
    const r = replica.operatorFacts();
    const { status, ...replicaFacts } = r;
    return {
      ...replicaFacts, version: CANOPY_VERSION, serverId: config.serverId, mode: modeOf(status.state, r.voters), leaderId: status.leader, epoch: status.epoch,
      received: stats.received, sent: stats.sent, latency: { minMs: stats.latency.minMs, avgMs: stats.latency.avgMs, maxMs: stats.latency.maxMs },
      connections: [...connections].map(connectionFacts),
      openFileDescriptors: openFilesNow(), maxFileDescriptors: openFilesLimit(), uptimeMs: Date.now() - startedAt,
      dataDir: config.dataDir, dataLogDir: this.logDir(),
    };
  }

  watchSummary(): WatchSummary {
    return this.parts.replica.watchSummary();
  }

  watchDump(by: 'session' | 'path', entriesMax: number): WatchDump {
    return this.parts.replica.watchDump(by, entriesMax);
  }

  configEntries(): Array<[string, string]> {
    const c = this.parts.config;
    const ports = this.parts.listeningPorts();
    const entries: Array<[string, string | number | boolean | undefined]> = [
      ['clientPort', c.clientPort !== undefined ? ports.plain : undefined],
      ['secureClientPort', c.clientTls !== undefined ? ports.secure : undefined],
      ['clientPortAddress', c.clientPortAddress],
      ['dataDir', c.dataDir],
      ['dataLogDir', this.logDir()],
      ['txnLogEngine', this.parts.engine],
      ['tickTime', c.tickTime],
      ['maxClientCnxns', c.maxClientCnxns],
      ['maxCnxns', c.maxCnxns],
      ['minSessionTimeout', c.minSessionTimeout],
      ['maxSessionTimeout', c.maxSessionTimeout],
      ['serverId', c.serverId],
      ['initLimit', c.initLimit],
      ['syncLimit', c.syncLimit],
      ['snapCount', c.snapCount],
      ['jute.maxbuffer', c.maxDataBytes],
      ['maxFrameBytes', c.maxFrameBytes],
      ['globalOutstandingLimit', c.globalOutstandingLimit],
      ['maxOutstandingPerSession', c.maxOutstandingPerSession],
      ['maxWatchesPerSession', c.maxWatchesPerSession],
      ['enforceQuota', c.enforceQuota],
      ['enforce.auth.enabled', c.enforceAuthEnabled],
      ['sslQuorum', c.peerAuth.tls !== undefined],
      ['4lw.commands.whitelist', [...c.fourLetterWords].sort().join(',')],
    ];
    for (const s of c.servers) entries.push([`server.${s.id}`, `${s.host}:${s.peerPort}`]);
    const out: Array<[string, string]> = [];
    for (const [k, v] of entries) if (v !== undefined) out.push([k, String(v)]);
    return out;
  }

  environment(): Array<[string, string]> {
    let user = '';
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry for this uid (a container): leave it empty.
    }
    // As ZooKeeper's os.memory.* are the JVM's heap figures, these are V8's.
    const heap = process.memoryUsage();
    return [
      ['zookeeper.version', versionText(CANOPY_VERSION)],
      ['host.name', hostname()],
      ['node.version', process.version],
      ['os.name', type()],
      ['os.arch', arch()],
      ['os.version', release()],
      ['user.name', user],
      ['user.home', homedir()],
      ['user.dir', process.cwd()],
      ['os.memory.free', `${Math.round((heap.heapTotal - heap.heapUsed) / MIB)}MB`],
      ['os.memory.max', `${Math.round(getHeapStatistics().heap_size_limit / MIB)}MB`],
      ['os.memory.total', `${Math.round(heap.heapTotal / MIB)}MB`],
    ];
  }

  async dirSizes(): Promise<{ dataDirBytes: number; logDirBytes: number }> {
    return { dataDirBytes: await bytesUnder(this.parts.config.dataDir), logDirBytes: await bytesUnder(this.logDir()) };
  }

  voters(): VoterFacts[] {
    return this.parts.config.servers.map((s) => ({ id: s.id, host: s.host, peerPort: s.peerPort, electionPort: s.electionPort }));
  }

  lastSnapshot(): SnapshotFacts | undefined {
    return this.parts.lastSnapshot();
  }

  resetServerStats(): void {
    this.parts.stats.reset();
  }

  resetConnectionStats(): void {
    for (const c of this.parts.connections) c.stats.reset();
  }

  /** Where the txn log is kept: the engine's directory inside dataDir (or dataLogDir, for segments). */
  private logDir(): string {
    return txnLogDir(this.parts.config.dataDir, this.parts.config.storage.dataLogDir, this.parts.engine);
  }
}

function modeOf(state: 'looking' | 'following' | 'leading', voters: number): ServerMode {
  if (state === 'looking') return 'looking';
  if (voters === 1) return 'standalone';
  return state === 'leading' ? 'leader' : 'follower';
}

function connectionFacts(c: ClientConnection): ConnectionFacts {
  const s = c.stats;
  return {
    remoteAddress: c.remoteAddress, secure: c.secure, sessionId: c.sessionId, sessionTimeoutMs: c.sessionTimeoutMs, queued: s.queued, received: s.received,
    sent: s.sent, established: s.established, lastOp: s.lastOp, lastCxid: s.lastCxid, lastZxid: s.lastZxid, lastResponseAt: s.lastResponseAt,
    lastLatencyMs: s.lastLatencyMs, latency: { minMs: s.latency.minMs, avgMs: s.latency.avgMs, maxMs: s.latency.maxMs },
  };
}

/** Bytes of the regular files under dir (symlinks not followed), counting at most DIR_ENTRIES_MAX entries. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0 && seen < DIR_ENTRIES_MAX) {
    const at = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > DIR_ENTRIES_MAX) break;
      const path = join(at, e.name);
      if (e.isDirectory()) pending.push(path);
      else if (e.isFile()) total += await stat(path).then((st) => st.size, () => 0);
    }
  }
  return total;
}
