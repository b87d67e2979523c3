// The side-by-side table, as Markdown: it reads as plain text in a terminal and renders in docs/.
import type { Row } from './summary.js';
import type { ShapeName } from './plan.js';
import { SHAPES } from './plan.js';

/** Within this of 1.0 a ratio says neither system is better: runs on a shared machine vary that much. */
const EVEN_BAND = 0.05;

export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Which system's figure is better, given which way the figure is better. */
export function betterSystem(row: Row): 'Canopy' | 'ZooKeeper' | 'even' | 'n/a' {
  if (row.ratio === undefined) return 'n/a';
  if (Math.abs(row.ratio - 1) <= EVEN_BAND) return 'even';
  const canopyLarger = row.ratio > 1;
  return canopyLarger === (row.better === 'higher') ? 'Canopy' : 'ZooKeeper';
}

function shapeLabel(name: ShapeName): string {
  return SHAPES.find((s) => s.name === name)?.label ?? name;
}

export function renderTable(rows: readonly Row[]): string {
  const header = ['shape', 'workload', 'figure', 'Canopy', 'ZooKeeper', 'Canopy/ZK', 'better',
    'CPU µs/op Canopy', 'CPU µs/op ZK', 'peak RSS MiB Canopy', 'peak RSS MiB ZK'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) {
    const cells = [
      shapeLabel(r.shape), r.caseId, `${r.label} (${r.better} is better)`,
      formatNumber(r.canopy.value), formatNumber(r.zookeeper.value), r.ratio === undefined ? 'n/a' : r.ratio.toFixed(2), betterSystem(r),
      formatNumber(r.canopy.cpuMicrosPerOp), formatNumber(r.zookeeper.cpuMicrosPerOp),
      formatNumber(r.canopy.peakRssMiB), formatNumber(r.zookeeper.peakRssMiB),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
