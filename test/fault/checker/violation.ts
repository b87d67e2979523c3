// What the checker reports. A violation names the smallest set of ops it found that shows the problem, and
// carries their timeline so a person can see it without the rest of the history.
import type { RegisterOp } from './history.js';
import { renderTimeline, type TimelineExtras } from './timeline.js';

export type ViolationKind =
  | 'not-linearizable'
  | 'impossible-read'
  | 'future-read'
  | 'non-monotonic-read'
  | 'stale-own-write'
  | 'stale-sync-read';

export interface Violation {
  kind: ViolationKind;
  key: string;
  /** One sentence a person understands, naming the ops by id. */
  message: string;
  /** The minimal failing sub-history (for read checks, the ops involved). */
  ops: RegisterOp[];
  /** Text timeline of `ops`. */
  timeline: string;
}

export interface CheckResult {
  /** undecided = a search budget ran out somewhere and no violation was found. */
  verdict: 'ok' | 'violation' | 'undecided';
  keys: number;
  ops: number;
  violations: Violation[];
  undecidedKeys: string[];
  stats: { searchSteps: number; ms: number };
}

export interface CheckOptions {
  /** Search steps allowed per key before the key is undecided. */
  stepBudgetPerKey?: number;
  /** Time allowed for shrinking each failing history to a small one. */
  shrinkBudgetMs?: number;
}

export const TIMELINE_WIDTH = 60;

export function makeViolation(kind: ViolationKind, key: string, message: string, ops: readonly RegisterOp[],
  extras?: TimelineExtras): Violation {
  const sorted = [...new Set(ops)].sort((a, b) => a.invokedAt - b.invokedAt || a.id - b.id);
  return { kind, key, message, ops: sorted, timeline: renderTimeline(sorted, TIMELINE_WIDTH, extras) };
}

/** Violations of one kind kept per key: past this the same problem is usually repeating itself. */
export const VIOLATIONS_PER_KIND_PER_KEY_MAX = 5;

/** Collects a key's violations, keeping at most VIOLATIONS_PER_KIND_PER_KEY_MAX of each kind. */
export class ViolationList {
  readonly all: Violation[] = [];
  private readonly perKind = new Map<ViolationKind, number>();

  add(v: Violation): void {
    const n = this.perKind.get(v.kind) ?? 0;
    if (n >= VIOLATIONS_PER_KIND_PER_KEY_MAX) return;
    this.perKind.set(v.kind, n + 1);
    this.all.push(v);
  }

  has(kind: ViolationKind): boolean {
    return this.perKind.has(kind);
  }
}
