// Starts the real canopy-server process on a loopback port, for integration and crash tests.
// The process's output is kept as text (`log`) and as numbered lines, so a caller can wait for a line that
// appears after a mark (`lineCount`) — a server logs "serving clients" again each time it resumes serving.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/server/main.js, relative to dist/test/support. */
export const SERVER_MAIN = join(here, '..', '..', 'src', 'server', 'main.js');

/** The line a server logs when it starts (or resumes) serving clients; its ports are read by the two patterns below. */
export const SERVING_LINE = /serving clients /;
const PORT_FIELD = /"port":(\d+)/;
const SECURE_PORT_FIELD = /"securePort":(\d+)/;
const ADMIN_LINE = /admin server listening .*"port":(\d+)/;
const LOG_TEXT_CHARS_MAX = 200_000;
const LOG_LINES_MAX = 20_000;
const LINE_WAITERS_MAX = 1_000;
const START_TIMEOUT_MS = 60_000;

export interface ServerOptions {
  dataDir?: string;
  /** 0 (default) lets the OS pick; the chosen port is read from the server's log. */
  port?: number;
  /** false: no --clientPort flag, so a server given --secureClientPort serves only that (default true). */
  plainPort?: boolean;
  tickTime?: number;
  args?: string[];
  /**
   * Start from this zoo.cfg: only `args` are passed as flags (the file holds dataDir, clientPort and
   * tickTime). dataDir defaults to the file's directory; port is only known once the server serves.
   */
  configFile?: string;
  /** false: resolve once the process is spawned; wait with `waitServing()`. Default true. */
  waitServing?: boolean;
  /** Called with every complete output line (stdout and stderr), from the first one on. */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
  /**
   * Runs the server with at most this many open files: both the soft and the hard RLIMIT_NOFILE are set
   * (`ulimit -n`), since Node raises its soft limit to the hard one at start. The process is spawned through
   * `bash -c 'ulimit -n N && exec node …'`, so its pid is still the server's.
   */
  ulimitFiles?: number;
}

/** Memory of a process as the kernel counts it (/proc/<pid>/status), in bytes. */
export interface ProcessMemory {
  /** Resident set size now. */
  rssBytes: number;
  /** Peak resident set size since the start, or since the last `resetPeakMemory()`. */
  hwmBytes: number;
}

