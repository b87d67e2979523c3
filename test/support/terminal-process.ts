// A long-running command started the way a person starts it in a terminal (`npm start`): in its own
// process group, so that interrupt() reaches every process of it at once, as Ctrl-C does. Its output
// (stdout and stderr together, bounded) can be waited on by pattern, never by a fixed delay.

/** A process of the group, as Linux's /proc shows it. */
export interface GroupMember {
  pid: number;
  /** Its command line, arguments joined by spaces. */
  commandLine: string;
}
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const OUTPUT_CHARS_MAX = 1_000_000;

export class TerminalProcess {
  private text = '';
  private readonly listeners = new Set<() => void>();
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    child.stderr?.on('data', (d: Buffer) => this.append(d));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        for (const l of this.listeners) l();
        resolve(this.exit);
      });
    });
  }

  static start(file: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): TerminalProcess {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new TerminalProcess(child);
  }

  private append(d: Buffer): void {
    this.text = (this.text + d.toString()).slice(-OUTPUT_CHARS_MAX);
    for (const l of this.listeners) l();
  }

  get output(): string {
    return this.text;
  }

  /** Resolves with the first match in the output; rejects at the deadline or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(this.text);
        if (m) finish(() => resolve(m));
        else if (this.exit !== undefined) finish(() => reject(new Error(`exited (${this.exit?.code ?? this.exit?.signal}) before printing ${pattern}:\n${this.text}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.text}`))), timeoutMs);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        then();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Ctrl-C: SIGINT (or another signal) to the whole process group. */
  interrupt(signal: NodeJS.Signals = 'SIGINT'): void {
    if (this.exit === undefined && this.child.pid !== undefined) process.kill(-this.child.pid, signal);
  }

  /** The processes of the group now (Linux /proc): npm, its shell, the program the script runs. */
  groupMembers(): GroupMember[] {
    const group = this.child.pid;
    if (group === undefined) return [];
    const members: GroupMember[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid pgrp ...", and comm may hold spaces or parentheses.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) !== group) continue;
        members.push({ pid: Number(entry), commandLine: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
      } catch {
        // Exited while being read.
      }
    }
    return members;
  }

  /** Sends a signal to one process of the group (kill -INT <pid>). */
  signalMember(pid: number, signal: NodeJS.Signals): void {
    if (!this.groupMembers().some((m) => m.pid === pid)) throw new Error(`process ${pid} is not in the group`);
    process.kill(pid, signal);
  }

  /** Waits for the exit; kills the group and rejects at the deadline. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`did not exit within ${timeoutMs} ms:\n${this.text}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL to the group (cleanup after a failure); a group already gone is no error. */
  kill(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // The group has exited.
    }
  }
}
