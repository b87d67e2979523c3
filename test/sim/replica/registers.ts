// The register history of one run, in the format of the linearizability checker (test/fault/checker):
// a few znodes (/reg/k0...) that clients only setData (blind or conditioned on a version) and read
// (plain, or after a sync). Values are unique across the run. Times are simulated ms, with a fraction
// that orders the events of one step, so the real-time order the checker sees is exact.
import { checkRegisterHistory } from '../../fault/checker/index.js';
import type { CheckResult, OpKind, RegisterHistory, RegisterOp, RegisterState } from '../../fault/checker/index.js';

export const REGISTER_PARENT = '/reg';
export const REGISTER_KEYS: readonly string[] = ['/reg/k0', '/reg/k1', '/reg/k2'];
/** A register starts as created: empty data at version 0. */
export const INITIAL_REGISTER: RegisterState = Object.freeze({ value: '', version: 0 });

/** Ops recorded per run; a run that makes more is misconfigured. */
export const REGISTER_OPS_MAX = 200_000;
/** Search steps per key before a key is undecided; histories here are small. */
const STEP_BUDGET_PER_KEY = 2_000_000;
const SHRINK_BUDGET_MS = 2_000;

export class RegisterRecorder {
  readonly ops: RegisterOp[] = [];
  private nextId = 1;
  private nextValue = 1;

  constructor(private readonly timeMs: () => number) {}

  /** A value no other write of the run uses. */
  freshValue(client: number): string {
    return `c${client}-${this.nextValue++}`;
  }

  invoke(client: number, key: string, kind: OpKind, server: number, value?: string, expectedVersion?: number): RegisterOp {
    if (this.ops.length >= REGISTER_OPS_MAX) throw new Error(`more than ${REGISTER_OPS_MAX} register ops in one run`);
    const op: RegisterOp = { id: this.nextId++, client, key, kind, invokedAt: this.timeMs(), completedAt: null, outcome: 'unknown', server };
    if (value !== undefined) op.value = value;
    if (expectedVersion !== undefined) op.expectedVersion = expectedVersion;
    this.ops.push(op);
    return op;
  }

  ok(op: RegisterOp, result: RegisterState): void {
    op.outcome = 'ok';
    op.completedAt = this.timeMs();
    op.result = result;
  }

  /** A definite failure: the op did not take effect (or, for a read, observed nothing). */
  fail(op: RegisterOp, error: string): void {
    op.outcome = 'fail';
    op.completedAt = this.timeMs();
    op.error = error;
  }

  /** No answer (the link or the session was lost): a write may or may not have taken effect. */
  unknown(op: RegisterOp, error: string): void {
    op.outcome = 'unknown';
    op.completedAt = null;
    op.error = error;
  }

  /** The registers as the converged tree holds them at the end: syncReads that must see every acknowledged write. */
  finalReads(client: number, states: ReadonlyMap<string, RegisterState>): void {
    for (const [key, state] of states) this.ok(this.invoke(client, key, 'syncRead', 0), state);
  }

  history(): RegisterHistory {
    const initial: Record<string, RegisterState> = {};
    for (const key of REGISTER_KEYS) initial[key] = INITIAL_REGISTER;
    return { initial, ops: this.ops };
  }

  check(): CheckResult {
    return checkRegisterHistory(this.history(), { stepBudgetPerKey: STEP_BUDGET_PER_KEY, shrinkBudgetMs: SHRINK_BUDGET_MS });
  }
}
