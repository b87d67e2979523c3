// The linearizability search (Wing & Gong, with Lowe's just-in-time linearization and memoization).
//
// Required ops (set, bad) live in a doubly linked list of call and return entries sorted by time. An op is
// eligible while its call entry comes before the first return entry left in the list: linearizing it there
// keeps real-time order. A step linearizes one eligible op whose answer the model allows in the current
// state and lifts its entries out of the list; reaching a return entry means an op's deadline passed
// unlinearized, so the search backtracks. Optional ops (bump, bumpAt) have no return entry and may simply be
// left out: the search succeeds once every required op is linearized. Configurations already explored
// (the set of linearized ops plus the state) are remembered and never explored again.
//
// The state is a version `c`: the lowest version the register can be at. Free versions (from hidden ops,
// see problem.ts) can be stepped over at any time, so every version in [c, top(c)] is reachable, where
// top(c) is the end of the run of free versions above c. With no free versions top(c) = c.
//
// Domain knowledge keeps the branching small. Each rule is a dominance argument: if any linearization
// extends the current configuration, one extends it through the move chosen.
//  1. A bad(e) legal now (c != e) is taken at once: it changes nothing, and moving a no-op earlier never
//     breaks real-time order (everything it must follow is linearized already, or it would not be eligible).
//  2. Then a set(v) with v = c+1 is taken at once: any other linearization must keep the version at c until
//     v is produced, so the ops it places first are bads legal at c, all already taken by rule 1.
//  3. Unknown writes are interchangeable except for their invocation times (no read saw their values, they
//     have no deadline). If a linearization uses a later-invoked one while an earlier-invoked one is unused or
//     used later, exchanging the two is still a linearization: the earlier-invoked one can take the earlier
//     place (it was invoked even sooner, so real time allows it), and the later-invoked one the later place,
//     or none; neither has a completion that could order anything after it. So only the earliest unused one
//     is ever tried.
//  4. At most one unknown cas per expected version e can ever apply (versions only grow), and the
//     earliest-invoked of them is eligible whenever any is, so only that one is kept; and when it reaches the
//     same version as rule 3's unknown write, it is preferred: using it leaves the write available.
// With no free versions (the main check) a configuration with no forced move allows only unknown ops to
// change the version, and rules 3 and 4 leave one of them: the search never branches and runs in time about
// linear in the history (times the number of concurrent ops). Branching only appears while shrinking.
// test/unit/lincheck-bruteforce.test.ts checks all of this against exhaustive enumeration.
import type { SearchOp, SearchOpKind, SearchProblem } from './problem.js';

export interface SearchOptions {
  readonly stepBudget: number;
}

export interface WitnessStep {
  readonly opId: number;
  readonly kind: SearchOpKind;
  /** The version once this op took effect (bad: the version it saw). */
  readonly versionAfter: number;
}

/** Where the deepest failed attempt ended: `opId` had to take effect but could not. */
export interface StuckPoint {
  readonly opId: number;
  readonly kind: SearchOpKind;
  /** set: the version it produces; bad: the version it must not see. */
  readonly opVersion: number;
  readonly deadline: number;
  /** The lowest version the register could be at when the op was due, and the highest it could reach. */
  readonly version: number;
  readonly reachable: number;
  /** The op that produced `version`, or null for the initial or a free version. */
  readonly producerId: number | null;
  readonly linearized: number;
}

export interface SearchResult {
  readonly outcome: 'ok' | 'fail' | 'budget';
  readonly steps: number;
  /** ok: the linearization found (optional ops left out are not listed). */
  readonly witness: WitnessStep[];
  readonly stuck: StuckPoint | null;
}

/** Remembered configurations per search; past this the search goes on without remembering more. */
export const SEARCH_CACHE_ENTRIES_MAX = 1_000_000;

interface Move {
  readonly op: SearchOp;
  /** Index in the required list (req moves only), else -1. */
  readonly req: number;
  readonly to: number;
}

interface Frame {
  readonly move: Move;
  readonly prevState: number;
  readonly prevMaxLin: number;
  readonly forced: boolean;
  readonly choice: number;
}

interface Window {
  readonly calls: number[];
  /** Time of the first return entry left: ops invoked after it must wait. */
  readonly limit: number;
  readonly blocker: number;
}

function byInvocation(a: SearchOp, b: SearchOp): number {
  return a.invokedAt - b.invokedAt || a.opId - b.opId;
}

/** top(c) for every c, from the free versions: the end of the run of free versions above c. */
function freeRunTops(initial: number, free: ReadonlySet<number>): (c: number) => number {
  if (free.size === 0) return (c) => c;
  let hi = initial;
  for (const v of free) hi = Math.max(hi, v);
  const tops = new Int32Array(hi - initial + 2);
  for (let c = hi + 1; c >= initial; c--) {
    tops[c - initial] = free.has(c + 1) ? tops[c + 1 - initial]! : c;
  }
  return (c) => (c >= initial && c <= hi + 1 ? tops[c - initial]! : c);
}