function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc status`);
  return Number(m[1]) * 1024;
}

interface LineWaiter {
  pattern: RegExp;
  afterLine: number;
  resolve: (m: RegExpExecArray) => void;
  reject: (e: Error) => void;
}

export class ServerProcess {
  private output = '';
  private listeningAdminPort = 0;
  private readonly lines: string[] = [];
  /** Absolute number of lines seen; lines[0] is line `linesDropped`. */
  private linesSeen = 0;
  private readonly partial = { stdout: '', stderr: '' };
  private readonly waiters = new Set<LineWaiter>();
  private readonly exited: Promise<number | null>;
  private servingPort: number;
  private servingSecurePort = 0;
  /** The process has exited and its output streams are drained. */
  private closed = false;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    port: number,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {
    this.servingPort = port;
    child.stderr?.on('data', (d: Buffer) => this.append('stderr', d));
    child.stdout?.on('data', (d: Buffer) => this.append('stdout', d));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': output can still arrive after 'exit', and a waiter must see all of it.
      child.once('close', (code) => {
        this.closed = true;
        this.flushPartials();
        for (const w of this.waiters) w.reject(new Error(`server exited with ${code ?? child.signalCode} before logging ${w.pattern}:\n${this.output}`));
        this.waiters.clear();
        resolve(code);
      });
    });
  }

  private append(stream: 'stdout' | 'stderr', d: Buffer): void {
    const text = d.toString();
    this.output = (this.output + text).slice(-LOG_TEXT_CHARS_MAX);
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop()!;
    for (const line of parts) this.addLine(line);
  }

  private flushPartials(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.addLine(this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  private addLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > LOG_LINES_MAX) this.lines.shift();
    this.linesSeen++;
    const admin = ADMIN_LINE.exec(line);
    if (admin !== null) this.listeningAdminPort = Number(admin[1]);
    if (SERVING_LINE.test(line)) {
      const port = PORT_FIELD.exec(line);
      const securePort = SECURE_PORT_FIELD.exec(line);
      if (port) this.servingPort = Number(port[1]);
      if (securePort) this.servingSecurePort = Number(securePort[1]);
    }
    this.onLine?.(line);
    for (const w of this.waiters) {
      const m = w.pattern.exec(line);
      if (m && this.linesSeen > w.afterLine) {
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
  }

  /** The client port: as asked, or as logged by the last "serving clients" line. */
  get port(): number {
    return this.servingPort;
  }

  /** The secure client port as logged by the last "serving clients" line (0: none). */
  get securePort(): number {
    return this.servingSecurePort;
  }

  /** The admin endpoint's port from the server's "admin server listening" line (0: not listening). */
  get adminPort(): number {
    return this.listeningAdminPort;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  /** Lines seen so far: a mark for `waitForLine(pattern, { afterLine })`. */
  get lineCount(): number {
    return this.linesSeen;
  }

  /** Still running (possibly stopped by SIGSTOP). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  static tempDataDir(): string {
    return mkdtempSync(join(tmpdir(), 'canopy-test-'));
  }

  static async start(opts: ServerOptions = {}): Promise<ServerProcess> {
    const dataDir = opts.dataDir ?? (opts.configFile !== undefined ? dirname(opts.configFile) : ServerProcess.tempDataDir());
    // Tests run servers side by side: unless a test sets admin.* itself, each admin endpoint takes a free port (adminPort).
    const admin = (opts.args ?? []).some((a) => a.startsWith('--admin.')) ? [] : ['--admin.serverPort', '0'];
    const args = opts.configFile !== undefined
      ? [SERVER_MAIN, opts.configFile, ...(opts.args ?? [])]
      : [SERVER_MAIN, '--dataDir', dataDir, ...(opts.plainPort === false ? [] : ['--clientPort', String(opts.port ?? 0)]),
        '--tickTime', String(opts.tickTime ?? 200), ...admin, ...(opts.args ?? [])];
    const child = opts.ulimitFiles !== undefined
      ? spawn('bash', ['-c', 'ulimit -n "$0" && exec "$@"', String(opts.ulimitFiles), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child, dataDir, opts.port ?? 0, opts.onLine);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (opts.waitServing === false) return server;
    try {
      await server.waitServing({ timeoutMs: opts.startTimeoutMs ?? START_TIMEOUT_MS });
    } catch (e) {
      await server.kill('SIGKILL');
      throw e;
    }
    return server;
  }

  /**
   * Resolves with the first line after line number `afterLine` (default 0: any line) that matches; rejects
   * if the process exits first or the deadline passes.
   */
  waitForLine(pattern: RegExp, opts: { afterLine?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
    const afterLine = opts.afterLine ?? 0;
    const firstKept = this.linesSeen - this.lines.length;
    for (let i = Math.max(afterLine - firstKept, 0); i < this.lines.length; i++) {
      const m = pattern.exec(this.lines[i]!);
      if (m) return Promise.resolve(m);
    }
    if (this.closed) return Promise.reject(new Error(`server has exited; no line matches ${pattern}:\n${this.output}`));
    if (this.waiters.size >= LINE_WAITERS_MAX) return Promise.reject(new Error(`more than ${LINE_WAITERS_MAX} waiters on one server's log`));
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
      const waiter: LineWaiter = {
        pattern, afterLine,
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits for a "serving clients" line after `afterLine` (default: any) and returns the client port (the secure one when there is no plain one). */
  async waitServing(opts: { afterLine?: number; timeoutMs?: number } = {}): Promise<number> {
    const m = await this.waitForLine(SERVING_LINE, opts);
    const line = m.input;
    return Number((PORT_FIELD.exec(line) ?? SECURE_PORT_FIELD.exec(line))?.[1] ?? 0);
  }

  /** Restarts on the same data directory and port. */
  restart(extra: ServerOptions = {}): Promise<ServerProcess> {
    return ServerProcess.start({ ...extra, dataDir: this.dataDir, port: this.port });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** The server's resident memory now and its peak (Linux /proc/<pid>/status VmRSS and VmHWM). */
  memory(): ProcessMemory {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return { rssBytes: statusKb(status, 'VmRSS'), hwmBytes: statusKb(status, 'VmHWM') };
  }

  /**
   * Resets the peak (VmHWM) to the current RSS (Linux: `5` into /proc/<pid>/clear_refs), so that a later
   * `memory().hwmBytes` is the peak of what happened in between. False if the kernel refused.
   */
  resetPeakMemory(): boolean {
    try {
      writeFileSync(`/proc/${this.child.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  /** Open file descriptors of the server process (Linux /proc/<pid>/fd). */
  openFileCount(): number {
    return readdirSync(`/proc/${this.child.pid}/fd`).length;
  }

  /** TCP ports the server process listens on (Linux: its socket inodes matched in /proc/<pid>/net/tcp and tcp6). */
  listeningPorts(): number[] {
    const pid = this.child.pid;
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
    const ports = new Set<number>();
    for (const table of ['tcp', 'tcp6']) {
      for (const row of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
        const cols = row.trim().split(/\s+/);
        // local_address is HEXADDR:HEXPORT; st 0A is LISTEN; the inode is the tenth column.
        if (cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
      }
    }
    return [...ports].sort((a, b) => a - b);
  }

  /** Sends a signal without waiting for exit (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<number | null> {
    return this.kill('SIGTERM');
  }

  waitExit(): Promise<number | null> {
    return this.exited;
  }

  removeDataDir(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
