// The read checks that need no search. Plain reads in ZooKeeper are not linearizable (a follower may lag),
// so they are held to weaker rules:
//   - a read returns a state that existed: the initial state, or the value of a write/cas that may have
//     taken effect, with the version that write produced. What cannot be decided here becomes a pin (the
//     write took effect, at that version, before the read completed) that the search must honour;
//   - not from the future: the write it saw was invoked before the read completed;
//   - per client, the versions it observes never go down in program order, and in particular never below
//     its own acknowledged writes (reported apart as stale-own-write);
//   - a syncRead is at least as new as every acknowledged write that completed before it was invoked.
import { byInvocation, doneAt, isMutation, isRead, type RegisterOp, type RegisterState } from './history.js';
import { isInconsistentCas, type PinSource } from './problem.js';
import { makeViolation, type ViolationList } from './violation.js';

const ms = (t: number): string => `${t.toFixed(1)} ms`;

function observed(op: RegisterOp): number | null {
  if (op.outcome !== 'ok' || isInconsistentCas(op)) return null;
  return op.result!.version;
}

/** Why the read cannot have seen writer `w`, or null when it may have (then it pins w). */
function writerProblem(r: RegisterOp, w: RegisterOp): string | null {
  const seen = r.result!;
  if (w.outcome === 'fail') return `${r.kind} #${r.id} saw the value of ${w.kind} #${w.id}, which failed with ${w.error ?? 'an error'} and so never took effect`;
  if (w.outcome === 'ok' && w.result!.version !== seen.version) {
    return `${r.kind} #${r.id} saw the value of ${w.kind} #${w.id} at version ${seen.version}, but #${w.id} produced version ${w.result!.version}`;
  }
  if (w.kind === 'cas' && seen.version !== w.expectedVersion! + 1) {
    return `${r.kind} #${r.id} saw the value of cas #${w.id} at version ${seen.version}, but a cas expecting v${w.expectedVersion} can only produce v${w.expectedVersion! + 1}`;
  }
  return null;
}

function checkOneRead(key: string, initial: RegisterState, r: RegisterOp, writer: RegisterOp | undefined,
  out: ViolationList, pins: PinSource[]): void {
  const seen = r.result!;
  if (seen.value === initial.value && seen.version === initial.version) return;
  if (writer === undefined) {
    const what = seen.value === initial.value ? `the initial value at version ${seen.version} (the initial version is ${initial.version})` : `value ${JSON.stringify(seen.value)}, which no op wrote to ${key}`;
    out.add(makeViolation('impossible-read', key, `${r.kind} #${r.id} saw ${what}`, [r]));
    return;
  }
  if (writer.invokedAt > doneAt(r)) {
    const msg = `${r.kind} #${r.id} saw the value of ${writer.kind} #${writer.id}, which was invoked at ${ms(writer.invokedAt)}, after the read completed at ${ms(doneAt(r))}`;
    out.add(makeViolation('future-read', key, msg, [writer, r]));
    return;
  }
  const problem = writerProblem(r, writer);
  if (problem !== null) {
    out.add(makeViolation('impossible-read', key, problem, [writer, r]));
    return;
  }
  if (!isInconsistentCas(writer)) pins.push({ readId: r.id, writerId: writer.id, version: seen.version, deadline: doneAt(r) });
}

/** Two reads that saw one write at different versions cannot both be right; their pins are dropped. */
function dropConflictingPins(key: string, pins: PinSource[], byId: ReadonlyMap<number, RegisterOp>, out: ViolationList): PinSource[] {
  const first = new Map<number, PinSource>();
  const conflicted = new Set<number>();
  for (const p of pins) {
    const f = first.get(p.writerId);
    if (f === undefined) first.set(p.writerId, p);
    else if (f.version !== p.version && !conflicted.has(p.writerId)) {
      conflicted.add(p.writerId);
      const msg = `reads #${f.readId} and #${p.readId} saw the value of #${p.writerId} at different versions (${f.version} and ${p.version})`;
      out.add(makeViolation('impossible-read', key, msg, [byId.get(p.writerId)!, byId.get(f.readId)!, byId.get(p.readId)!]));
    }
  }
  return pins.filter((p) => !conflicted.has(p.writerId));
}