class Search {
  private readonly req: SearchOp[];
  private readonly bumps: SearchOp[];
  private readonly bumpAt = new Map<number, SearchOp>();
  private readonly bumpAtUsed = new Set<number>();
  private readonly top: (c: number) => number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly entryReq: Int32Array;
  private readonly entryTime: Float64Array;
  private readonly linearized: Uint8Array;
  private readonly head: number;
  private readonly tail: number;
  private readonly stack: Frame[] = [];
  private readonly cache = new Set<string>();
  private state: number;
  private remaining: number;
  private bumpsUsed = 0;
  private maxLin = -1;
  steps = 0;
  stuck: StuckPoint | null = null;

  constructor(p: SearchProblem) {
    this.req = p.ops.filter((o) => o.kind === 'set' || o.kind === 'bad').sort(byInvocation);
    this.bumps = p.ops.filter((o) => o.kind === 'bump').sort(byInvocation);
    for (const o of p.ops.filter((x) => x.kind === 'bumpAt').sort(byInvocation)) {
      if (!this.bumpAt.has(o.version)) this.bumpAt.set(o.version, o);
    }
    this.top = freeRunTops(p.initialVersion, p.freeVersions);
    this.state = p.initialVersion;
    this.remaining = this.req.length;
    const n = this.req.length * 2;
    this.head = n;
    this.tail = n + 1;
    this.next = new Int32Array(n + 2);
    this.prev = new Int32Array(n + 2);
    this.entryReq = new Int32Array(n);
    this.entryTime = new Float64Array(n);
    this.linearized = new Uint8Array(this.req.length);
    this.linkEntries();
  }

  /** Entry 2i is op i's call, 2i+1 its return; at equal times calls come first (the ops overlap). */
  private linkEntries(): void {
    const order: number[] = [];
    this.req.forEach((op, i) => {
      this.entryReq[2 * i] = i;
      this.entryReq[2 * i + 1] = i;
      this.entryTime[2 * i] = op.invokedAt;
      this.entryTime[2 * i + 1] = op.deadline;
      order.push(2 * i, 2 * i + 1);
    });
    order.sort((a, b) => this.entryTime[a]! - this.entryTime[b]! || (a & 1) - (b & 1) || a - b);
    let last = this.head;
    for (const e of order) {
      this.next[last] = e;
      this.prev[e] = last;
      last = e;
    }
    this.next[last] = this.tail;
    this.prev[this.tail] = last;
  }

  run(stepBudget: number): SearchResult {
    let resume = 0;
    for (;;) {
      if (this.remaining === 0) return this.result('ok');
      if (++this.steps > stepBudget) return this.result('budget');
      const w = this.window();
      if (resume === 0) {
        const i = this.forced(w.calls);
        if (i >= 0) {
          const op = this.req[i]!;
          this.apply({ op, req: i, to: op.kind === 'bad' ? this.state : op.version }, true, 0);
          continue;
        }
      }
      const moves = this.candidates(w);
      let moved = false;
      for (let j = resume; j < moves.length && !moved; j++) moved = this.tryMove(moves[j]!, j);
      resume = 0;
      if (moved) continue;
      this.noteStuck(w);
      resume = this.backtrack();
      if (resume < 0) return this.result('fail');
    }
  }

  private result(outcome: SearchResult['outcome']): SearchResult {
    const witness = outcome !== 'ok' ? [] : this.stack.map((f) => ({ opId: f.move.op.opId, kind: f.move.op.kind, versionAfter: f.move.to }));
    return { outcome, steps: this.steps, witness, stuck: outcome === 'fail' ? this.stuck : null };
  }

  private window(): Window {
    const calls: number[] = [];
    let e = this.next[this.head]!;
    while (e !== this.tail && (e & 1) === 0) {
      calls.push(this.entryReq[e]!);
      e = this.next[e]!;
    }
    if (e === this.tail) return { calls, limit: Number.POSITIVE_INFINITY, blocker: -1 };
    return { calls, limit: this.entryTime[e]!, blocker: this.entryReq[e]! };
  }

  /** Rules 1 and 2: a no-op bad first, else a set producing the very next version. */
  private forced(calls: readonly number[]): number {
    let set = -1;
    for (const i of calls) {
      const op = this.req[i]!;
      if (op.kind === 'bad') {
        if (op.version !== this.state) return i;
      } else if (set < 0 && op.version === this.state + 1) {
        set = i;
      }
    }
    return set;
  }

