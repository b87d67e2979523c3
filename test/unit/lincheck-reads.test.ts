// The read rules of the register checker: plain reads may be stale but must be real, not from the future,
// monotonic per client and never older than the client's own writes; syncReads are at least as new as
// every write acknowledged before they began.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisterHistory, historyOf, type CheckResult, type OpBuilder } from '../fault/checker/index.js';

const INIT = { value: 'init', version: 0 };

function check(build: (b: OpBuilder) => void): CheckResult {
  return checkRegisterHistory(historyOf(INIT, build));
}

function kinds(r: CheckResult): string[] {
  return [...new Set(r.violations.map((v) => v.kind))].sort();
}

/** Two acknowledged writes, v1 "a" during [0, 1] and v2 "b" during [2, 3]. */
function twoWrites(b: OpBuilder): void {
  b.write(1, 'a', 0, 1, 1);
  b.write(2, 'b', 2, 3, 2);
}

describe('read rules', () => {
  test('a stale read is allowed: an older version after a newer write completed', () => {
    const r = check((b) => {
      twoWrites(b);
      b.read(3, 4, 5, 'a', 1);
      b.read(4, 4, 5, 'init', 0);
      b.read(3, 6, 7, 'a', 1);
    });
    assert.equal(r.verdict, 'ok', r.violations.map((v) => v.message).join('\n'));
  });

  test('a read going back in time for the same client', () => {
    const r = check((b) => {
      twoWrites(b);
      b.read(3, 4, 5, 'b', 2);
      b.read(3, 6, 7, 'a', 1);
    });
    assert.deepEqual(kinds(r), ['non-monotonic-read']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [3, 4]);
    assert.match(r.violations[0]!.message, /#4 saw version 1 after its earlier read #3 had seen version 2/);
  });

  test('a read after the client\'s own write that sees an older version', () => {
    const r = check((b) => {
      twoWrites(b);
      b.read(2, 4, 5, 'a', 1);
    });
    assert.deepEqual(kinds(r), ['stale-own-write']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [2, 3]);
  });

  test('a client\'s acknowledged write below a version it had already read', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 1.2, 2, 2);
      b.read(3, 2.5, 3, 'b', 2);
      b.write(3, 'c', 3.5, 4.5, 1);
    });
    // it also breaks linearizability (two writes acknowledged with v1), reported on its own
    assert.deepEqual(kinds(r), ['non-monotonic-read', 'not-linearizable']);
    const v = r.violations.find((x) => x.kind === 'non-monotonic-read')!;
    assert.deepEqual(v.ops.map((o) => o.id), [3, 4]);
  });

  test('a read of a value nobody wrote', () => {
    const r = check((b) => {
      twoWrites(b);
      b.read(3, 4, 5, 'zzz', 2);
    });
    assert.deepEqual(kinds(r), ['impossible-read']);
    assert.match(r.violations[0]!.message, /no op wrote/);
  });

  test('a read of a written value at the wrong version', () => {
    const r = check((b) => {
      twoWrites(b);
      b.read(3, 4, 5, 'a', 2);
    });
    assert.deepEqual(kinds(r), ['impossible-read']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [1, 3]);
  });

  test('a read of the value of a write that failed', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.cas(2, 0, 'x', 2, 3, 'BADVERSION');
      b.read(3, 4, 5, 'x', 2);
    });
    assert.deepEqual(kinds(r), ['impossible-read']);
  });

  test('a read of the initial value with the wrong version', () => {
    const r = check((b) => b.read(1, 0, 1, 'init', 3));
    assert.deepEqual(kinds(r), ['impossible-read']);
  });

  test('a read that sees an unknown write at a version an acknowledged write holds', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'u', 0.5);
      b.write(1, 'c', 2, 3, 2);
      b.read(3, 4, 5, 'u', 2);
    });
    assert.deepEqual(kinds(r), ['impossible-read']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id).sort(), [2, 3, 4]);
  });

  test('a read that sees an unknown write proves it took effect, and when', () => {
    // u must be v2 (the read says so) before 2.5, so the write invoked at 3 cannot be v2.
    const ok = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'u', 1.5);
      b.read(3, 2, 2.5, 'u', 2);
      b.write(1, 'c', 3, 4, 3);
    });
    assert.equal(ok.verdict, 'ok', ok.violations.map((v) => v.message).join('\n'));
    const late = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'u', 1.5);
      b.read(3, 2, 2.5, 'u', 3);
      b.write(1, 'c', 3, 4, 2);
    });
    assert.deepEqual(kinds(late), ['impossible-read']);
  });

  test('a read of a value written by a write invoked after the read completed', () => {
    const r = check((b) => {
      b.read(3, 0, 1, 'a', 1);
      b.write(1, 'a', 2, 3, 1);
    });
    assert.deepEqual(kinds(r), ['future-read']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [1, 2]);
  });

  test('a syncRead older than a write completed before it was invoked', () => {
    const r = check((b) => {
      twoWrites(b);
      b.syncRead(3, 4, 5, 'a', 1);
    });
    assert.deepEqual(kinds(r), ['stale-sync-read']);
    assert.deepEqual(r.violations[0]!.ops.map((o) => o.id), [2, 3]);
  });

  test('a syncRead overlapping the newest write may miss it', () => {
    const r = check((b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 2, 5, 2);
      b.syncRead(3, 4, 6, 'a', 1);
    });
    assert.equal(r.verdict, 'ok', r.violations.map((v) => v.message).join('\n'));
  });
});
