// Launches Debian's Apache ZooKeeper (QuorumPeerMain with java from PATH, which runs a standalone server
// itself when zoo.cfg lists no server.N lines) as a standalone server or an ensemble. A server serves once
// `srvr` answers with a Mode, and the leader is the one whose Mode is leader (standalone leads itself).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_START_TIMEOUT_MS, POLL_INTERVAL_MS } from './cluster.js';
import type { ClusterOptions } from './cluster.js';
import { zookeeperMode } from './four-letter-word.js';
import { freePorts } from './free-ports.js';
import { ZOOKEEPER_HEAP_MAX } from './server-settings.js';
import { ProcessCluster, type ProcessMember } from './process-cluster.js';
import { ServerChild } from './server-child.js';
import { until } from './until.js';
import { renderZooKeeperConfig, type ZooKeeperPeerLine } from './zookeeper-config.js';
import { zookeeperClasspath } from './zookeeper-install.js';

const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

interface Member extends ProcessMember {
  readonly dir: string;
  readonly configFile: string;
}

export class ZooKeeperCluster extends ProcessCluster<Member> {
  readonly system = 'zookeeper' as const;
  readonly protocol = 'zookeeper' as const;
  protected readonly label = 'ZooKeeper';

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
    await cluster.boot();
    return cluster;
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

  protected spawnChild(m: Member): Promise<ServerChild> {
    return ServerChild.spawn({
      command: 'java',
      args: [ZOOKEEPER_HEAP_MAX, '-cp', zookeeperClasspath(), MAIN_CLASS, m.configFile],
      cwd: m.dir,
    });
  }

  protected async isServing(m: Member): Promise<boolean> {
    return (await zookeeperMode(m.clientPort)) !== undefined;
  }
}
