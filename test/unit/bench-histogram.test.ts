// canopy-bench's latency histogram: what each client process records, encodes and the coordinator merges.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../bench/histogram.js';

function recorded(micros: readonly number[]): LatencyHistogram {
  const h = LatencyHistogram.empty();
  for (const us of micros) h.recordMicros(us);
  return h;
}

describe('LatencyHistogram', () => {
  test('summarises in milliseconds with 3 significant digits', () => {
    const h = recorded(Array.from({ length: 1_000 }, (_, i) => (i + 1) * 10)); // 10 µs .. 10 ms
    const s = h.summary();
    assert.equal(s.count, 1_000);
    assert.ok(Math.abs(s.p50 - 5) < 0.01, `p50 ${s.p50}`);
    assert.ok(Math.abs(s.p90 - 9) < 0.01, `p90 ${s.p90}`);
    assert.ok(Math.abs(s.p99 - 9.9) < 0.01, `p99 ${s.p99}`);
    assert.ok(Math.abs(s.max - 10) < 0.01, `max ${s.max}`);
    assert.ok(Math.abs(s.mean - 5.005) < 0.01, `mean ${s.mean}`);
  });

  test('an empty histogram summarises to zeros', () => {
    assert.deepEqual(LatencyHistogram.empty().summary(), { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });

  test('sub-microsecond and absurd latencies still count as one op each', () => {
    const h = recorded([0, 0.2, -5, Number.NaN, 1e15]);
    assert.equal(h.count, 5);
  });

  test('histograms of several processes merge through their encodings into the histogram of all values', () => {
    const a = recorded([100, 200, 300]);
    const b = recorded([1_000, 2_000]);
    const c = LatencyHistogram.empty();
    const merged = LatencyHistogram.empty();
    for (const part of [a, b, c]) merged.add(LatencyHistogram.decode(part.encode()));
    assert.deepEqual(merged.summary(), recorded([100, 200, 300, 1_000, 2_000]).summary());
    assert.equal(merged.count, 5);
    assert.ok(Math.abs(merged.summary().max - 2) < 0.01);
  });

  test('decoding something that is not a histogram throws', () => {
    assert.throws(() => LatencyHistogram.decode('not a histogram'));
    assert.throws(() => LatencyHistogram.decode('x'.repeat(5 * 1024 * 1024)), /too long/);
  });
});
