// The text timeline printed with each violation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegisterHistory, historyOf, renderTimeline } from '../fault/checker/index.js';

const INIT = { value: 'init', version: 0 };

describe('renderTimeline', () => {
  const h = historyOf(INIT, (b) => {
    b.write(3, 'c3-7', 0, 40, 1);
    b.cas(1, 1, 'c1-4', 30, 120, 'BADVERSION');
    b.write(2, 'lost', 60);
    b.read(4, 100, 150, 'c3-7', 1);
  });

  test('one row per op in invocation order, with arguments, answers and a bar on a common axis', () => {
    const text = renderTimeline(h.ops, 40);
    const lines = text.split('\n');
    assert.match(lines[0]!, /t\(ms\)\s+0\.0\s/);
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, /^#1 c3 s1 write "c3-7"\s+\|=+\|\s+ok v=1\s+\[0\.0-40\.0\]$/);
    assert.match(lines[2]!, /^#2 c1 s1 cas v1->"c1-4"\s+\|=+\|\s+BADVERSION/);
    assert.match(lines[3]!, /^#3 c2 s1 write "lost"\s+\|-+\?\s+unknown \(CONNECTIONLOSS\)\s+\[60\.0-\]$/);
    assert.match(lines[4]!, /^#4 c4 s1 read\s+\|=+\|\s+= "c3-7" v1/);
    // bars share one axis: the first starts at column 0, the unknown one runs to the right edge
    const barStart = lines[1]!.indexOf('|');
    assert.equal(lines[3]!.indexOf('?'), barStart + 39);
    assert.equal(lines[4]!.lastIndexOf('|'), barStart + 39);
  });

  test('long values are cut and the witness is listed', () => {
    const long = historyOf(INIT, (b) => b.write(1, 'x'.repeat(100), 0, 1, 1));
    const text = renderTimeline(long.ops, 30, { witness: [{ opId: 1, kind: 'set', versionAfter: 1 }], witnessScope: 'all ops' });
    assert.ok(!text.includes('x'.repeat(20)));
    assert.match(text, /witness order \(all ops\): #1->v1/);
  });

  test('a violation carries the timeline of its ops', () => {
    const r = checkRegisterHistory(historyOf(INIT, (b) => {
      b.write(1, 'a', 0, 1, 1);
      b.write(2, 'b', 0.5, 2, 1);
    }));
    const v = r.violations[0]!;
    assert.equal(v.timeline.split('\n').filter((l) => /^#\d/.test(l)).length, v.ops.length);
    for (const op of v.ops) assert.match(v.timeline, new RegExp(`^#${op.id} `, 'm'));
  });
});
