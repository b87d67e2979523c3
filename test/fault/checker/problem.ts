// Turns the register ops of one key into the abstract problem the linearizability search solves.
//
// The search only needs versions: every write and every applied cas adds exactly one to the version, and
// whether an op's recorded answer is legal depends on the version alone (values are unique, so they only
// tie reads to writes, and reads are checked apart from the search). Each op becomes one of:
//   set(v)     an op that must take effect producing version v: an ok write/cas (v = result.version), or an
//              unknown write/cas that a read observed at v. Legal exactly when the version is v-1.
//   bad(e)     a cas answered BADVERSION: legal when the version is not e; changes nothing.
//   bump       an unknown write no read observed: may add one to the version at any time after its
//              invocation, or never take effect.
//   bumpAt(e)  an unknown cas no read observed: may take effect only while the version is e.
// set and bad have a deadline (the op's answer, or the earliest read that saw it) before which they must
// be linearized; bump and bumpAt never have to be.
//
// For shrinking, ops can also be hidden: removed from what a person sees, but kept sound. A hidden op that
// must have produced version v makes v a free version (the search may step over it at any time); a hidden
// unknown op stays in the search as an anonymous bump; hidden BADVERSION cas and reads are dropped. Each
// of these is weaker than the op it replaces, so a history that still fails with hidden ops proves the
// full history fails.
import { doneAt, isBadVersion, type RegisterOp } from './history.js';

export type SearchOpKind = 'set' | 'bad' | 'bump' | 'bumpAt';

export interface SearchOp {
  readonly opId: number;
  readonly kind: SearchOpKind;
  readonly invokedAt: number;
  /** Latest moment it may take effect; Infinity for bump/bumpAt. */
  readonly deadline: number;
  /** set: the version it produces; bad/bumpAt: the version the cas expected. */
  readonly version: number;
}

export interface SearchProblem {
  readonly initialVersion: number;
  readonly ops: readonly SearchOp[];
  /** Versions produced by hidden ops: the search may step over these at any time. */
  readonly freeVersions: ReadonlySet<number>;
}

/** What the reads say about one write: it took effect producing `version`, no later than `deadline`. */
export interface Pin {
  readonly version: number;
  readonly deadline: number;
}

/** One read's contribution to a pin (reads that failed a direct check contribute none). */
export interface PinSource {
  readonly readId: number;
  readonly writerId: number;
  readonly version: number;
  readonly deadline: number;
}

const NO_PINS: ReadonlyMap<number, Pin> = new Map();

/** Pins of the writers seen by the given reads (all sources when readIds is omitted). */
export function pinsFrom(sources: readonly PinSource[], readIds?: ReadonlySet<number>): Map<number, Pin> {
  const pins = new Map<number, Pin>();
  for (const s of sources) {
    if (readIds !== undefined && !readIds.has(s.readId)) continue;
    const prev = pins.get(s.writerId);
    if (prev === undefined || s.deadline < prev.deadline) pins.set(s.writerId, { version: s.version, deadline: s.deadline });
  }
  return pins;
}

/** An ok cas must report expectedVersion+1; one that does not can never be linearized. */
export function isInconsistentCas(op: RegisterOp): boolean {
  return op.kind === 'cas' && op.outcome === 'ok' && op.result!.version !== op.expectedVersion! + 1;
}

/** The search op for a visible register op, or null when the op constrains nothing. */
export function toSearchOp(op: RegisterOp, pin: Pin | undefined): SearchOp | null {
  if (op.kind === 'read' || op.kind === 'syncRead' || isInconsistentCas(op)) return null;
  const opId = op.id;
  const invokedAt = op.invokedAt;
  if (op.outcome === 'ok') {
    const deadline = Math.min(doneAt(op), pin?.deadline ?? Number.POSITIVE_INFINITY);
    return { opId, invokedAt, kind: 'set', deadline, version: op.result!.version };
  }
  if (isBadVersion(op)) return { opId, invokedAt, kind: 'bad', deadline: doneAt(op), version: op.expectedVersion! };
  if (op.outcome !== 'unknown') return null;
  if (pin !== undefined) return { opId, invokedAt, kind: 'set', deadline: pin.deadline, version: pin.version };
  const deadline = Number.POSITIVE_INFINITY;
  if (op.kind === 'write') return { opId, invokedAt, kind: 'bump', deadline, version: -1 };
  return { opId, invokedAt, kind: 'bumpAt', deadline, version: op.expectedVersion! };
}

/**
 * Remembers search ops across the many problems built while shrinking one history (the same op with the
 * same pin always gives the same search op).
 */
export class SearchOpCache {
  private readonly plain = new WeakMap<RegisterOp, SearchOp | null>();
  private readonly pinned = new WeakMap<RegisterOp, { pin: Pin; op: SearchOp | null }>();

  get(op: RegisterOp, pin: Pin | undefined): SearchOp | null {
    if (pin === undefined) {
      let s = this.plain.get(op);
      if (s === undefined) this.plain.set(op, (s = toSearchOp(op, undefined)));
      return s;
    }
    const hit = this.pinned.get(op);
    if (hit !== undefined && hit.pin.version === pin.version && hit.pin.deadline === pin.deadline) return hit.op;
    const s = toSearchOp(op, pin);
    this.pinned.set(op, { pin, op: s });
    return s;
  }
}

const UNCACHED: Pick<SearchOpCache, 'get'> = { get: toSearchOp };

/** The search problem for `visible` ops, with `hidden` ops weakened as described at the top. */
export function buildProblem(initialVersion: number, visible: readonly RegisterOp[], hidden: readonly RegisterOp[] = [],
  pins: ReadonlyMap<number, Pin> = NO_PINS, cache: Pick<SearchOpCache, 'get'> = UNCACHED): SearchProblem {
  const ops: SearchOp[] = [];
  const free = new Set<number>();
  for (const op of visible) {
    const s = cache.get(op, pins.get(op.id));
    if (s !== null) ops.push(s);
  }
  for (const op of hidden) {
    const s = cache.get(op, pins.get(op.id));
    if (s === null || s.kind === 'bad') continue;
    if (s.kind === 'set') free.add(s.version);
    else ops.push(s);
  }
  return { initialVersion, ops, freeVersions: free };
}
