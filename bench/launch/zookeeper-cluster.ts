// Launches Debian's Apache ZooKeeper (QuorumPeerMain with java from PATH, which runs a standalone server
// itself when zoo.cfg lists no server.N lines) as a standalone server or an ensemble. A server serves once
// `srvr` answers with a Mode, and the leader is the one whose Mode is leader (standalone leads itself).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError, DEFAULT_START_TIMEOUT_MS, ENDING_SIGNALS, POLL_INTERVAL_MS } from './cluster.js';
import type { Cluster, ClusterOptions, ClusterServer } from './cluster.js';
import { zookeeperMode } from './four-letter-word.js';
import { freePorts } from './free-ports.js';
import { ZOOKEEPER_HEAP_MAX } from './server-settings.js';
import { ServerChild } from './server-child.js';
import { until } from './until.js';
import { renderZooKeeperConfig, type ZooKeeperPeerLine } from './zookeeper-config.js';
import { zookeeperClasspath } from './zookeeper-install.js';

const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

interface Member {
  readonly id: number;
  readonly clientPort: number;
  readonly dir: string;
  readonly configFile: string;
  child: ServerChild | undefined;
}

export class ZooKeeperCluster implements Cluster {
  /** Set by remove(): a spawn still under way then kills what it started instead of leaving it running. */
  private removed = false;
  readonly system = 'zookeeper' as const;

  private constructor(
    private readonly members: readonly Member[],
    readonly directory: string,
    private readonly startTimeoutMs: number,
  ) {}

  static async launch(opts: ClusterOptions): Promise<ZooKeeperCluster> {
    const n = opts.size;
    const ports = await freePorts(n === 1 ? 1 : 3 * n);
    const baseDir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'canopy-bench-zookeeper-'));
    const peers: ZooKeeperPeerLine[] = n === 1 ? []
      : Array.from({ length: n }, (_, i) => ({ id: i + 1, peerPort: ports[n + i]!, electionPort: ports[2 * n + i]! }));
    const members: Member[] = Array.from({ length: n }, (_, i) => {
      const id = i + 1;
      const dir = join(baseDir, `server${id}`);
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'myid'), `${id}\n`);
      const configFile = join(dir, 'zoo.cfg');
      writeFileSync(configFile, renderZooKeeperConfig({ dataDir, clientPort: ports[i]!, peers, settings: opts.settings }));
      return { id, clientPort: ports[i]!, dir, configFile, child: undefined };
    });
    const cluster = new ZooKeeperCluster(members, baseDir, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    opts.onLaunching?.(cluster);
    try {
      await Promise.all(members.map((m) => cluster.spawn(m)));
      await Promise.all(members.map((m) => cluster.waitServing(m)));
    } catch (e) {
      await cluster.remove();
      throw e;
    }
    return cluster;
  }

  get connectString(): string {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  }

  get servers(): readonly ClusterServer[] {
    return this.members.map((m) => {
      const running = m.child?.alive ?? false;
      return { id: m.id, pid: running ? m.child!.pid : 0, clientPort: m.clientPort, running };
    });
  }

  leaderId(): Promise<number> {
    return until(async () => {
      for (const m of this.members) {
        if (m.child?.alive !== true) continue;
        const mode = await zookeeperMode(m.clientPort);
        if (mode === 'leader' || mode === 'standalone') return m.id;
      }
      return undefined;
    }, { timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: 'a ZooKeeper leader' });
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!ENDING_SIGNALS.has(signal)) throw new ClusterError(`kill takes a signal that ends a server, not ${signal}`);
    await this.member(id).child?.kill(signal);
  }

  async start(id: number): Promise<void> {
    const m = this.member(id);
    if (m.child?.alive === true) throw new ClusterError(`ZooKeeper server ${id} is already running`);
    await this.spawn(m);
    await this.waitServing(m);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.child?.stop()));
  }

  async remove(): Promise<void> {
    this.removed = true;
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new ClusterError(`no server ${id} in a ZooKeeper cluster of ${this.members.length}`);
    return m;
  }

  private async spawn(m: Member): Promise<void> {
    if (this.removed) throw new ClusterError(`the cluster was removed; server ${m.id} not started`);
    m.child = await ServerChild.spawn({
      command: 'java',
      args: [ZOOKEEPER_HEAP_MAX, '-cp', zookeeperClasspath(), MAIN_CLASS, m.configFile],
      cwd: m.dir,
    });
    if (this.removed) {
      await m.child.kill('SIGKILL');
      throw new ClusterError(`the cluster was removed while server ${m.id} started`);
    }
  }

  private async waitServing(m: Member): Promise<void> {
    const child = m.child!;
    const state = await until(async () => {
      if (!child.alive) return 'exited' as const;
      return (await zookeeperMode(m.clientPort)) !== undefined ? 'serving' as const : false;
    }, { timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: `ZooKeeper server ${m.id} to serve` }).catch((e: Error) => {
      throw new ClusterError(`${e.message}; its last output:\n${child.logTail}`);
    });
    if (state === 'exited') throw new ClusterError(`ZooKeeper server ${m.id} ended (${child.exitDescription}) before serving:\n${child.logTail}`);
  }
}
