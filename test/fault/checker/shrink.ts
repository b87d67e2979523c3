// Shrinks a failing history of one key to a small sub-history that still fails, for a person to read.
//
// 1. The shortest failing prefix by time. Cutting at time t drops ops invoked after t and turns ops still
//    pending at t into unknown ones. That is sound: in any linearization of the whole history, every op
//    answered by t precedes every op invoked after t, so removing the latter leaves no gap before an op
//    whose answer still counts. Failure is monotone in t, so a binary search finds the cut.
// 2. Deleting ops while the rest still fails (chunks, halved down to single ops). Deleted ops are not
//    forgotten but weakened (see problem.ts): a deleted acknowledged write frees its version, a deleted
//    unknown write stays as an anonymous bump. So a deleted write can make versions "skip" in what is
//    shown, and the shrunk history still proves the full one fails rather than failing for lack of the
//    ops that were cut away.
// 3. Hidden unknown ops that would have fixed the history had they been invoked early enough are shown
//    again: they are the "could this unknown write be the missing one?" answer a reader will look for.
import { doneAt, isDefinite, isMutation, isRead, type RegisterOp } from './history.js';
import { buildProblem, pinsFrom, SearchOpCache, type PinSource } from './problem.js';
import { searchLinearization, type SearchResult, type StuckPoint, type WitnessStep } from './wgl.js';

export interface ShrinkTask {
  readonly initialVersion: number;
  /** The failing ops of one key (mutations, and the reads when their pins are part of the failure). */
  readonly ops: readonly RegisterOp[];
  readonly pinSources: readonly PinSource[];
  readonly stepBudget: number;
  /** performance.now() after which shrinking stops with what it has. */
  readonly deadlineMs: number;
}

export interface Shrunk {
  /** The ops to show, as recorded (not as weakened by the cut). */
  readonly ops: RegisterOp[];
  readonly stuck: StuckPoint | null;
  readonly witness: WitnessStep[] | null;
  readonly witnessScope: string | undefined;
  /** Ops of the failing history that are not shown. */
  readonly omitted: number;
  /** Shown unknown ops that would have fixed the history had they been invoked early enough. */
  readonly lateUnknowns: number[];
  readonly finished: boolean;
  readonly steps: number;
}

/** Searches spent looking for hidden unknown ops worth showing; and how many of them are shown. */
export const RELEVANCE_PROBES_MAX = 200;
export const RELEVANT_UNKNOWN_MAX = 3;

function asUnknown(op: RegisterOp): RegisterOp {
  const { result: _result, ...rest } = op;
  return { ...rest, outcome: 'unknown', completedAt: null, error: 'pending at the cut' };
}

/** The history as known at time t: later invocations dropped, pending mutations unknown. */
export function cutAt(ops: readonly RegisterOp[], t: number): RegisterOp[] {
  const out: RegisterOp[] = [];
  for (const op of ops) {
    if (op.invokedAt > t) continue;
    if (op.completedAt === null || op.completedAt <= t) out.push(op);
    else if (op.outcome === 'ok' && isMutation(op)) out.push(asUnknown(op));
  }
  return out;
}

class Probe {
  steps = 0;
  private readonly cache = new SearchOpCache();

  constructor(private readonly task: ShrinkTask) {}

  run(visible: readonly RegisterOp[], hidden: readonly RegisterOp[]): SearchResult {
    const reads = new Set(visible.filter(isRead).map((o) => o.id));
    const pins = pinsFrom(this.task.pinSources, reads);
    const r = searchLinearization(buildProblem(this.task.initialVersion, visible, hidden, pins, this.cache), { stepBudget: this.task.stepBudget });
    this.steps += r.steps;
    return r;
  }

  fails(visible: readonly RegisterOp[], hidden: readonly RegisterOp[]): boolean {
    return this.run(visible, hidden).outcome === 'fail';
  }

  get expired(): boolean {
    return performance.now() > this.task.deadlineMs;
  }
}

function answerTimes(ops: readonly RegisterOp[]): number[] {
  const times = new Set<number>();
  for (const op of ops) if (isDefinite(op)) times.add(doneAt(op));
  return [...times].sort((a, b) => a - b);
}

function shortestFailingCut(ops: readonly RegisterOp[], probe: Probe): RegisterOp[] {
  const times = answerTimes(ops);
  if (times.length === 0) return [...ops];
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi && !probe.expired) {
    const mid = (lo + hi) >> 1;
    if (probe.fails(cutAt(ops, times[mid]!), [])) hi = mid;
    else lo = mid + 1;
  }
  return cutAt(ops, times[hi]!);
}