  /** Every other move, in a fixed order (backtracking resumes by index). */
  private candidates(w: Window): Move[] {
    const c = this.state;
    const top = this.top(c);
    const out: Move[] = [];
    if (top > c) {
      for (const i of w.calls) {
        const op = this.req[i]!;
        if (op.kind === 'set' && op.version - 1 > c && op.version - 1 <= top) out.push({ op, req: i, to: op.version });
        else if (op.kind === 'bad' && op.version === c) out.push({ op, req: i, to: c + 1 });
      }
    }
    let coversBump = false;
    for (const e of this.bumpAtVersions(c, top)) {
      const op = this.bumpAt.get(e)!;
      if (this.bumpAtUsed.has(e) || op.invokedAt > w.limit) continue;
      out.push({ op, req: -1, to: e + 1 });
      if (e === top) coversBump = true;
    }
    const bump = this.bumps[this.bumpsUsed];
    if (!coversBump && bump !== undefined && bump.invokedAt <= w.limit) out.push({ op: bump, req: -1, to: top + 1 });
    return out;
  }

  private bumpAtVersions(c: number, top: number): number[] {
    if (this.bumpAt.size === 0) return [];
    if (top - c < this.bumpAt.size) {
      const vs: number[] = [];
      for (let e = c; e <= top; e++) if (this.bumpAt.has(e)) vs.push(e);
      return vs;
    }
    return [...this.bumpAt.keys()].filter((e) => e >= c && e <= top).sort((a, b) => a - b);
  }

  private tryMove(m: Move, choice: number): boolean {
    this.apply(m, false, choice);
    const key = this.configKey();
    if (this.cache.has(key)) {
      this.undo(this.stack.pop()!);
      return false;
    }
    if (this.cache.size < SEARCH_CACHE_ENTRIES_MAX) this.cache.add(key);
    return true;
  }

  private apply(m: Move, forced: boolean, choice: number): void {
    this.stack.push({ move: m, prevState: this.state, prevMaxLin: this.maxLin, forced, choice });
    if (m.req >= 0) {
      this.lift(2 * m.req);
      this.lift(2 * m.req + 1);
      this.linearized[m.req] = 1;
      this.remaining--;
      if (m.req > this.maxLin) this.maxLin = m.req;
    } else if (m.op.kind === 'bump') {
      this.bumpsUsed++;
    } else {
      this.bumpAtUsed.add(m.op.version);
    }
    this.state = m.to;
  }

  private undo(f: Frame): void {
    const m = f.move;
    if (m.req >= 0) {
      this.unlift(2 * m.req + 1);
      this.unlift(2 * m.req);
      this.linearized[m.req] = 0;
      this.remaining++;
    } else if (m.op.kind === 'bump') {
      this.bumpsUsed--;
    } else {
      this.bumpAtUsed.delete(m.op.version);
    }
    this.state = f.prevState;
    this.maxLin = f.prevMaxLin;
  }

  /** Pops forced moves (they have no alternative) up to the last choice; the next choice to try, or -1. */
  private backtrack(): number {
    for (let f = this.stack.pop(); f !== undefined; f = this.stack.pop()) {
      this.undo(f);
      if (!f.forced) return f.choice + 1;
    }
    return -1;
  }

  /**
   * The configuration, canonically: the state, how many unknown writes were used (rule 3 makes them a
   * prefix), and the linearized required ops as "all before the first unlinearized one" plus the few after
   * it. Used unknown cas need no entry: each one used has an expected version below the state, and so has
   * each one that can no longer be used.
   */
  private configKey(): string {
    const first = this.next[this.head]!;
    const f = first === this.tail ? this.req.length : this.entryReq[first]!;
    let key = `${this.state}|${this.bumpsUsed}|${f}`;
    for (let i = f + 1; i <= this.maxLin; i++) if (this.linearized[i] === 1) key += `,${i}`;
    return key;
  }

  private noteStuck(w: Window): void {
    const done = this.req.length - this.remaining;
    if (w.blocker < 0) return;
    const op = this.req[w.blocker]!;
    // The deepest dead end, and among equally deep ones the lowest version: the most telling one.
    const s = this.stuck;
    if (s !== null && (s.linearized > done || (s.linearized === done && (s.opId !== op.opId || s.version <= this.state)))) return;
    this.stuck = {
      opId: op.opId, kind: op.kind, opVersion: op.version, deadline: op.deadline,
      version: this.state, reachable: this.top(this.state), producerId: this.producer(), linearized: done,
    };
  }

  private producer(): number | null {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const m = this.stack[i]!.move;
      if (m.to === this.state && m.op.kind !== 'bad') return m.op.opId;
      if (m.to !== this.state) return null;
    }
    return null;
  }

  private lift(e: number): void {
    this.next[this.prev[e]!] = this.next[e]!;
    this.prev[this.next[e]!] = this.prev[e]!;
  }

  private unlift(e: number): void {
    this.next[this.prev[e]!] = e;
    this.prev[this.next[e]!] = e;
  }
}

/** Searches for a linearization of the problem's ops; `budget` when the step budget runs out first. */
export function searchLinearization(p: SearchProblem, opts: SearchOptions): SearchResult {
  return new Search(p).run(opts.stepBudget);
}
