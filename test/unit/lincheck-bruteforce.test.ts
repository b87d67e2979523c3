// The search's pruning rules (forced moves, interchangeable unknown ops, memoization) checked against an
// exhaustive search on thousands of tiny random problems: both must agree on every verdict.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { searchLinearization, type SearchOp, type SearchOpKind, type SearchProblem } from '../fault/checker/index.js';

/** mulberry32, seeded: the same problems every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: readonly SearchOpKind[] = ['set', 'set', 'set', 'bad', 'bump', 'bumpAt'];

function randomProblem(next: () => number, withFree: boolean): SearchProblem {
  const n = 2 + Math.floor(next() * 6);
  const ops: SearchOp[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[Math.floor(next() * KINDS.length)]!;
    const invokedAt = Math.floor(next() * 10);
    const deadline = kind === 'set' || kind === 'bad' ? invokedAt + Math.floor(next() * 5) : Number.POSITIVE_INFINITY;
    const version = kind === 'set' ? 1 + Math.floor(next() * n) : kind === 'bump' ? -1 : Math.floor(next() * n);
    ops.push({ opId: i + 1, kind, invokedAt, deadline, version });
  }
  const free = new Set<number>();
  if (withFree) for (let v = 1; v <= n + 1; v++) if (next() < 0.3) free.add(v);
  return { initialVersion: 0, ops, freeVersions: free };
}

/** Every order of every subset, with real-time order and the model, memoized on (placed ops, version). */
function exhaustive(p: SearchProblem): boolean {
  const ops = p.ops;
  const required = ops.map((o) => o.kind === 'set' || o.kind === 'bad');
  const seen = new Set<string>();
  const go = (placed: number, version: number): boolean => {
    if (ops.every((_, i) => !required[i] || (placed & (1 << i)) !== 0)) return true;
    const key = `${placed}|${version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (p.freeVersions.has(version + 1) && go(placed, version + 1)) return true;
    for (let i = 0; i < ops.length; i++) {
      if ((placed & (1 << i)) !== 0) continue;
      const x = ops[i]!;
      const blocked = ops.some((y, j) => required[j] && (placed & (1 << j)) === 0 && y.deadline < x.invokedAt);
      if (blocked) continue;
      const next = placed | (1 << i);
      if (x.kind === 'set' && version === x.version - 1 && go(next, x.version)) return true;
      if (x.kind === 'bad' && version !== x.version && go(next, version)) return true;
      if (x.kind === 'bump' && go(next, version + 1)) return true;
      if (x.kind === 'bumpAt' && version === x.version && go(next, version + 1)) return true;
    }
    return false;
  };
  return go(0, p.initialVersion);
}

describe('search against exhaustive enumeration', () => {
  for (const withFree of [false, true]) {
    test(withFree ? 'with free versions (as when shrinking)' : 'without free versions (the main check)', (t) => {
      const next = rng(withFree ? 7 : 3);
      const verdicts = { ok: 0, fail: 0 };
      for (let i = 0; i < 4000; i++) {
        const p = randomProblem(next, withFree);
        const expected = exhaustive(p);
        const got = searchLinearization(p, { stepBudget: 1_000_000 });
        assert.equal(got.outcome, expected ? 'ok' : 'fail', `problem ${i}: ${JSON.stringify(p.ops)} free ${[...p.freeVersions]}`);
        verdicts[expected ? 'ok' : 'fail']++;
      }
      t.diagnostic(`ok ${verdicts.ok}, fail ${verdicts.fail}`);
      assert.ok(verdicts.ok > 400 && verdicts.fail > 400, 'both verdicts are exercised');
    });
  }

  test('a witness replays under the model and respects real time', () => {
    const next = rng(11);
    for (let i = 0; i < 2000; i++) {
      const p = randomProblem(next, false);
      const r = searchLinearization(p, { stepBudget: 1_000_000 });
      if (r.outcome !== 'ok') continue;
      const byId = new Map(p.ops.map((o) => [o.opId, o]));
      let version = p.initialVersion;
      r.witness.forEach((s, k) => {
        const op = byId.get(s.opId)!;
        if (op.kind === 'set') assert.equal(version, op.version - 1);
        if (op.kind === 'bad') assert.notEqual(version, op.version);
        if (op.kind === 'bumpAt') assert.equal(version, op.version);
        version = op.kind === 'bad' ? version : version + 1;
        assert.equal(s.versionAfter, version);
        for (const later of r.witness.slice(k + 1)) assert.ok(!(byId.get(later.opId)!.deadline < op.invokedAt), 'real-time order');
      });
    }
  });
});
