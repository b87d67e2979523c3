// Randomized histories from a simulated register (generate.ts): always accepted as generated, always
// rejected after a mutation that breaks the model. Seeds are fixed, so every run checks the same histories.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisterHistory, generateHistory, type GeneratedHistory, type RegisterHistory, type RegisterOp } from '../fault/checker/index.js';

const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);

function generate(seed: number, loseEffectOf?: number): GeneratedHistory {
  const o = { seed, ops: 300 + (seed % 4) * 150, clients: 2 + (seed % 7), keys: 1 + (seed % 3), unknownRate: 0.05 };
  return generateHistory(loseEffectOf === undefined ? o : { ...o, loseEffectOf });
}

function pick<T>(items: readonly T[], seed: number): T {
  assert.ok(items.length > 0, 'the history offers a place for the mutation');
  return items[(seed * 7919) % items.length]!;
}

function describeViolations(h: { violations: { kind: string; message: string }[] }): string {
  return h.violations.map((v) => `${v.kind}: ${v.message}`).join('\n');
}

const isAckedWrite = (o: RegisterOp): boolean => o.kind === 'write' && o.outcome === 'ok';

/** Two acknowledged writes of one key, the first completed before the second was invoked, versions swapped. */
function swapVersions(h: RegisterHistory, seed: number): [number, number] {
  const writes = h.ops.filter(isAckedWrite);
  const pairs: [RegisterOp, RegisterOp][] = [];
  for (const a of writes.slice(0, 200)) {
    const b = writes.find((w) => w.key === a.key && w.invokedAt > a.completedAt!);
    if (b !== undefined) pairs.push([a, b]);
  }
  const [a, b] = pick(pairs, seed);
  [a.result!.version, b.result!.version] = [b.result!.version, a.result!.version];
  return [a.id, b.id];
}

/** An acknowledged read made to return a write invoked after the read completed. */
function readFromTheFuture(h: RegisterHistory, seed: number): number {
  const pairs: [RegisterOp, RegisterOp][] = [];
  for (const r of h.ops.filter((o) => o.kind === 'read' && o.outcome === 'ok').slice(0, 200)) {
    const w = h.ops.find((o) => isAckedWrite(o) && o.key === r.key && o.invokedAt > r.completedAt!);
    if (w !== undefined) pairs.push([r, w]);
  }
  const [r, w] = pick(pairs, seed);
  r.result = { ...w.result! };
  return r.id;
}

/** An acknowledged write whose very next write/cas attempt on its key is an acknowledged write. */
function lossTarget(g: GeneratedHistory, seed: number): number {
  const byId = new Map(g.history.ops.map((o) => [o.id, o]));
  const targets: number[] = [];
  g.attempts.forEach((a, i) => {
    const next = g.attempts.slice(i + 1).find((n) => n.key === a.key);
    if (next !== undefined && isAckedWrite(byId.get(a.opId)!) && isAckedWrite(byId.get(next.opId)!)) targets.push(a.opId);
  });
  return pick(targets, seed);
}

describe('randomized histories', () => {
  test('histories of a linearizable register with stale reads and unknown outcomes are accepted', (t) => {
    let ops = 0;
    for (const seed of SEEDS) {
      const g = generate(seed);
      const r = checkRegisterHistory(g.history);
      assert.equal(r.verdict, 'ok', `seed ${seed}: ${describeViolations(r)}`);
      ops += r.ops;
    }
    t.diagnostic(`${SEEDS.length} histories, ${ops} ops`);
  });

  test('swapping the versions of two acknowledged writes is caught', () => {
    for (const seed of SEEDS) {
      const g = generate(seed);
      const [a, b] = swapVersions(g.history, seed);
      const r = checkRegisterHistory(g.history, { shrinkBudgetMs: 2000 });
      const nl = r.violations.find((v) => v.kind === 'not-linearizable');
      assert.ok(nl !== undefined, `seed ${seed}: ${describeViolations(r)}`);
      assert.ok(nl.ops.some((o) => o.id === a || o.id === b), `seed ${seed}: ${nl.message}`);
    }
  });

  test('a read returning a write from the future is caught', () => {
    for (const seed of SEEDS) {
      const g = generate(seed);
      const id = readFromTheFuture(g.history, seed);
      const r = checkRegisterHistory(g.history, { shrinkBudgetMs: 2000 });
      assert.ok(r.violations.some((v) => v.kind === 'future-read' && v.ops.some((o) => o.id === id)), `seed ${seed}: ${describeViolations(r)}`);
    }
  });

  test('an acknowledged write whose effect was lost is caught', () => {
    for (const seed of SEEDS) {
      const lost = lossTarget(generate(seed), seed);
      const r = checkRegisterHistory(generate(seed, lost).history, { shrinkBudgetMs: 2000 });
      assert.equal(r.verdict, 'violation', `seed ${seed}: lost #${lost}`);
    }
  });
});
