// A real-process ensemble for tests: N canopy-server processes on loopback, each with its own data directory,
// zoo.cfg and myid. Servers start together (one alone never serves: it needs a quorum to elect a leader).
// Roles come from the servers' own logs: each role change is one line `role changed {"state":...}`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeServerConfig } from '../../bench/launch/canopy-config.js';
import { freePorts } from '../../bench/launch/free-ports.js';
import { leaderAmong, parseRoleLine, type RoleReport } from '../../bench/launch/canopy-roles.js';
import { ServerProcess } from './server-process.js';
import { until } from '../../bench/launch/until.js';

// Shared with canopy-bench's launcher; re-exported for the tests that import them from here.
export { freePorts } from '../../bench/launch/free-ports.js';
export { parseRoleLine } from '../../bench/launch/canopy-roles.js';
export type { RoleReport, RoleState } from '../../bench/launch/canopy-roles.js';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Starts tried on fresh ports when another process took one of the picked ports first. */
const PORT_RACE_ATTEMPTS = 3;
/** How canopy-server says a port it was told to listen on is taken (src/server/start-errors.ts). */
const PORT_IN_USE_TEXT = /is already in use/;

/** A member could not listen on a picked port: another process bound it between the pick and the start. */
class PortTakenError extends Error {
  constructor(readonly failure: unknown) {
    super(`a picked port was taken before the ensemble started: ${failure instanceof Error ? failure.message : 'unknown failure'}`);
  }
}

export interface EnsembleOptions {
  size: 3 | 5;
  /** Default 100 ms, so elections and failover take a fraction of a second. */
  tickTime?: number;
  /** Flags for every server, after the config file. */
  args?: string[];
  /** More zoo.cfg lines for every server. */
  extraConfig?: Record<string, string>;
  /** How long to wait for every server to serve (default 60 s). */
  startTimeoutMs?: number;
  /** Ports to use instead of free ones picked here (a fault harness puts proxies in front of them first). */
  ports?: { client: readonly number[]; peer: readonly number[] };
  /** More zoo.cfg lines for one server (after extraConfig), e.g. its peerDial.N lines. */
  extraConfigFor?: (id: number) => Record<string, string>;
  /** Every output line of every server process, restarts included. */
  onServerLine?: (id: number, line: string) => void;
}

export interface EnsembleServer {
  readonly id: number;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly configFile: string;
  /** The running (or last) process; undefined before the first start. */
  process: ServerProcess | undefined;
}

interface Member extends EnsembleServer {
  role: RoleReport | undefined;
  paused: boolean;
  /** Counts spawns, so a line still draining from a replaced process cannot set the new one's role. */
  generation: number;
}

export class Ensemble {
  private constructor(
    private readonly members: Member[],
    private readonly baseDir: string,
    private readonly args: string[],
    private readonly onServerLine: ((id: number, line: string) => void) | undefined,
  ) {}

