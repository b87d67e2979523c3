// Compares what a runner saw with what each cell expects, and says so one line per failing cell:
// `<op> perm=<perm> scheme=<row> <with|without>(<caller>): expected <outcome>, got <outcome>`.
import type { RawResult } from './actions.js';
import type { Cell } from './cells.js';
import { formatOutcome } from './outcome.js';

export interface Mismatch {
  cell: Cell;
  expected: string;
  got: string;
}

export function outcomeOf(cell: Cell, raw: RawResult | undefined): string {
  const kind = cell.action?.kind;
  return formatOutcome({ family: cell.family, kind, storedAcl: cell.storedAcl, readBackAcl: cell.readBackAcl }, raw);
}

/** Every cell whose outcome is not the expected one (`expectedOf` defaults to the cell's own). */
export function mismatches(cells: readonly Cell[], results: ReadonlyMap<string, RawResult>, expectedOf: (c: Cell) => string = (c) => c.expected): Mismatch[] {
  const out: Mismatch[] = [];
  for (const cell of cells) {
    const expected = expectedOf(cell);
    const got = outcomeOf(cell, results.get(cell.id));
    if (got !== expected) out.push({ cell, expected, got });
  }
  return out;
}

/** A readable report: a count per op, then one line per failing cell. */
export function formatMismatches(target: string, total: number, list: readonly Mismatch[]): string {
  const perOp = new Map<string, number>();
  for (const m of list) perOp.set(m.cell.op, (perOp.get(m.cell.op) ?? 0) + 1);
  const summary = [...perOp].map(([op, n]) => `${op}: ${n}`).join(', ');
  const lines = list.map((m) => `  ${m.cell.id}: expected ${m.expected}, got ${m.got}`);
  return [`${target}: ${list.length} of ${total} cells differ (${summary})`, ...lines].join('\n');
}
