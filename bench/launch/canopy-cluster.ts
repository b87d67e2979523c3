// Launches canopy-server processes (the built src/server/main.js next to this bench, run with this Node) as
// a standalone server or an ensemble. Readiness and roles come from the servers' own logs: a server logs
// "serving clients" each time it starts (or resumes) serving, and one `role changed {...}` line per role
// change, from which the leader is known without asking the servers anything.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeServerConfig, type PeerLine } from './canopy-config.js';
import { leaderAmong, parseRoleLine, type RoleReport } from './canopy-roles.js';
import { DEFAULT_START_TIMEOUT_MS, POLL_INTERVAL_MS } from './cluster.js';
import type { ClusterOptions } from './cluster.js';
import { freePorts } from './free-ports.js';
import { CONNECTIONS_UNLIMITED } from './server-settings.js';
import { ProcessCluster, type ProcessMember } from './process-cluster.js';
import { ServerChild } from './server-child.js';
import { until } from './until.js';

/** <build root>/src/server/main.js, from <build root>/bench/launch. */
export const CANOPY_SERVER_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'server', 'main.js');
const SERVING_LINE = /\bserving clients\b/;

interface Member extends ProcessMember {
  readonly configFile: string;
  role: RoleReport | undefined;
  /** Logged "serving clients" since its current process started. */
  serving: boolean;
  /** Counts spawns, so that a line still draining from a replaced process cannot touch the new one's state. */
  generation: number;
}

export class CanopyCluster extends ProcessCluster<Member> {
  readonly system = 'canopy' as const;
  protected readonly label = 'Canopy';

  static async launch(opts: ClusterOptions): Promise<CanopyCluster> {
    const ports = await freePorts(opts.size === 1 ? 1 : 2 * opts.size);
    const baseDir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'canopy-bench-canopy-'));
    const peers: PeerLine[] = opts.size === 1 ? []
      : Array.from({ length: opts.size }, (_, i) => ({ id: i + 1, host: '127.0.0.1', peerPort: ports[opts.size + i]! }));
    const s = opts.settings;
    const members: Member[] = Array.from({ length: opts.size }, (_, i) => {
      const id = i + 1;
      const { configFile } = writeServerConfig({
        id, dataDir: join(baseDir, `server${id}`), clientPort: ports[i]!, peers, tickTime: s.tickTimeMs,
        initLimit: s.initLimitTicks, syncLimit: s.syncLimitTicks,
        extra: {
          minSessionTimeout: String(s.minSessionTimeoutMs), maxSessionTimeout: String(s.maxSessionTimeoutMs),
          snapCount: String(s.snapCount), maxClientCnxns: String(CONNECTIONS_UNLIMITED), maxCnxns: String(CONNECTIONS_UNLIMITED),
        },
      });
      return { id, clientPort: ports[i]!, configFile, child: undefined, role: undefined, serving: false, generation: 0 };
    });
    const cluster = new CanopyCluster(members, baseDir, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    opts.onLaunching?.(cluster);
    await cluster.boot();
    return cluster;
  }

  leaderId(): Promise<number> {
    const live = (): Member[] => this.members.filter((m) => m.child?.alive === true);
    return until(() => leaderAmong(live()), { timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: 'a Canopy leader' });
  }

  protected spawnChild(m: Member): Promise<ServerChild> {
    const generation = ++m.generation;
    m.role = undefined;
    m.serving = false;
    return ServerChild.spawn({
      command: process.execPath,
      args: [CANOPY_SERVER_MAIN, m.configFile],
      onLine: (line) => {
        if (m.generation !== generation) return;
        m.role = parseRoleLine(line) ?? m.role;
        if (SERVING_LINE.test(line)) m.serving = true;
      },
    });
  }

  protected isServing(m: Member): boolean {
    return m.serving;
  }
}
