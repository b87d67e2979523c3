// A plain-text timeline of a few register ops, for people reading a violation: one row per op sorted by
// invocation, its arguments and answer, and a bar over a common time axis. Unknown outcomes run to the right
// edge and end in '?': they may take effect at any later time.
//
//        t(ms) 0.0         12.5        25.0
//   #3 c1 s2 write "c1-4"  |=====|                 ok v=4        [0.0-6.1]
//   #5 c2 s1 cas v4->"c2-9"     |-----------------? unknown (CONNECTIONLOSS) [5.2-]
import type { RegisterOp } from './history.js';
import type { WitnessStep } from './wgl.js';

export interface TimelineExtras {
  /** A linearization of (a prefix of) the ops, printed under the rows. */
  readonly witness?: readonly WitnessStep[];
  /** What the witness covers, e.g. "ops invoked before 12.3 ms". */
  readonly witnessScope?: string;
  readonly notes?: readonly string[];
}

const VALUE_CHARS_MAX = 16;
const LABEL_CHARS_MAX = 44;
const TICK_EVERY_COLS = 12;
const WIDTH_MIN = 20;
const LINE_CHARS_MAX = 110;

function quote(v: string): string {
  return JSON.stringify(v.length > VALUE_CHARS_MAX ? `${v.slice(0, VALUE_CHARS_MAX - 2)}..` : v);
}

function ms(t: number): string {
  return t.toFixed(1);
}

function describe(op: RegisterOp): string {
  switch (op.kind) {
    case 'write':
      return `write ${quote(op.value ?? '')}`;
    case 'cas':
      return `cas v${op.expectedVersion}->${quote(op.value ?? '')}`;
    case 'read':
    case 'syncRead':
      return op.kind;
  }
}

function answer(op: RegisterOp): string {
  if (op.outcome === 'unknown') return `unknown (${op.error ?? 'no answer'})`;
  if (op.outcome === 'fail') return op.error ?? 'fail';
  const r = op.result!;
  return op.kind === 'read' || op.kind === 'syncRead' ? `= ${quote(r.value)} v${r.version}` : `ok v=${r.version}`;
}

function label(op: RegisterOp): string {
  const text = `#${op.id} c${op.client} s${op.server ?? '-'} ${describe(op)}`;
  return text.length > LABEL_CHARS_MAX ? `${text.slice(0, LABEL_CHARS_MAX - 2)}..` : text;
}

interface Axis {
  readonly t0: number;
  readonly span: number;
  readonly width: number;
}

function col(a: Axis, t: number): number {
  return Math.min(a.width - 1, Math.max(0, Math.round(((t - a.t0) / a.span) * (a.width - 1))));
}

function bar(a: Axis, op: RegisterOp): string {
  const chars = new Array<string>(a.width).fill(' ');
  const from = col(a, op.invokedAt);
  const to = op.completedAt === null ? a.width - 1 : col(a, op.completedAt);
  for (let i = from; i <= to; i++) chars[i] = op.completedAt === null ? '-' : '=';
  chars[from] = '|';
  chars[to] = op.completedAt === null ? '?' : '|';
  return chars.join('');
}

function axisLine(a: Axis): string {
  const chars = new Array<string>(a.width + 8).fill(' ');
  for (let p = 0; p < a.width; p += TICK_EVERY_COLS) {
    const text = ms(a.t0 + (p / (a.width - 1)) * a.span);
    if (p + text.length > chars.length) break;
    for (let i = 0; i < text.length; i++) chars[p + i] = text[i]!;
  }
  return chars.join('').trimEnd();
}

function wrap(prefix: string, items: readonly string[]): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const item of items) {
    if (line.length + item.length + 1 > LINE_CHARS_MAX && line !== prefix) {
      lines.push(line);
      line = ' '.repeat(prefix.length);
    }
    line += ` ${item}`;
  }
  lines.push(line);
  return lines;
}

function witnessLines(x: TimelineExtras): string[] {
  if (x.witness === undefined) return [];
  const steps = x.witness.map((s) => (s.kind === 'bad' ? `#${s.opId}(saw v${s.versionAfter})` : `#${s.opId}->v${s.versionAfter}`));
  const scope = x.witnessScope === undefined ? '' : ` (${x.witnessScope})`;
  return wrap(`witness order${scope}:`, steps.length === 0 ? ['(none)'] : steps);
}

/** The timeline of `ops` (any order) on a `width`-column time axis. */
export function renderTimeline(ops: readonly RegisterOp[], width = 60, extras: TimelineExtras = {}): string {
  if (ops.length === 0) return '(no ops)';
  const sorted = [...ops].sort((a, b) => a.invokedAt - b.invokedAt || a.id - b.id);
  const t0 = Math.min(...sorted.map((o) => o.invokedAt));
  const t1 = Math.max(...sorted.map((o) => Math.max(o.invokedAt, o.completedAt ?? o.invokedAt)));
  const axis: Axis = { t0, span: t1 > t0 ? t1 - t0 : 1, width: Math.max(WIDTH_MIN, Math.floor(width)) };
  const labels = sorted.map(label);
  const pad = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = [`${'t(ms)'.padStart(pad - 2)}  ${axisLine(axis)}`];
  sorted.forEach((op, i) => {
    const when = `[${ms(op.invokedAt)}-${op.completedAt === null ? '' : ms(op.completedAt)}]`;
    lines.push(`${labels[i]!.padEnd(pad)}${bar(axis, op)}  ${answer(op)}  ${when}`.trimEnd());
  });
  lines.push(...witnessLines(extras));
  for (const note of extras.notes ?? []) lines.push(note);
  return lines.join('\n');
}
