// The result as a small table for people (the JSON is for programs).
import { nativeProtocol } from './protocols.js';
import type { WorkloadResult } from './types.js';

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  return [line(header), ...rows.map(line)].join('\n');
}

/** Said only when the sessions did not speak the system's own protocol (Canopy through its ZooKeeper door). */
function spokenProtocol(result: WorkloadResult): string {
  return result.protocol === nativeProtocol(result.system) ? '' : ` (${result.protocol} protocol)`;
}

export function formatResult(result: WorkloadResult): string {
  const l = result.latencyMs;
  const parts = [
    `${result.workload} on ${result.system}${spokenProtocol(result)}: ${result.ops} ops in ${fixed(result.seconds, 2)} s`,
    table(
      ['ops/s', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'mean ms'],
      [[fixed(result.opsPerSecond, 0), String(result.errors), fixed(l.p50, 3), fixed(l.p90, 3), fixed(l.p99, 3), fixed(l.p999, 3), fixed(l.max, 3), fixed(l.mean, 3)]],
    ),
  ];
  if (result.servers.length > 0) {
    parts.push(table(
      ['server pid', 'CPU s', 'CPU µs/op', 'peak RSS MiB'],
      result.servers.map((s) => [String(s.pid), fixed(s.cpuSeconds, 2), result.ops > 0 ? fixed((s.cpuSeconds * 1e6) / result.ops, 1) : '-', fixed(s.peakRssMiB, 1)]),
    ));
  } else {
    parts.push('  (no server measured: none listens on the --connect ports on this machine, or it exited; --pids names them)');
  }
  const extra = Object.entries(result.extra);
  if (extra.length > 0) parts.push(`  ${extra.map(([k, v]) => `${k} ${fixed(v, Number.isInteger(v) ? 0 : 2)}`).join(', ')}`);
  if (result.errorSample !== undefined) parts.push(`  first error: ${result.errorSample}`);
  return parts.join('\n');
}
