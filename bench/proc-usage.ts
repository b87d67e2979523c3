// What the servers spent during the measured interval, read from Linux's /proc: CPU seconds (utime +
// stime of /proc/<pid>/stat, sampled before and after) and peak resident memory (VmHWM of
// /proc/<pid>/status). The server pids are given (--pids) or found as the owners of the sockets listening
// on the --connect ports. Without /proc (not Linux) or without permission there is simply no usage.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerUsage } from './types.js';

const DEFAULT_CLOCK_TICKS_PER_SECOND = 100;
/** A /proc/net/tcp row's `st` for a listening socket. */
const TCP_LISTEN = '0A';
/** Processes scanned for a socket: more than any machine runs, so the scan ends. */
const PROCESSES_SCANNED_MAX = 1_000_000;
const KIB_PER_MIB = 1_024;

export interface CpuSample {
  pid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/**
 * utime + stime from the text of /proc/<pid>/stat. The second field (comm) is the executable's name in
 * parentheses and may itself hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function parseProcStat(text: string): { utimeTicks: number; stimeTicks: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After comm: state (field 3) ... utime (field 14), stime (field 15).
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (fields.length < 13 || !Number.isSafeInteger(utime) || !Number.isSafeInteger(stime) || utime < 0 || stime < 0) return undefined;
  return { utimeTicks: utime, stimeTicks: stime };
}

/** A `Name:   123 kB` field of /proc/<pid>/status, in KiB. */
export function parseStatusKib(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d{1,15}) kB$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface TcpRow {
  localPort: number;
  /** Two hex digits: 0A is LISTEN. */
  state: string;
  inode: string;
}

/** One data row of /proc/net/tcp or tcp6 (`sl local_address rem_address st ... uid timeout inode`). */
export function parseNetTcpRow(row: string): TcpRow | undefined {
  const cols = row.trim().split(/\s+/);
  if (cols.length < 10 || !/^\d+:$/.test(cols[0]!)) return undefined;
  const local = /^[0-9A-Fa-f]{8,32}:([0-9A-Fa-f]{4})$/.exec(cols[1]!);
  const state = cols[3]!;
  const inode = cols[9]!;
  if (!local || !/^[0-9A-Fa-f]{2}$/.test(state) || !/^\d{1,20}$/.test(inode)) return undefined;
  return { localPort: parseInt(local[1]!, 16), state: state.toUpperCase(), inode };
}

/** Inodes of the sockets listening on the port, from the text of /proc/net/tcp and tcp6. */
export function listeningInodes(tables: readonly string[], port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const row = parseNetTcpRow(line);
      // Inode 0: a socket whose owner is gone (or in another namespace); it leads nowhere.
      if (row && row.state === TCP_LISTEN && row.localPort === port && row.inode !== '0') inodes.add(row.inode);
    }
  }
  return inodes;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Pids of the processes holding a socket that listens on the TCP port; [] when /proc says nothing. */
export function pidsListeningOn(port: number, procRoot = '/proc'): number[] {
  const inodes = listeningInodes([readOrEmpty(join(procRoot, 'net', 'tcp')), readOrEmpty(join(procRoot, 'net', 'tcp6'))], port);
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  for (const entry of entries.slice(0, PROCESSES_SCANNED_MAX)) {
    if (!/^\d+$/.test(entry)) continue;
    if (holdsSocket(join(procRoot, entry, 'fd'), inodes)) pids.push(Number(entry));
  }
  return pids;
}

function holdsSocket(fdDir: string, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return false; // another user's process, or gone
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(fdDir, fd)));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** `getconf CLK_TCK`, or 100 (Linux's USER_HZ nearly everywhere) when it cannot be asked. */
export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(ticks) && ticks > 0 && ticks <= 1_000_000 ? ticks : DEFAULT_CLOCK_TICKS_PER_SECOND;
  } catch {
    return DEFAULT_CLOCK_TICKS_PER_SECOND;
  }
}

export function sampleCpu(pid: number, procRoot = '/proc'): CpuSample | undefined {
  const stat = parseProcStat(readOrEmpty(join(procRoot, String(pid), 'stat')));
  return stat && { pid, cpuTicks: stat.utimeTicks + stat.stimeTicks };
}

export function peakRssMiB(pid: number, procRoot = '/proc'): number | undefined {
  const kib = parseStatusKib(readOrEmpty(join(procRoot, String(pid), 'status')), 'VmHWM');
  return kib === undefined ? undefined : kib / KIB_PER_MIB;
}

/**
 * Samples the servers' CPU at start() and again at stop(). A server that cannot be read at both ends
 * (gone, not ours, no /proc) is left out of the answer rather than failing the run.
 */
export class UsageMeter {
  private before: CpuSample[] = [];
  private readonly ticksPerSecond: number;

  constructor(private readonly pids: readonly number[], private readonly procRoot = '/proc') {
    this.ticksPerSecond = pids.length === 0 ? DEFAULT_CLOCK_TICKS_PER_SECOND : clockTicksPerSecond();
  }

  /** Finds the pids behind the ports (each pid once). */
  static discover(ports: readonly number[], procRoot = '/proc'): number[] {
    return [...new Set(ports.flatMap((port) => pidsListeningOn(port, procRoot)))];
  }

  start(): void {
    this.before = this.pids.flatMap((pid) => sampleCpu(pid, this.procRoot) ?? []);
  }

  stop(): ServerUsage[] {
    const usage: ServerUsage[] = [];
    for (const start of this.before) {
      const end = sampleCpu(start.pid, this.procRoot);
      const peak = peakRssMiB(start.pid, this.procRoot);
      if (end === undefined || peak === undefined) continue;
      usage.push({ pid: start.pid, cpuSeconds: Math.max(end.cpuTicks - start.cpuTicks, 0) / this.ticksPerSecond, peakRssMiB: peak });
    }
    return usage;
  }
}