/** Ops that cannot change the outcome wherever they are: unpinned unknown mutations, reads that pin nothing. */
function neutral(op: RegisterOp, pinned: ReadonlySet<number>, pinning: ReadonlySet<number>): boolean {
  if (isRead(op)) return !pinning.has(op.id);
  return op.outcome === 'unknown' && !pinned.has(op.id);
}

function removeChunks(start: RegisterOp[], hidden: RegisterOp[], probe: Probe): [RegisterOp[], RegisterOp[], boolean] {
  let keep = start;
  let gone = hidden;
  for (let chunk = Math.max(1, Math.ceil(keep.length / 2)); ; chunk = Math.ceil(chunk / 2)) {
    for (let i = 0; i < keep.length; ) {
      if (probe.expired) return [keep, gone, false];
      const removed = keep.slice(i, i + chunk);
      const trial = keep.slice(0, i).concat(keep.slice(i + chunk));
      if (trial.length > 0 && probe.fails(trial, gone.concat(removed))) {
        keep = trial;
        gone = gone.concat(removed);
      } else {
        i += chunk;
      }
    }
    if (chunk === 1) return [keep, gone, true];
  }
}

/**
 * Unknown mutations (hidden, or cut away for being invoked too late) that would make the history pass had
 * they been invoked at the start: the nearest ones in time to `ref` first.
 */
function relevantUnknowns(visible: readonly RegisterOp[], hidden: readonly RegisterOp[], later: readonly RegisterOp[],
  probe: Probe, ref: number): RegisterOp[] {
  const candidates = hidden.concat(later).filter((o) => o.outcome === 'unknown' && isMutation(o))
    .sort((a, b) => Math.abs(a.invokedAt - ref) - Math.abs(b.invokedAt - ref) || a.id - b.id);
  const out: RegisterOp[] = [];
  for (const u of candidates.slice(0, RELEVANCE_PROBES_MAX)) {
    if (out.length >= RELEVANT_UNKNOWN_MAX || probe.expired) break;
    const early = { ...u, invokedAt: Number.NEGATIVE_INFINITY };
    if (!probe.fails(visible, hidden.filter((h) => h !== u).concat(early))) out.push(u);
  }
  return out;
}

/** The linearization of the longest prefix of `visible` that has one, for the timeline. */
function prefixWitness(visible: readonly RegisterOp[], hidden: readonly RegisterOp[], probe: Probe): [WitnessStep[], string] | null {
  const times = answerTimes(visible);
  let best: [WitnessStep[], string] | null = null;
  let lo = 0;
  let hi = times.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = probe.run(cutAt(visible, times[mid]!), hidden);
    if (r.outcome === 'ok') {
      best = [r.witness, `ops answered by ${times[mid]!.toFixed(1)} ms; other ops omitted`];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** Shrinks `task.ops`, which must fail the search with no hidden ops. */
export function shrinkFailure(task: ShrinkTask): Shrunk {
  const probe = new Probe(task);
  const cut = shortestFailingCut(task.ops, probe);
  const pinning = new Set(task.pinSources.map((p) => p.readId));
  const inCut = new Set(cut.filter(isRead).map((o) => o.id));
  const pinned = new Set(task.pinSources.filter((p) => inCut.has(p.readId)).map((p) => p.writerId));
  const useful = cut.filter((o) => isDefinite(o) || o.outcome === 'unknown');
  const start = useful.filter((o) => !neutral(o, pinned, pinning));
  const [visible, hidden, finished] = removeChunks(start, useful.filter((o) => neutral(o, pinned, pinning)), probe);
  const final = probe.run(visible, hidden);
  const ref = final.stuck?.deadline ?? Math.max(...visible.map((o) => o.completedAt ?? o.invokedAt));
  const inCutIds = new Set(cut.map((o) => o.id));
  const later = task.ops.filter((o) => !inCutIds.has(o.id));
  const extra = Number.isFinite(ref) ? relevantUnknowns(visible, hidden, later, probe, ref) : [];
  const shown = visible.concat(extra);
  const w = prefixWitness(shown, hidden.filter((h) => !extra.includes(h)), probe);
  const ids = new Set(shown.map((o) => o.id));
  const original = new Map(task.ops.map((o) => [o.id, o]));
  return {
    ops: [...ids].map((id) => original.get(id)!),
    stuck: final.stuck,
    witness: w === null ? null : w[0].filter((s) => ids.has(s.opId)),
    witnessScope: w?.[1],
    omitted: task.ops.length - ids.size,
    lateUnknowns: extra.map((o) => o.id),
    finished,
    steps: probe.steps,
  };
}