  /**
   * Writes every member's config, starts all servers at once and waits until each serves clients. Ports
   * picked here are free when picked, but a test running beside this one may bind one first: a member that
   * then cannot listen fails the start, which is retried on fresh ports (not when the caller gave ports).
   */
  static async start(opts: EnsembleOptions): Promise<Ensemble> {
    if (opts.ports !== undefined) return Ensemble.startOn([...opts.ports.client, ...opts.ports.peer], opts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await Ensemble.startOn(await freePorts(2 * opts.size), opts);
      } catch (e) {
        if (!(e instanceof PortTakenError) || attempt >= PORT_RACE_ATTEMPTS) throw e;
      }
    }
  }

  private static async startOn(ports: number[], opts: EnsembleOptions): Promise<Ensemble> {
    if (ports.length !== 2 * opts.size) throw new Error(`an ensemble of ${opts.size} needs ${opts.size} client and ${opts.size} peer ports`);
    const baseDir = mkdtempSync(join(tmpdir(), 'canopy-ensemble-'));
    const peers = Array.from({ length: opts.size }, (_, i) => ({ id: i + 1, host: '127.0.0.1', peerPort: ports[opts.size + i]! }));
    const members: Member[] = peers.map((p, i) => {
      const dataDir = join(baseDir, `server${p.id}`);
      const extra = { ...opts.extraConfig, ...opts.extraConfigFor?.(p.id) };
      const { configFile } = writeServerConfig({ id: p.id, dataDir, clientPort: ports[i]!, peers, tickTime: opts.tickTime ?? 100, extra });
      return { id: p.id, clientPort: ports[i]!, peerPort: p.peerPort, dataDir, configFile, process: undefined, role: undefined, paused: false, generation: 0 };
    });
    const ensemble = new Ensemble(members, baseDir, opts.args ?? [], opts.onServerLine);
    try {
      await Promise.all(members.map((m) => ensemble.spawn(m)));
      await Promise.all(members.map((m) => m.process!.waitServing({ timeoutMs: opts.startTimeoutMs ?? START_TIMEOUT_MS })));
    } catch (e) {
      const portTaken = members.some((m) => m.process !== undefined && PORT_IN_USE_TEXT.test(m.process.log));
      await ensemble.removeAll();
      throw portTaken ? new PortTakenError(e) : e;
    }
    return ensemble;
  }

  private async spawn(m: Member): Promise<ServerProcess> {
    m.role = undefined;
    m.paused = false;
    const generation = ++m.generation;
    const proc = await ServerProcess.start({
      configFile: m.configFile, dataDir: m.dataDir, port: m.clientPort, args: this.args, waitServing: false,
      onLine: (line) => {
        const role = parseRoleLine(line);
        if (role !== undefined && m.generation === generation) m.role = role;
        this.onServerLine?.(m.id, line);
      },
    });
    m.process = proc;
    return proc;
  }

  /** Members by position (index 0 is server 1). */
  get servers(): readonly EnsembleServer[] {
    return this.members;
  }

  /** Every client endpoint, comma-separated, for Client.connect. */
  get connectString(): string {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
  }

  /** Where the members' data directories are. */
  get directory(): string {
    return this.baseDir;
  }

  /** Whether a member's process runs (and is not frozen by pause). */
  stateOf(id: number): 'running' | 'paused' | 'stopped' {
    const m = this.member(id);
    if (m.process === undefined || !m.process.alive) return 'stopped';
    return m.paused ? 'paused' : 'running';
  }

  server(id: number): EnsembleServer {
    return this.member(id);
  }

  private member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no server ${id} in an ensemble of ${this.members.length}`);
    return m;
  }

  /** Running and not paused. */
  private live(m: Member): boolean {
    return m.process !== undefined && m.process.alive && !m.paused;
  }

  /** Kills one server (SIGKILL by default: a crash) and waits for it to exit. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const m = this.member(id);
    if (m.process === undefined) return null;
    if (m.paused && signal !== 'SIGKILL') this.resume(id);
    const code = await m.process.kill(signal);
    m.paused = false;
    return code;
  }

  /** Freezes a server (SIGSTOP): its sockets stay open but it says nothing, like a long GC pause. */
  pause(id: number): void {
    const m = this.member(id);
    if (m.process === undefined || !m.process.alive) throw new Error(`server ${id} is not running`);
    m.process.signal('SIGSTOP');
    m.paused = true;
  }

  resume(id: number): void {
    const m = this.member(id);
    m.process?.signal('SIGCONT');
    m.paused = false;
  }

  /**
   * Starts a server again on the same data directory and config (stopping it first if it still runs) and,
   * unless `waitServing` is false, resolves once the new process serves clients.
   */
  async restart(id: number, opts: { waitServing?: boolean; timeoutMs?: number } = {}): Promise<ServerProcess> {
    const m = this.member(id);
    if (m.process?.alive) await this.stopOne(m);
    const proc = await this.spawn(m);
    if (opts.waitServing !== false) await proc.waitServing({ timeoutMs: opts.timeoutMs ?? START_TIMEOUT_MS });
    return proc;
  }

  /**
   * Waits for server `id` to log "serving clients" after line `afterLine` of its current process (a mark
   * taken from `servers[i].process.lineCount`; default 0 = since the process started).
   */
  waitServing(id: number, opts: { afterLine?: number; timeoutMs?: number } = {}): Promise<number> {
    const proc = this.member(id).process;
    if (proc === undefined) return Promise.reject(new Error(`server ${id} was never started`));
    return proc.waitServing({ timeoutMs: START_TIMEOUT_MS, ...opts });
  }

  /** The last role a running server logged; undefined if it is not running or has not reported one. */
  roleOf(id: number): RoleReport | undefined {
    const m = this.member(id);
    return m.process?.alive ? m.role : undefined;
  }

  /**
   * The live (running, not paused) server that reports leading and serving. Should two claim it while an
   * old leader has yet to notice it lost its quorum, the one in the higher epoch.
   */
  leaderId(exclude: readonly number[] = []): number | undefined {
    return leaderAmong(this.members.filter((m) => this.live(m) && !exclude.includes(m.id)));
  }

  /** Waits until a live server (not in `exclude`) reports leading and serving; returns its id. */
  waitForLeader(opts: { timeoutMs?: number; exclude?: readonly number[] } = {}): Promise<number> {
    return until(() => this.leaderId(opts.exclude ?? []), { timeoutMs: opts.timeoutMs ?? START_TIMEOUT_MS, message: 'an ensemble leader' });
  }

  private async stopOne(m: Member): Promise<void> {
    const proc = m.process;
    if (proc === undefined || !proc.alive) return;
    if (m.paused) this.resume(m.id);
    const exited = proc.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS); });
    if ((await Promise.race([exited, late])) === 'late') await proc.kill('SIGKILL');
    clearTimeout(timer);
  }

  /** Stops every server gracefully (SIGTERM; SIGKILL if one hangs) and waits for all to exit. */
  async stopAll(): Promise<void> {
    await Promise.all(this.members.map((m) => this.stopOne(m)));
  }

  /** Stops every server and deletes all data directories. */
  async removeAll(): Promise<void> {
    await this.stopAll();
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}