/** Checks each ok read against the writes of its key; returns the pins the search must honour. */
export function analyseReads(key: string, initial: RegisterState, ops: readonly RegisterOp[], out: ViolationList): PinSource[] {
  const writers = new Map<string, RegisterOp>();
  const byId = new Map<number, RegisterOp>();
  for (const op of ops) {
    byId.set(op.id, op);
    if (isMutation(op)) writers.set(op.value!, op);
  }
  const pins: PinSource[] = [];
  for (const r of ops) {
    if (isRead(r) && r.outcome === 'ok') checkOneRead(key, initial, r, writers.get(r.result!.value), out, pins);
  }
  return dropConflictingPins(key, pins, byId, out);
}

interface Seen {
  readonly version: number;
  readonly op: RegisterOp;
}

function checkClient(key: string, ops: readonly RegisterOp[], out: ViolationList): void {
  let high: Seen | null = null;
  let own: Seen | null = null;
  for (const op of ops) {
    const v = observed(op);
    if (v === null) continue;
    if (isRead(op)) {
      if (own !== null && v < own.version) {
        const msg = `client ${op.client}'s ${op.kind} #${op.id} saw version ${v} after its own ${own.op.kind} #${own.op.id} had completed with version ${own.version}`;
        out.add(makeViolation('stale-own-write', key, msg, [own.op, op]));
      } else if (high !== null && v < high.version) {
        const msg = `client ${op.client}'s ${op.kind} #${op.id} saw version ${v} after its earlier ${high.op.kind} #${high.op.id} had seen version ${high.version}`;
        out.add(makeViolation('non-monotonic-read', key, msg, [high.op, op]));
      }
    } else {
      if (high !== null && v < high.version && isRead(high.op)) {
        const msg = `client ${op.client}'s ${op.kind} #${op.id} produced version ${v} after its earlier ${high.op.kind} #${high.op.id} had seen version ${high.version}`;
        out.add(makeViolation('non-monotonic-read', key, msg, [high.op, op]));
      }
      if (own === null || v > own.version) own = { version: v, op };
    }
    if (high === null || v > high.version) high = { version: v, op };
  }
}

function checkSyncReads(key: string, ops: readonly RegisterOp[], out: ViolationList): void {
  const acked = ops.filter((o) => isMutation(o) && observed(o) !== null).sort((a, b) => doneAt(a) - doneAt(b));
  const newest: RegisterOp[] = [];
  for (const w of acked) {
    const prev = newest[newest.length - 1];
    newest.push(prev !== undefined && prev.result!.version >= w.result!.version ? prev : w);
  }
  for (const r of ops) {
    if (r.kind !== 'syncRead' || r.outcome !== 'ok') continue;
    let lo = 0;
    let hi = acked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (doneAt(acked[mid]!) < r.invokedAt) lo = mid + 1;
      else hi = mid;
    }
    const w = lo > 0 ? newest[lo - 1]! : undefined;
    if (w === undefined || r.result!.version >= w.result!.version) continue;
    const msg = `syncRead #${r.id} saw version ${r.result!.version}, older than version ${w.result!.version} of ${w.kind} #${w.id}, which completed at ${ms(doneAt(w))} before the sync began at ${ms(r.invokedAt)}`;
    out.add(makeViolation('stale-sync-read', key, msg, [w, r]));
  }
}

/** Per-client monotonic reads and read-your-writes, and syncRead freshness, for one key's ops. */
export function checkReadOrder(key: string, ops: readonly RegisterOp[], out: ViolationList): void {
  const byClient = new Map<number, RegisterOp[]>();
  for (const op of ops) {
    let list = byClient.get(op.client);
    if (list === undefined) byClient.set(op.client, (list = []));
    list.push(op);
  }
  for (const list of byClient.values()) checkClient(key, list.sort(byInvocation), out);
  checkSyncReads(key, ops, out);
}
