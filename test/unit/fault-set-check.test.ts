// The set workload's end-of-run check: acknowledged elements present exactly once under the name their
// create returned, unknown ones at most once, nothing unattempted, and sequence numbers in commit order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSet } from '../fault/workloads/sets.js';
import type { SetAdd } from '../fault/workloads/sets.js';

const seq = (n: number): string => `e-${String(n).padStart(10, '0')}`;
const ok = (element: string, n: number, invokedAt: number, completedAt: number): SetAdd =>
  ({ element, client: 1, invokedAt, completedAt, outcome: 'ok', path: `/set/${seq(n)}` });
const unknown = (element: string, invokedAt: number): SetAdd => ({ element, client: 2, invokedAt, completedAt: null, outcome: 'unknown', error: 'CONNECTIONLOSS' });

describe('set check', () => {
  test('every acknowledged element once, unknown ones present or not: ok', () => {
    const adds = [ok('a', 0, 0, 1), ok('b', 1, 2, 3), unknown('c', 4), unknown('d', 5), ok('e', 3, 6, 7)];
    const v = checkSet(adds, { children: { [seq(0)]: 'a', [seq(1)]: 'b', [seq(2)]: 'c', [seq(3)]: 'e' } });
    assert.deepEqual(v.problems, []);
    assert.equal(v.ok, true);
    assert.equal(v.acknowledged, 3);
    assert.equal(v.unknown, 2);
  });
  test('a missing acknowledged element is lost', () => {
    const v = checkSet([ok('a', 0, 0, 1), ok('b', 1, 2, 3)], { children: { [seq(0)]: 'a' } });
    assert.equal(v.ok, false);
    assert.match(v.problems.join('\n'), /lost: element b was acknowledged as \/set\/e-0000000001/);
  });
  test('an element present twice is a duplicate, even one whose add had no answer', () => {
    const v = checkSet([ok('a', 0, 0, 1), unknown('c', 2)], { children: { [seq(0)]: 'a', [seq(1)]: 'c', [seq(2)]: 'c' } });
    assert.match(v.problems.join('\n'), /duplicate: element c is present 2 times/);
  });
  test('an element nobody added is a phantom', () => {
    const v = checkSet([ok('a', 0, 0, 1)], { children: { [seq(0)]: 'a', [seq(1)]: 'zzz' } });
    assert.match(v.problems.join('\n'), /phantom: element zzz/);
  });
  test('an element under another name than acknowledged has moved', () => {
    const v = checkSet([ok('a', 0, 0, 1)], { children: { [seq(5)]: 'a' } });
    assert.match(v.problems.join('\n'), /moved: element a was acknowledged as \/set\/e-0000000000 but is at e-0000000005/);
  });
  test('a later add with a smaller sequence number than one acknowledged before it began is reordered', () => {
    const v = checkSet([ok('a', 5, 0, 1), ok('b', 4, 2, 3)], { children: { [seq(5)]: 'a', [seq(4)]: 'b' } });
    assert.match(v.problems.join('\n'), /reordered: \/set\/e-0000000005 \(a\) was acknowledged before b began/);
    // Overlapping adds may commit in either order.
    assert.equal(checkSet([ok('a', 5, 0, 3), ok('b', 4, 1, 2)], { children: { [seq(5)]: 'a', [seq(4)]: 'b' } }).ok, true);
  });
});
