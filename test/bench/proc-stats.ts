// Linux process counters for benchmarks: CPU of the main thread alone (schedstat, ns), CPU of the whole
// process (every thread: libuv's pool, LevelDB's compaction), and bytes written (write_bytes: bytes the
// process caused to be sent to the storage layer, a page each time it is dirtied; wchar: bytes handed to
// write calls).
import { readFileSync } from 'node:fs';

export interface ProcSample {
  wallMs: number;
  mainThreadCpuUs: number;
  /** Time the main thread was ready to run but waited for a CPU (other processes, on a shared machine). */
  mainThreadWaitUs: number;
  processCpuUs: number;
  writeBytes: number;
  wchar: number;
}

function ioField(text: string, name: string): number {
  const m = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
  if (m === null) throw new Error(`/proc/self/io has no ${name}`);
  return Number(m[1]);
}

export function sample(): ProcSample {
  // The main thread's task id is the process id; schedstat holds ns on a CPU, then ns waiting for one.
  const [runNs, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number) as [number, number];
  const io = readFileSync('/proc/self/io', 'utf8');
  const cpu = process.cpuUsage();
  return {
    wallMs: performance.now(), mainThreadCpuUs: runNs / 1000, mainThreadWaitUs: waitNs / 1000, processCpuUs: cpu.user + cpu.system,
    writeBytes: ioField(io, 'write_bytes'), wchar: ioField(io, 'wchar'),
  };
}

export function since(before: ProcSample, after: ProcSample = sample()): ProcSample {
  return {
    wallMs: after.wallMs - before.wallMs, mainThreadCpuUs: after.mainThreadCpuUs - before.mainThreadCpuUs,
    mainThreadWaitUs: after.mainThreadWaitUs - before.mainThreadWaitUs,
    processCpuUs: after.processCpuUs - before.processCpuUs, writeBytes: after.writeBytes - before.writeBytes, wchar: after.wchar - before.wchar,
  };
}
