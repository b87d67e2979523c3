// Drives the built canopy-cli binary (dist/client/shell/main.js) for integration tests: one-shot runs
// that collect exit code and output, and long-lived sessions over a pipe or a pseudo-terminal whose
// output a test waits on by pattern (never by a fixed sleep).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/client/shell/main.js, relative to dist/test/support. */
export const CLI_MAIN = join(here, '..', '..', 'client', 'shell', 'main.js');
const DEFAULT_TIMEOUT_MS = 30_000;
const OUTPUT_CHARS_MAX = 1_000_000;
/** util-linux `script` gives the child a pty (the only portable way without a native module). */
export const SCRIPT_BIN = '/usr/bin/script';

let defaultHistory: string | undefined;
/** A history file in a temp dir, so tests never touch ~/.canopy_cli_history. */
export function tempHistoryFile(): string {
  defaultHistory ??= join(mkdtempSync(join(tmpdir(), 'canopy-cli-')), 'history');
  return defaultHistory;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function cliEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  return { ...process.env, CANOPY_CLI_HISTORY: tempHistoryFile(), ...env };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `canopy-cli <args>` to completion; rejects if it does not exit within the deadline. */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  const cli = CliProcess.start(args, opts);
  cli.endInput();
  const code = await cli.waitExit(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** Removes terminal escape sequences and carriage returns from pty output. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

export class CliProcess {
  private out = '';
  private err = '';
  private readonly listeners = new Set<() => void>();
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => this.append('out', d));
    child.stderr?.on('data', (d: Buffer) => this.append('err', d));
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => {
        this.exitCode = code;
        for (const l of this.listeners) l();
        resolve(code);
      });
    });
  }

  /** Spawns the shell on pipes (readline without a terminal: no completion). */
  static start(args: readonly string[], opts: CliOptions = {}): CliProcess {
    return new CliProcess(spawn(process.execPath, [CLI_MAIN, ...args], { env: cliEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Spawns the shell on a pseudo-terminal through `script`; its stdout then carries the terminal's echo. */
  static startPty(args: readonly string[], opts: CliOptions = {}): CliProcess {
    const quoted = [process.execPath, CLI_MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // Node's readline does no completion for TERM=dumb.
    const term = process.env.TERM && process.env.TERM !== 'dumb' ? process.env.TERM : 'xterm';
    const env = { ...cliEnv(opts.env), TERM: term };
    return new CliProcess(spawn(SCRIPT_BIN, ['-qfec', quoted, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  private append(stream: 'out' | 'err', d: Buffer): void {
    if (stream === 'out') this.out = (this.out + d.toString()).slice(-OUTPUT_CHARS_MAX);
    else this.err = (this.err + d.toString()).slice(-OUTPUT_CHARS_MAX);
    for (const l of this.listeners) l();
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** A position in stdout: wait for output after it. */
  mark(): number {
    return this.out.length;
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  endInput(): void {
    this.child.stdin?.end();
  }

  /**
   * Resolves with the first match of `pattern` in stdout (pty escapes removed) from `from` on;
   * rejects at the deadline or when the process exits without a match.
   */
  waitFor(pattern: RegExp, opts: { from?: number; timeoutMs?: number; stream?: 'stdout' | 'stderr' } = {}): Promise<RegExpExecArray> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const probe = (): RegExpExecArray | null => {
      const text = opts.stream === 'stderr' ? this.err : this.out.slice(opts.from ?? 0);
      return pattern.exec(stripAnsi(text));
    };
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = probe();
        if (m) finish(() => resolve(m));
        else if (this.exitCode !== undefined) finish(() => reject(new Error(`canopy-cli exited (${this.exitCode}) before printing ${pattern}:\n${this.describe()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.describe()}`))), timeoutMs);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        then();
      };
      this.listeners.add(check);
      check();
    });
  }

  private describe(): string {
    return `--- stdout ---\n${stripAnsi(this.out)}\n--- stderr ---\n${this.err}`;
  }

  /** Waits for the process to exit; kills it and rejects at the deadline. */
  async waitExit(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`canopy-cli did not exit within ${timeoutMs} ms:\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
    return this.exited;
  }
}
