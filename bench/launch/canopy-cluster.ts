// Launches canopy-server processes (the built src/server/main.js next to this bench, run with this Node) as
// a standalone server or an ensemble. Readiness and roles come from the servers' own logs: a server logs
// "serving clients" each time it starts (or resumes) serving, and one `role changed {...}` line per role
// change, from which the leader is known without asking the servers anything.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientProtocol } from '../types.js';
import { writeServerConfig, type PeerLine } from './canopy-config.js';
import { leaderAmong, parseRoleLine, type RoleReport } from './canopy-roles.js';
import { DEFAULT_START_TIMEOUT_MS, POLL_INTERVAL_MS } from './cluster.js';
import type { ClusterOptions } from './cluster.js';
import { freePorts } from './free-ports.js';
import { canopyMemberPorts, canopyPortCount, sessionPort, type CanopyMemberPorts } from './canopy-ports.js';
import { CONNECTIONS_UNLIMITED, type ServerSettings } from './server-settings.js';
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

/** The zoo.cfg lines besides the ports and ticks: the shared settings, no connection limits, the ZooKeeper door if asked for. */
export function memberConfigExtra(s: ServerSettings, ports: CanopyMemberPorts): Record<string, string> {
  return {
    minSessionTimeout: String(s.minSessionTimeoutMs), maxSessionTimeout: String(s.maxSessionTimeoutMs),
    snapCount: String(s.snapCount), maxClientCnxns: String(CONNECTIONS_UNLIMITED), maxCnxns: String(CONNECTIONS_UNLIMITED),
    ...(ports.zkClientPort === undefined ? {} : { zkClientPort: String(ports.zkClientPort) }),
  };
}

export class CanopyCluster extends ProcessCluster<Member> {
  readonly system = 'canopy' as const;
  protected readonly label = 'Canopy';

  static async launch(opts: ClusterOptions): Promise<CanopyCluster> {
    const protocol = opts.protocol ?? 'canopy';
    const layout = canopyMemberPorts(opts.size, protocol, await freePorts(canopyPortCount(opts.size, protocol)));
    const baseDir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'canopy-bench-canopy-'));
    const peers: PeerLine[] = layout.flatMap((p) => (p.peerPort === undefined ? [] : [{ id: p.id, host: '127.0.0.1', peerPort: p.peerPort }]));
    const members: Member[] = layout.map((ports) => {
      const { configFile } = writeServerConfig({
        id: ports.id, dataDir: join(baseDir, `server${ports.id}`), clientPort: ports.clientPort, peers, tickTime: opts.settings.tickTimeMs,
        initLimit: opts.settings.initLimitTicks, syncLimit: opts.settings.syncLimitTicks, extra: memberConfigExtra(opts.settings, ports),
      });
      return { id: ports.id, clientPort: sessionPort(ports, protocol), configFile, child: undefined, role: undefined, serving: false, generation: 0 };
    });
    const cluster = new CanopyCluster(members, baseDir, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, protocol);
    opts.onLaunching?.(cluster);
    await cluster.boot();
    return cluster;
  }

  private constructor(members: readonly Member[], directory: string, startTimeoutMs: number, readonly protocol: ClientProtocol) {
    super(members, directory, startTimeoutMs);
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
