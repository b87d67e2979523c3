// The linearizability part of the register checker on small hand-written histories with known answers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisterHistory, historyOf, HistoryFormatError, type CheckResult, type OpBuilder } from '../fault/checker/index.js';

const INIT = { value: 'init', version: 0 };

function check(build: (b: OpBuilder) => void): CheckResult {
  return checkRegisterHistory(historyOf(INIT, build));
}

function assertOk(r: CheckResult): void {
  assert.equal(r.verdict, 'ok', r.violations.map((v) => `${v.kind}: ${v.message}\n${v.timeline}`).join('\n'));
  assert.deepEqual(r.violations, []);
}

function assertOnly(r: CheckResult, kind: string): void {
  assert.equal(r.verdict, 'violation');
  assert.deepEqual([...new Set(r.violations.map((v) => v.kind))], [kind], r.violations.map((v) => v.message).join('\n'));
}

describe('linearizable histories', () => {
  test('sequential writes', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 2);
      b.write(1, 'c', 4, 5, 3);
    }));
  });

  test('concurrent writes may take either order, as their versions say', () => {
    for (const [va, vb] of [[1, 2], [2, 1]]) {
      assertOk(check((b) => {
        b.write(1, 'a', 0, 10, va!);
        b.write(2, 'b', 1, 9, vb!);
      }));
    }
  });

  test('cas acknowledged and BADVERSION, sequential and concurrent', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 1, 'b', 2, 3, 2);
      b.cas(3, 1, 'c', 4, 5, 'BADVERSION');
      b.cas(1, 2, 'd', 6, 7, 3);
      b.cas(2, 3, 'e', 8, 12, 'BADVERSION'); // overlaps the write below, so it may see v4
      b.write(3, 'f', 9, 11, 4);
    }));
  });

  test('an unknown write that took effect fills the version a later write skipped', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'u', 2);
      b.write(1, 'c', 5, 6, 3);
    }));
  });

  test('an unknown write that never took effect', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'u', 2);
      b.write(1, 'c', 5, 6, 2);
    }));
  });

  test('an unknown write may take effect long after its client gave up', () => {
    assertOk(check((b) => {
      b.write(2, 'u', 0);
      b.write(1, 'a', 10, 11, 1);
      b.write(1, 'c', 20, 21, 3);
    }));
  });

  test('unknown cas: one that applied, and one that never could', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 1, 'u', 2);
      b.cas(3, 7, 'x', 2);
      b.write(1, 'c', 5, 6, 3);
    }));
  });

  test('a BADVERSION cas that overlaps the write changing the version it expected', () => {
    assertOk(check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 1, 'b', 2, 6, 'BADVERSION');
      b.write(3, 'c', 3, 5, 2);
    }));
  });
});

describe('histories that are not linearizable', () => {
  test('two acknowledged writes with the same version', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 0.5, 2, 1);
    });
    assertOnly(r, 'not-linearizable');
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [1, 2]);
  });

  test('a write that completed before another was invoked has the higher version', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 2);
      b.write(2, 'b', 2, 3, 1);
    });
    assertOnly(r, 'not-linearizable');
  });

  test('BADVERSION when the only possible state had the expected version', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 1, 'b', 2, 3, 'BADVERSION');
      b.write(1, 'c', 4, 5, 2);
    });
    assertOnly(r, 'not-linearizable');
    assert.match(r.violations[0]!.message, /#2/);
    assert.ok(r.violations[0]!.ops.some((o) => o.id === 2));
  });

  test('a version gap no unknown op can fill', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 3);
      b.write(3, 'c', 4, 5, 4);
    });
    assertOnly(r, 'not-linearizable');
    assert.match(r.violations[0]!.message, /#2/);
  });

  test('an unknown write could fill the gap, but was invoked after the op that needed it completed', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 3);
      b.write(3, 'u', 4);
    });
    assertOnly(r, 'not-linearizable');
    const v = r.violations[0]!;
    assert.ok(v.ops.some((o) => o.id === 3), 'the late unknown write is shown');
    assert.match(v.message, /#3 could have filled in, but was invoked too late/);
  });

  test('an unknown cas cannot fill a gap at a version it did not expect', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 0, 'u', 1.5);
      b.write(3, 'c', 2, 3, 3);
    });
    assertOnly(r, 'not-linearizable');
  });

  test('a cas acknowledged with a version other than expected+1', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 1, 'b', 2, 3, 5);
    });
    assertOnly(r, 'not-linearizable');
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [2]);
  });

  test('a lost acknowledged write: a later write is acknowledged with its version', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 2);
      b.write(1, 'A', 4, 5, 3);
      b.write(3, 'B', 6, 7, 3);
    });
    assertOnly(r, 'not-linearizable');
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [3, 4]);
  });

  test('a lost acknowledged write: a later syncRead sees its version holding another value', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 2);
      b.write(1, 'A', 4, 5, 3);
      b.write(3, 'B', 3.5);
      b.syncRead(2, 6, 7, 'B', 3);
    });
    assertOnly(r, 'impossible-read');
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id).sort(), [3, 4, 5]);
  });
});

describe('checker plumbing', () => {
  test('keys are checked independently', () => {
    const h = historyOf(INIT, (b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 3, 1);
    }, '/reg/bad');
    const good = historyOf(INIT, (b) => {
      b.write(1, 'x', 0, 1, 1);
      b.write(2, 'y', 0.5, 3, 2);
    }, '/reg/good');
    good.ops.forEach((o) => (o.id += 100));
    const r = checkRegisterHistory({ initial: { ...h.initial, ...good.initial }, ops: [...h.ops, ...good.ops] });
    assert.equal(r.keys, 2);
    assert.equal(r.ops, 4);
    assert.deepEqual(r.violations.map((v) => v.key), ['/reg/bad']);
  });

  test('a search out of budget makes the key undecided, not ok', () => {
    const r = checkRegisterHistory(historyOf(INIT, (b) => {
      for (let i = 0; i < 20; i++) b.write(1, `v${i}`, 2 * i, 2 * i + 1, i + 1);
    }), { stepBudgetPerKey: 5 });
    assert.equal(r.verdict, 'undecided');
    assert.deepEqual(r.undecidedKeys, ['/reg/k0']);
  });

  test('a malformed history is a HistoryFormatError', () => {
    const h = historyOf(INIT, (b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(1, 'b', 2, 3, 2);
    });
    h.ops[1]!.id = 1;
    assert.throws(() => checkRegisterHistory(h), HistoryFormatError);
    const missing = historyOf(INIT, (b) => b.read(1, 0, 1, 'init', 0));
    missing.initial = {};
    assert.throws(() => checkRegisterHistory(missing), /no initial state/);
  });

  test('non-zero initial versions', () => {
    const h = historyOf({ value: 'init', version: 7 }, (b) => {
      b.write(1, 'a', 0, 1, 8);
      b.cas(2, 8, 'b', 2, 3, 9);
      b.read(3, 4, 5, 'b', 9);
    });
    assertOk(checkRegisterHistory(h));
  });
});
