// The request tallies behind canopy_requests_total, canopy_request_errors_total, canopy_throttled_requests_total
// and canopy_request_duration_seconds: Prometheus' bucket rule (le is "at most"), errors by name, the bound
// on op names, and an exposition that reads as a valid histogram.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ErrorCode } from '../../protocol/index.js';
import { LATENCY_BUCKETS_S, RequestTallies, registerRequestMetrics } from '../../src/server/request-metrics.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';

async function scrape(tallies: RequestTallies): Promise<ReturnType<typeof parseExposition>> {
  const registry = new Registry();
  registerRequestMetrics(tallies, registry);
  return parseExposition(await registry.metrics());
}

test('a latency on a bound counts in that bucket; above the last bound only in +Inf', async () => {
  const t = new RequestTallies();
  t.record('getData', 0.001, 0);
  t.record('getData', 0.0010001, 0);
  t.record('getData', 60, 0);
  const m = await scrape(t);
  const bucket = (le: string): number | undefined => sampleValue(m, 'canopy_request_duration_seconds', { op: 'getData', le }, 'canopy_request_duration_seconds_bucket');
  assert.equal(bucket('0.0005'), 0);
  assert.equal(bucket('0.001'), 1);
  assert.equal(bucket('0.0025'), 2);
  assert.equal(bucket(String(LATENCY_BUCKETS_S[LATENCY_BUCKETS_S.length - 1])), 2);
  assert.equal(bucket('+Inf'), 3);
  assert.equal(sampleValue(m, 'canopy_request_duration_seconds', { op: 'getData' }, 'canopy_request_duration_seconds_count'), 3);
  assert.ok(Math.abs(sampleValue(m, 'canopy_request_duration_seconds', { op: 'getData' }, 'canopy_request_duration_seconds_sum')! - 60.0020001) < 1e-9);
  assert.equal(sampleValue(m, 'canopy_requests_total', { op: 'getData' }), 3);
});

test('errors by op and name; THROTTLEDOP also counts as throttled', async () => {
  const t = new RequestTallies();
  t.record('exists', 0.0001, ErrorCode.NONODE);
  t.record('create2', 0.0001, ErrorCode.THROTTLEDOP);
  t.record('create2', 0.0001, ErrorCode.THROTTLEDOP);
  t.record('create2', 0.0001, -9999);
  const m = await scrape(t);
  assert.equal(sampleValue(m, 'canopy_request_errors_total', { op: 'exists', err: 'NONODE' }), 1);
  assert.equal(sampleValue(m, 'canopy_request_errors_total', { op: 'create2', err: 'THROTTLEDOP' }), 2);
  assert.equal(sampleValue(m, 'canopy_request_errors_total', { op: 'create2', err: 'other' }), 1, 'a code outside the table is "other"');
  assert.equal(sampleValue(m, 'canopy_throttled_requests_total'), 2);
});

test('op names past the bound share one "other" series', async () => {
  const t = new RequestTallies();
  for (let i = 0; i < 500; i++) t.record(`op${i}`, 0.0001, 0);
  const m = await scrape(t);
  const series = m.get('canopy_requests_total')!.samples;
  assert.ok(series.length <= 129, `at most 128 ops and other: ${series.length}`);
  assert.equal(series.reduce((n, s) => n + s.value, 0), 500);
  assert.ok((sampleValue(m, 'canopy_requests_total', { op: 'other' }) ?? 0) > 0);
});
