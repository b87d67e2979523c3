// The checker at the sizes the fault harness produces: a 20,000-op key is decided (not left undecided)
// under the default budget, and a violation hidden in 2,000 ops shrinks to a handful of ops.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisterHistory, generateHistory, type RegisterOp } from '../fault/checker/index.js';

describe('scale', () => {
  test('one key with 20,000 ops, 8 clients and 5% unknown outcomes is ok under the default budget', (t) => {
    const { history } = generateHistory({ seed: 2024, ops: 20_000, clients: 8, keys: 1, unknownRate: 0.05 });
    const unknown = history.ops.filter((o) => o.outcome === 'unknown').length;
    const bad = history.ops.filter((o) => o.error === 'BADVERSION').length;
    const r = checkRegisterHistory(history);
    t.diagnostic(`20,000 ops (${unknown} unknown, ${bad} BADVERSION): ${r.verdict} in ${r.stats.ms.toFixed(0)} ms, ${r.stats.searchSteps} search steps`);
    assert.equal(r.verdict, 'ok', r.violations.map((v) => v.message).join('\n'));
    assert.equal(r.ops, 20_000);
  });

  test('a violation injected into 2,000 ops shrinks to at most 10 ops that still fail', (t) => {
    const { history } = generateHistory({ seed: 77, ops: 2000, clients: 8, keys: 1, unknownRate: 0.05 });
    const writes = history.ops.filter((o) => o.kind === 'write' && o.outcome === 'ok');
    const a = writes[writes.length >> 1]!;
    const b = writes.find((w) => w.invokedAt > a.completedAt!)!;
    [a.result!.version, b.result!.version] = [b.result!.version, a.result!.version];
    const r = checkRegisterHistory(history);
    const v = r.violations.find((x) => x.kind === 'not-linearizable');
    assert.ok(v !== undefined, r.violations.map((x) => x.message).join('\n'));
    t.diagnostic(`${r.stats.ms.toFixed(0)} ms; ${v.message}`);
    for (const line of v.timeline.split('\n')) t.diagnostic(line);
    assert.ok(v.ops.length <= 10, `${v.ops.length} ops`);
    assert.ok(v.ops.some((o: RegisterOp) => o.id === a.id || o.id === b.id), 'a swapped write is part of it');
    for (const op of v.ops) assert.match(v.timeline, new RegExp(`#${op.id} `));
    const alone = checkRegisterHistory({ initial: history.initial, ops: v.ops });
    assert.equal(alone.verdict, 'violation');
  });

  test('a lost acknowledged write in 20,000 ops is found and shrunk', (t) => {
    const base = generateHistory({ seed: 9, ops: 20_000, clients: 8, keys: 1, unknownRate: 0.05 });
    const byId = new Map(base.history.ops.map((o) => [o.id, o]));
    const acked = (id: number): boolean => byId.get(id)!.kind === 'write' && byId.get(id)!.outcome === 'ok';
    const i = base.attempts.findIndex((x, k) => k > (base.attempts.length * 3) >> 2 && k + 1 < base.attempts.length && acked(x.opId) && acked(base.attempts[k + 1]!.opId));
    const lost = base.attempts[i]!.opId;
    const r = checkRegisterHistory(generateHistory({ seed: 9, ops: 20_000, clients: 8, keys: 1, unknownRate: 0.05, loseEffectOf: lost }).history);
    const v = r.violations.find((x) => x.kind === 'not-linearizable');
    assert.ok(v !== undefined, r.violations.map((x) => x.message).join('\n'));
    t.diagnostic(`${r.stats.ms.toFixed(0)} ms; ${v.message}`);
    assert.ok(v.ops.some((o) => o.id === lost));
    assert.ok(v.ops.length <= 10, `${v.ops.length} ops`);
  });
});
