// Synthetic register histories from a simulated ZooKeeper-like register, for the checker's own tests and
// benchmarks. Clients issue ops one at a time; each write/cas takes effect at a random instant inside its
// interval (an unknown one maybe later, after the client gave up, or never); reads return any state allowed
// by ZooKeeper's read rules (possibly stale, never older than what the client saw, syncReads at least as
// new as every acknowledged write before them). So every history generated is legal, unless a fault is
// injected (loseEffectOf). Everything comes from the seed, and the number of random draws never depends on
// the register's state, so a fault changes results but not the schedule.
import type { OpKind, RegisterHistory, RegisterOp, RegisterState } from './history.js';
import { Prng } from '../../sim/prng.js';

export interface GenerateOptions {
  readonly seed: number;
  /** Ops to invoke in total. */
  readonly ops: number;
  readonly clients: number;
  readonly keys?: number;
  /** Share of ops whose answer is lost (CONNECTIONLOSS); a lost write/cas takes effect half of the time. */
  readonly unknownRate?: number;
  /** Share of ops that fail without being sent (NOT_SENT). */
  readonly notSentRate?: number;
  /** Plain reads may return older states (still within the read rules). */
  readonly staleReads?: boolean;
  /** A write whose effect is lost although it is acknowledged (a fault the checker must catch). */
  readonly loseEffectOf?: number;
}

export interface GeneratedHistory {
  readonly history: RegisterHistory;
  /** Every write/cas that reached its linearization point, in order, and whether it changed the register. */
  readonly attempts: { opId: number; key: string; kind: OpKind; applied: boolean }[];
}

interface SimEvent {
  readonly time: number;
  readonly seq: number;
  readonly type: 'invoke' | 'lin' | 'done';
  readonly client: number;
  readonly op: RegisterOp | null;
}

/** A binary min-heap of events by (time, seq). */
class EventQueue {
  private readonly items: SimEvent[] = [];
  private seq = 0;

