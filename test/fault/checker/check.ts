// checkRegisterHistory: decides whether a recorded register history obeys ZooKeeper's consistency model.
// Keys are independent (P-compositionality), so each is checked alone:
//   1. acknowledged cas answers that contradict the model on their own (version != expected+1);
//   2. direct read checks (values that never existed, reads from the future), which also yield pins:
//      "the write this read saw took effect at this version before the read completed";
//   3. the linearizability search over writes and cas alone (not-linearizable when it fails);
//   4. the same search honouring the pins (impossible-read when only this one fails): reads must see states
//      that existed in some linearization of the writes;
//   5. per-client monotonic reads, read-your-writes and syncRead freshness.
// Search failures are shrunk to a small sub-history with a timeline (shrink.ts).
import { searchFailureMessage, HIDDEN_OPS_NOTE } from './explain.js';
import { byInvocation, isMutation, validateHistory, type RegisterHistory, type RegisterOp, type RegisterState } from './history.js';
import { buildProblem, isInconsistentCas, pinsFrom, type PinSource } from './problem.js';
import { analyseReads, checkReadOrder } from './reads.js';
import { shrinkFailure } from './shrink.js';
import { makeViolation, ViolationList, type CheckOptions, type CheckResult } from './violation.js';
import { searchLinearization } from './wgl.js';

export const DEFAULT_STEP_BUDGET_PER_KEY = 2_000_000;
export const DEFAULT_SHRINK_BUDGET_MS = 20_000;
/** Steps allowed to each search made while shrinking (they run on ever smaller histories). */
export const SHRINK_STEP_BUDGET_PER_SEARCH = 200_000;

interface KeyContext {
  readonly key: string;
  readonly initial: RegisterState;
  readonly ops: readonly RegisterOp[];
  readonly stepBudget: number;
  readonly shrinkBudgetMs: number;
  readonly out: ViolationList;
  steps: number;
}

function reportInconsistentCas(c: KeyContext): void {
  for (const op of c.ops) {
    if (!isInconsistentCas(op)) continue;
    const msg = `cas #${op.id} expected version ${op.expectedVersion} and was acknowledged with version ${op.result!.version}, but a cas can only produce version ${op.expectedVersion! + 1}`;
    c.out.add(makeViolation('not-linearizable', c.key, msg, [op]));
  }
}

/** Runs the search over `ops`; on failure shrinks it and reports `kind`. 'budget' when undecided. */
function searchAndReport(c: KeyContext, kind: 'not-linearizable' | 'impossible-read', ops: readonly RegisterOp[],
  pinSources: readonly PinSource[]): 'ok' | 'fail' | 'budget' {
  const problem = buildProblem(c.initial.version, ops, [], pinsFrom(pinSources));
  const r = searchLinearization(problem, { stepBudget: c.stepBudget });
  c.steps += r.steps;
  if (r.outcome !== 'fail') return r.outcome;
  const shrunk = shrinkFailure({
    initialVersion: c.initial.version,
    ops,
    pinSources,
    stepBudget: Math.min(c.stepBudget, SHRINK_STEP_BUDGET_PER_SEARCH),
    deadlineMs: performance.now() + c.shrinkBudgetMs,
  });
  c.steps += shrunk.steps;
  const notes = shrunk.omitted > 0 ? [`${shrunk.omitted} other ops not shown; ${HIDDEN_OPS_NOTE}`] : [];
  if (!shrunk.finished) notes.push('shrinking ran out of time: a smaller failing sub-history may exist.');
  const extras = shrunk.witness === null ? { notes } : { witness: shrunk.witness, witnessScope: shrunk.witnessScope, notes };
  c.out.add(makeViolation(kind, c.key, searchFailureMessage(kind, shrunk, pinSources), shrunk.ops, extras));
  return 'fail';
}

/** Checks one key; true when a search ran out of budget without finding a violation. */
function checkKey(c: KeyContext): boolean {
  reportInconsistentCas(c);
  const pinSources = analyseReads(c.key, c.initial, c.ops, c.out);
  const mutations = c.ops.filter(isMutation);
  let undecided = false;
  const plain = searchAndReport(c, 'not-linearizable', mutations, []);
  if (plain === 'budget') undecided = true;
  if (plain === 'ok' && pinSources.length > 0) {
    const pinning = new Set(pinSources.map((p) => p.readId));
    const ops = c.ops.filter((o) => isMutation(o) || pinning.has(o.id));
    undecided = searchAndReport(c, 'impossible-read', ops, pinSources) === 'budget';
  }
  checkReadOrder(c.key, c.ops, c.out);
  return undecided;
}

/** Checks a register history against ZooKeeper's model (see the top of this file), key by key. */
export function checkRegisterHistory(h: RegisterHistory, opts: CheckOptions = {}): CheckResult {
  const started = performance.now();
  const byKey = validateHistory(h);
  const keys = new Set([...Object.keys(h.initial), ...byKey.keys()]);
  const violations: CheckResult['violations'] = [];
  const undecidedKeys: string[] = [];
  let steps = 0;
  for (const key of [...byKey.keys()].sort()) {
    const c: KeyContext = {
      key,
      initial: h.initial[key]!,
      ops: [...byKey.get(key)!].sort(byInvocation),
      stepBudget: opts.stepBudgetPerKey ?? DEFAULT_STEP_BUDGET_PER_KEY,
      shrinkBudgetMs: opts.shrinkBudgetMs ?? DEFAULT_SHRINK_BUDGET_MS,
      out: new ViolationList(),
      steps: 0,
    };
    if (checkKey(c)) undecidedKeys.push(key);
    violations.push(...c.out.all);
    steps += c.steps;
  }
  const verdict = violations.length > 0 ? 'violation' : undecidedKeys.length > 0 ? 'undecided' : 'ok';
  return { verdict, keys: keys.size, ops: h.ops.length, violations, undecidedKeys, stats: { searchSteps: steps, ms: performance.now() - started } };
}
