// What both launchers share: servers as child processes on loopback, each with a client port, started
// together, killed and restarted one at a time, removed with their directory. A launcher says how to spawn
// one server, how to tell that it serves, and which one leads.
import { rmSync } from 'node:fs';
import type { ClientProtocol, SystemName } from '../types.js';
import { ClusterError, ENDING_SIGNALS, POLL_INTERVAL_MS } from './cluster.js';
import type { Cluster, ClusterServer } from './cluster.js';
import type { ServerChild } from './server-child.js';
import { until } from './until.js';

export interface ProcessMember {
  readonly id: number;
  /** The port the run's sessions connect to (the one serving the cluster's protocol). */
  readonly clientPort: number;
  child: ServerChild | undefined;
}

export abstract class ProcessCluster<M extends ProcessMember> implements Cluster {
  /** Set by remove(): a spawn still under way then kills what it started instead of leaving it running. */
  private removed = false;
  abstract readonly system: SystemName;
  abstract readonly protocol: ClientProtocol;
  /** The system's name in messages. */
  protected abstract readonly label: string;

  protected constructor(
    protected readonly members: readonly M[],
    readonly directory: string,
    protected readonly startTimeoutMs: number,
  ) {}

  abstract leaderId(): Promise<number>;
  /** Starts m's process (nothing else: spawn() checks for a removal under way). */
  protected abstract spawnChild(m: M): Promise<ServerChild>;
  /** Whether m, whose process runs, serves clients yet. */
  protected abstract isServing(m: M): boolean | Promise<boolean>;

  /** Starts every server together (an ensemble member alone never serves) and waits until all serve; removes the cluster on failure. */
  protected async boot(): Promise<void> {
    try {
      await Promise.all(this.members.map((m) => this.spawn(m)));
      await Promise.all(this.members.map((m) => this.waitServing(m)));
    } catch (e) {
      await this.remove();
      throw e;
    }
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

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!ENDING_SIGNALS.has(signal)) throw new ClusterError(`kill takes a signal that ends a server, not ${signal}`);
    await this.member(id).child?.kill(signal);
  }

  async start(id: number): Promise<void> {
    const m = this.member(id);
    if (m.child?.alive === true) throw new ClusterError(`${this.label} server ${id} is already running`);
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

  private member(id: number): M {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new ClusterError(`no server ${id} in a ${this.label} cluster of ${this.members.length}`);
    return m;
  }

  private async spawn(m: M): Promise<void> {
    if (this.removed) throw new ClusterError(`the cluster was removed; server ${m.id} not started`);
    m.child = await this.spawnChild(m);
    if (this.removed) {
      await m.child.kill('SIGKILL');
      throw new ClusterError(`the cluster was removed while server ${m.id} started`);
    }
  }

  private async waitServing(m: M): Promise<void> {
    const child = m.child!;
    const state = await until(async () => (!child.alive ? 'exited' as const : (await this.isServing(m)) ? 'serving' as const : false), {
      timeoutMs: this.startTimeoutMs, intervalMs: POLL_INTERVAL_MS, message: `${this.label} server ${m.id} to serve`,
    }).catch((e: Error) => {
      throw new ClusterError(`${e.message}; its last output:\n${child.logTail}`);
    });
    if (state === 'exited') throw new ClusterError(`${this.label} server ${m.id} ended (${child.exitDescription}) before serving:\n${child.logTail}`);
  }
}