  push(e: Omit<SimEvent, 'seq'>): void {
    const items = this.items;
    items.push({ ...e, seq: this.seq++ });
    for (let i = items.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!EventQueue.less(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && EventQueue.less(items[l]!, items[m]!)) m = l;
      if (r < items.length && EventQueue.less(items[r]!, items[m]!)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
    return top;
  }

  private static less(a: SimEvent, b: SimEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }
}

interface KeyState {
  readonly initialVersion: number;
  version: number;
  readonly log: RegisterState[];
  /** Highest version of an acknowledged write/cas so far. */
  ackedMax: number;
}

interface OpPlan {
  readonly fate: 'ok' | 'unknown' | 'notSent';
  readonly syncBound: number;
  effect: RegisterState | 'bad' | null;
}

const KINDS: readonly OpKind[] = ['read', 'read', 'syncRead', 'write', 'write', 'cas', 'cas'];

class Simulation {
  private readonly rng: Prng;
  private readonly queue = new EventQueue();
  private readonly keys: string[];
  private readonly state = new Map<string, KeyState>();
  private readonly seen: Map<string, number>[];
  private readonly plans = new Map<number, OpPlan>();
  private readonly ops: RegisterOp[] = [];
  readonly attempts: GeneratedHistory['attempts'] = [];

  constructor(private readonly o: GenerateOptions) {
    this.rng = new Prng(o.seed);
    this.keys = Array.from({ length: o.keys ?? 1 }, (_, i) => `/reg/k${i}`);
    this.keys.forEach((k, i) => this.state.set(k, { initialVersion: i, version: i, log: [{ value: 'init', version: i }], ackedMax: i }));
    this.seen = Array.from({ length: o.clients }, () => new Map());
  }

  run(): GeneratedHistory {
    for (let c = 0; c < this.o.clients; c++) this.queue.push({ time: this.rng.next(), type: 'invoke', client: c, op: null });
    for (let e = this.queue.pop(); e !== undefined; e = this.queue.pop()) {
      if (e.type === 'invoke') this.invoke(e.client, e.time);
      else if (e.type === 'lin') this.linearize(e.op!);
      else this.complete(e.op!, e.time);
    }
    const initial: Record<string, RegisterState> = {};
    for (const [k, s] of this.state) initial[k] = { value: 'init', version: s.initialVersion };
    return { history: { initial, ops: this.ops }, attempts: this.attempts };
  }

  private invoke(client: number, t: number): void {
    if (this.ops.length >= this.o.ops) return;
    const r = this.rng;
    const key = this.keys[r.int(0, this.keys.length - 1)]!;
    const kind = KINDS[r.int(0, KINDS.length - 1)]!;
    const long = r.next() < 0.05;
    const dur = long ? 5 + r.next() * 15 : 0.2 + r.next() * 2.5;
    const fateDraw = r.next();
    const takesEffect = r.next() < 0.5;
    const linFrac = r.next();
    const casDelta = [-1, 0, 0, 0, 0, 1][r.int(0, 5)]!;
    const unknownRate = this.o.unknownRate ?? 0.05;
    const fate = fateDraw < unknownRate ? 'unknown' : fateDraw < unknownRate + (this.o.notSentRate ?? 0.01) ? 'notSent' : 'ok';
    const id = this.ops.length + 1;
    const op: RegisterOp = { id, client, key, kind, invokedAt: t, completedAt: null, outcome: 'unknown', server: 1 + (client % 3) };
    const st = this.state.get(key)!;
    if (kind === 'write' || kind === 'cas') op.value = `c${client}-${id}`;
    if (kind === 'cas') op.expectedVersion = Math.max(0, (this.seen[client]!.get(key) ?? st.initialVersion) + casDelta);
    this.ops.push(op);
    this.plans.set(id, { fate, syncBound: st.ackedMax, effect: null });
    if (fate === 'notSent') {
      this.queue.push({ time: t + 0.05, type: 'done', client, op });
      return;
    }
    const reaches = fate === 'ok' || (takesEffect && kind !== 'read' && kind !== 'syncRead');
    if (reaches) this.queue.push({ time: t + linFrac * dur * (fate === 'ok' ? 1 : 3), type: 'lin', client, op });
    this.queue.push({ time: t + dur, type: 'done', client, op });
  }

  private linearize(op: RegisterOp): void {
    const st = this.state.get(op.key)!;
    const plan = this.plans.get(op.id)!;
    if (op.kind === 'read' || op.kind === 'syncRead') {
      const own = this.seen[op.client]!.get(op.key) ?? st.initialVersion;
      const lo = Math.min(st.version, Math.max(own, op.kind === 'syncRead' ? plan.syncBound : st.initialVersion));
      const stale = this.rng.next() < 0.5 && this.o.staleReads !== false && op.kind === 'read';
      const pick = this.rng.int(lo, st.version);
      plan.effect = st.log[(stale ? pick : st.version) - st.initialVersion]!;
      return;
    }
    const applies = op.kind === 'write' || st.version === op.expectedVersion;
    this.attempts.push({ opId: op.id, key: op.key, kind: op.kind, applied: applies });
    if (!applies) {
      plan.effect = 'bad';
      return;
    }
    const next = { value: op.value!, version: st.version + 1 };
    plan.effect = next;
    if (op.id === this.o.loseEffectOf) return;
    st.version = next.version;
    st.log.push(next);
  }

  private complete(op: RegisterOp, t: number): void {
    const plan = this.plans.get(op.id)!;
    if (plan.fate === 'unknown') {
      op.error = 'CONNECTIONLOSS';
    } else if (plan.fate === 'notSent') {
      Object.assign(op, { outcome: 'fail', completedAt: t, error: 'NOT_SENT' });
    } else if (plan.effect === 'bad') {
      Object.assign(op, { outcome: 'fail', completedAt: t, error: 'BADVERSION' });
    } else {
      const result = { ...plan.effect! };
      Object.assign(op, { outcome: 'ok', completedAt: t, result });
      const seen = this.seen[op.client]!;
      seen.set(op.key, Math.max(seen.get(op.key) ?? 0, result.version));
      const st = this.state.get(op.key)!;
      if (op.kind === 'write' || op.kind === 'cas') st.ackedMax = Math.max(st.ackedMax, result.version);
    }
    this.queue.push({ time: t + this.rng.next() * 0.5, type: 'invoke', client: op.client, op: null });
  }
}

/** A legal (unless loseEffectOf is set) register history; the same options give the same history. */
export function generateHistory(o: GenerateOptions): GeneratedHistory {
  return new Simulation(o).run();
}
