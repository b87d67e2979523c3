// The recorded history of register operations that the fault harness hands to the checker, and the
// validation that runs before any checking: the checker trusts the shapes below once validate() passed.
// A history is per register (key); keys are independent and are checked one by one.

export type OpKind = 'read' | 'syncRead' | 'write' | 'cas';
export type Outcome = 'ok' | 'fail' | 'unknown';
export interface RegisterState {
  value: string;
  version: number;
}
export interface RegisterOp {
  /** Unique in the history. */
  id: number;
  /** The logical client (one SDK session); ops of one client never overlap in time. */
  client: number;
  /** Register name, e.g. "/reg/k3". */
  key: string;
  kind: OpKind;
  /** write/cas: the value written (values are unique across the whole history). */
  value?: string;
  /** cas: the version setData was conditioned on. */
  expectedVersion?: number;
  /** ms (float) since run start, monotonic clock. */
  invokedAt: number;
  /** When the answer came; null when outcome is 'unknown'. */
  completedAt: number | null;
  outcome: Outcome;
  /** ok read/syncRead: what it saw; ok write/cas: {value written, version after}. */
  result?: RegisterState;
  /** fail/unknown: the error code name (BADVERSION, CONNECTIONLOSS, ...). */
  error?: string;
  /** Server id the client was connected to (informational). */
  server?: number;
}
export interface RegisterHistory {
  initial: Record<string, RegisterState>;
  ops: RegisterOp[];
}

export const BADVERSION = 'BADVERSION';

/** A history the checker cannot interpret (a harness bug, not a consistency violation). */
export class HistoryFormatError extends Error {
  constructor(
    readonly opId: number | null,
    message: string,
  ) {
    super(opId === null ? message : `op #${opId}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

export function isMutation(op: RegisterOp): boolean {
  return op.kind === 'write' || op.kind === 'cas';
}

export function isRead(op: RegisterOp): boolean {
  return op.kind === 'read' || op.kind === 'syncRead';
}

/** A cas answered BADVERSION: a definite observation "the version was not expectedVersion". */
export function isBadVersion(op: RegisterOp): boolean {
  return op.kind === 'cas' && op.outcome === 'fail' && op.error === BADVERSION;
}

/** The op has an answer the checker must explain; other fails and unknown reads observed nothing. */
export function isDefinite(op: RegisterOp): boolean {
  return op.outcome === 'ok' || isBadVersion(op);
}

/** completedAt of an op with an answer (validate() guarantees it is a number then). */
export function doneAt(op: RegisterOp): number {
  return op.completedAt ?? Number.POSITIVE_INFINITY;
}

function validateOp(op: RegisterOp): void {
  const fail = (msg: string): never => {
    throw new HistoryFormatError(op.id, msg);
  };
  if (!Number.isFinite(op.invokedAt)) fail('invokedAt must be a finite number');
  if (op.outcome === 'unknown') {
    if (op.completedAt !== null) fail('an unknown outcome has completedAt null');
  } else if (op.completedAt === null || !(op.completedAt >= op.invokedAt)) {
    fail('an answered op needs completedAt >= invokedAt');
  }
  if (isMutation(op) && typeof op.value !== 'string') fail(`${op.kind} needs a value`);
  if (op.kind === 'cas' && !Number.isInteger(op.expectedVersion)) fail('cas needs an integer expectedVersion');
  if (op.outcome === 'ok') {
    if (op.result === undefined || !Number.isInteger(op.result.version)) fail('an ok op needs result {value, version}');
    if (isMutation(op) && op.result!.value !== op.value) fail('an ok write/cas reports the value it wrote');
  }
}

/** Throws HistoryFormatError on the first malformed op; returns the ops grouped by key in input order. */
export function validateHistory(h: RegisterHistory): Map<string, RegisterOp[]> {
  const ids = new Set<number>();
  const byKey = new Map<string, RegisterOp[]>();
  for (const op of h.ops) {
    if (ids.has(op.id)) throw new HistoryFormatError(op.id, 'duplicate op id');
    ids.add(op.id);
    validateOp(op);
    const initial = h.initial[op.key];
    if (initial === undefined) throw new HistoryFormatError(op.id, `no initial state for key ${op.key}`);
    let list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, (list = []));
    list.push(op);
  }
  return byKey;
}

/** Sorts by invocation time, then id, so every pass over a key sees the same order. */
export function byInvocation(a: RegisterOp, b: RegisterOp): number {
  return a.invokedAt - b.invokedAt || a.id - b.id;
}
