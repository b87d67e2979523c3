// One server process a launcher started: its pid, the tail of its output (for error messages), a callback
// per output line, and stopping it. Launchers learn readiness their own way (a log line, a four-letter word).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const LOG_TAIL_CHARS_MAX = 20_000;
/** A line longer than this is cut: a server printing without newlines must not grow our memory. */
const PARTIAL_LINE_CHARS_MAX = 64 * 1024;
const STOP_GRACE_MS = 20_000;

export interface SpawnSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Every complete output line, stdout and stderr. */
  onLine?: (line: string) => void;
}

export class ServerChild {
  private tail = '';
  private readonly partial = { stdout: '', stderr: '' };
  private readonly exitedPromise: Promise<void>;

  private constructor(private readonly child: ChildProcess, private readonly onLine: ((line: string) => void) | undefined) {
    child.stdout?.on('data', (d: Buffer) => this.append('stdout', d));
    child.stderr?.on('data', (d: Buffer) => this.append('stderr', d));
    // 'close', not 'exit': output can still arrive after 'exit'.
    this.exitedPromise = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Resolves once the process has been spawned (rejects if the command cannot be run). */
  static async spawn(spec: SpawnSpec): Promise<ServerChild> {
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerChild(child, spec.onLine);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return server;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the process ended, for messages: `exit 2`, `SIGKILL`, or `running`. */
  get exitDescription(): string {
    if (this.child.signalCode !== null) return this.child.signalCode;
    return this.child.exitCode === null ? 'running' : `exit ${this.child.exitCode}`;
  }

  /** The last output, for error messages. */
  get logTail(): string {
    return this.tail;
  }

  exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exitedPromise;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.alive) return this.exitedPromise;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  private append(stream: 'stdout' | 'stderr', d: Buffer): void {
    const text = d.toString();
    this.tail = (this.tail + text).slice(-LOG_TAIL_CHARS_MAX);
    if (this.onLine === undefined) return;
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop()!.slice(-PARTIAL_LINE_CHARS_MAX);
    for (const line of parts) this.onLine(line);
  }
}
