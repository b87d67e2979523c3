// Starts the real canopy-server process on a loopback port, for integration and crash tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/server/main.js, relative to dist/test/support. */
export const SERVER_MAIN = join(here, '..', '..', 'src', 'server', 'main.js');

export interface ServerOptions {
  dataDir?: string;
  /** 0 (default) lets the OS pick; the chosen port is read from the server's log. */
  port?: number;
  tickTime?: number;
  args?: string[];
}

export class ServerProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
    output: string,
  ) {
    this.output = output;
    child.stderr?.on('data', (d: Buffer) => this.append(d));
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  private append(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-200_000);
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  static tempDataDir(): string {
    return mkdtempSync(join(tmpdir(), 'canopy-test-'));
  }

  static async start(opts: ServerOptions = {}): Promise<ServerProcess> {
    const dataDir = opts.dataDir ?? ServerProcess.tempDataDir();
    const args = [SERVER_MAIN, '--dataDir', dataDir, '--clientPort', String(opts.port ?? 0), '--tickTime', String(opts.tickTime ?? 200), ...(opts.args ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 60_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /serving clients .*"port":(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          child.stderr?.off('data', onData);
          resolve(Number(m[1]));
        }
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before serving:\n${output}`));
      });
    });
    return new ServerProcess(child, dataDir, port, output);
  }

  /** Restarts on the same data directory and port. */
  restart(extra: ServerOptions = {}): Promise<ServerProcess> {
    return ServerProcess.start({ ...extra, dataDir: this.dataDir, port: this.port });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
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
