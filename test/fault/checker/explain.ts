// One-sentence explanations of search failures, built from where the deepest attempt got stuck.
import { doneAt, isRead, type RegisterOp } from './history.js';
import type { PinSource } from './problem.js';
import type { Shrunk } from './shrink.js';
import type { StuckPoint } from './wgl.js';

const ms = (t: number): string => `${t.toFixed(1)} ms`;

function ids(ops: readonly RegisterOp[], one: string, many: string): string {
  return `${ops.length === 1 ? one : many} ${ops.map((o) => `#${o.id}`).join(', ')}`;
}

function range(s: StuckPoint): string {
  return s.reachable === s.version ? `${s.version}` : `${s.version}..${s.reachable}`;
}

function stuckDetail(s: StuckPoint, byId: ReadonlyMap<number, RegisterOp>, pins: readonly PinSource[]): string {
  const op = byId.get(s.opId);
  const name = op === undefined ? `#${s.opId}` : `${op.kind} #${s.opId}`;
  const pin = pins.find((p) => p.writerId === s.opId && p.deadline === s.deadline && (op === undefined || s.deadline < doneAt(op)));
  const due = `had to take effect by ${ms(s.deadline)}${pin === undefined ? '' : ` (when read #${pin.readId} saw it)`}`;
  if (s.kind === 'bad') return `${name} (expecting v${s.opVersion}, answered BADVERSION) ${due}, but the version was ${s.opVersion} whenever it could have`;
  if (s.version >= s.opVersion) {
    const after = s.producerId === null ? '' : ` (after #${s.producerId}${byId.has(s.producerId) ? '' : ', not shown'})`;
    return `${name} (producing v${s.opVersion}) ${due}, but by then the version was already ${s.version}${after}`;
  }
  return `${name} (producing v${s.opVersion}) ${due}, but nothing that can come before it brings the version to ${s.opVersion - 1} (it can only be ${range(s)})`;
}

function lateNote(late: readonly number[]): string {
  if (late.length === 0) return '';
  return `; unknown op${late.length > 1 ? 's' : ''} ${late.map((i) => `#${i}`).join(', ')} could have filled in, but ${late.length > 1 ? 'were' : 'was'} invoked too late`;
}

/** The message for a shrunk failure of the write search (not-linearizable) or of the read-pinned search. */
export function searchFailureMessage(kind: 'not-linearizable' | 'impossible-read', shrunk: Shrunk, pins: readonly PinSource[]): string {
  const byId = new Map(shrunk.ops.map((o) => [o.id, o]));
  const detail = shrunk.stuck === null ? 'no order agrees with real time and their answers' : stuckDetail(shrunk.stuck, byId, pins);
  const late = lateNote(shrunk.lateUnknowns);
  if (kind === 'not-linearizable') return `${ids(shrunk.ops, 'op', 'ops')} cannot be linearized: ${detail}${late}`;
  const reads = shrunk.ops.filter(isRead);
  const writes = shrunk.ops.filter((o) => !isRead(o));
  const saw = reads.length === 1 ? 'saw a state' : 'saw states';
  return `${ids(reads, 'read', 'reads')} ${saw} that no linearization of ${ids(writes, 'op', 'ops')} produces: ${detail}${late}`;
}

export const HIDDEN_OPS_NOTE = 'they still count, weakened: a version they produced may appear at any time, an unknown write may take effect at any time after its invocation.';
