// Launches canopy-server processes (the built src/server/main.js next to this bench, run with this Node) as
// a standalone server or an ensemble. Readiness and roles come from the servers' own logs: a server logs
// "serving clients" each time it starts (or resumes) serving, and one `role changed {...}` line per role
// change, from which the leader is known without asking the servers anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeServerConfig, type PeerLine } from './canopy-config.js';
import { leaderAmong, parseRoleLine, type RoleReport } from './canopy-roles.js';
import { ClusterError, DEFAULT_START_TIMEOUT_MS, ENDING_SIGNALS, POLL_INTERVAL_MS } from './cluster.js';
import type { Cluster, ClusterOptions, ClusterServer } from './cluster.js';
import { freePorts } from './free-ports.js';
import { CONNECTIONS_UNLIMITED } from './server-settings.js';
import { ServerChild } from './server-child.js';
import { until } from './until.js';

/** <build root>/src/server/main.js, from <build root>/bench/launch. */
export const CANOPY_SERVER_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'server', 'main.js');
const SERVING_LINE = /\bserving clients\b/;

interface Member {
  readonly id: number;
  readonly clientPort: number;
  readonly configFile: string;
  child: ServerChild | undefined;
  role: RoleReport | undefined;
  /** Logged "serving clients" since its current process started. */
  serving: boolean;
  /** Counts spawns, so that a line still draining from a replaced process cannot touch the new one's state. */
  generation: number;
}

export class CanopyCluster implements Cluster {
  /** Set by remove(): a spawn still under way then kills what it started instead of leaving it running. */
  private removed = false;
  readonly system = 'canopy' as const;

  private constructor(
    private readonly members: readonly Member[],
    readonly directory: string,
    private readonly startTimeoutMs: number,
  ) {}

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
    try {
      // Together: an ensemble member alone never serves, it needs a quorum to elect a leader.
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
    const live = (): Member[] => this.members.filter((m) => m.child?.alive === true);
    return until(() => leaderAmong(live()), { timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: 'a Canopy leader' });
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!ENDING_SIGNALS.has(signal)) throw new ClusterError(`kill takes a signal that ends a server, not ${signal}`);
    await this.member(id).child?.kill(signal);
  }

  async start(id: number): Promise<void> {
    const m = this.member(id);
    if (m.child?.alive === true) throw new ClusterError(`Canopy server ${id} is already running`);
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
    if (m === undefined) throw new ClusterError(`no server ${id} in a Canopy cluster of ${this.members.length}`);
    return m;
  }

  private async spawn(m: Member): Promise<void> {
    if (this.removed) throw new ClusterError(`the cluster was removed; server ${m.id} not started`);
    const generation = ++m.generation;
    m.role = undefined;
    m.serving = false;
    m.child = await ServerChild.spawn({
      command: process.execPath,
      args: [CANOPY_SERVER_MAIN, m.configFile],
      onLine: (line) => {
        if (m.generation !== generation) return;
        m.role = parseRoleLine(line) ?? m.role;
        if (SERVING_LINE.test(line)) m.serving = true;
      },
    });
    if (this.removed) {
      await m.child.kill('SIGKILL');
      throw new ClusterError(`the cluster was removed while server ${m.id} started`);
    }
  }

  private async waitServing(m: Member): Promise<void> {
    const child = m.child!;
    const state = await until(() => (!child.alive ? 'exited' : m.serving ? 'serving' : false), {
      timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: `Canopy server ${m.id} to serve`,
    }).catch((e: Error) => {
      throw new ClusterError(`${e.message}; its last output:\n${child.logTail}`);
    });
    if (state === 'exited') throw new ClusterError(`Canopy server ${m.id} ended (${child.exitDescription}) before serving:\n${child.logTail}`);
  }
}
