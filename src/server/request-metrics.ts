// Per-op request counts, errors and latencies for /metrics, kept cheaply: every answered request adds to
// plain arrays (an op's slot, a bucket found by a short scan), and prom-client reads them only when
// scraped. prom-client's own labelled observe validates and hashes its labels on every call (about 0.45 µs
// here), which at 100,000 reads a second was 5% of the server's one core; this is about a tenth of that.
// The exposition is still prom-client's: the histogram below is a prom-client Histogram whose values come
// from these arrays, and the counters are prom-client Counters filled in at scrape time.
import { Counter, Histogram, type MetricType, type Registry } from 'prom-client';
import { ErrorCode } from '../../protocol/index.js';

/** Seconds: from 50 µs (a read on an idle server) to 10 s (a write stuck behind an election). */
export const LATENCY_BUCKETS_S: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Op names come from the protocol's table (and 'createSession', 'error', 'unknown'): a closed set, but bounded anyway. */
const OPS_MAX = 128;
const ERROR_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));

class OpSlot {
  count = 0;
  sumS = 0;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_S.length + 1);
  /** Error name → answers with it. */
  readonly errors = new Map<string, number>();
}

/** What the request path writes into; read by the metrics below when scraped. */
export class RequestTallies {
  readonly slots = new Map<string, OpSlot>();
  throttled = 0;

  record(op: string, seconds: number, err: number): void {
    let slot = this.slots.get(op);
    if (slot === undefined) {
      if (this.slots.size >= OPS_MAX) op = 'other';
      slot = this.slots.get(op) ?? new OpSlot();
      this.slots.set(op, slot);
    }
    slot.count++;
    slot.sumS += seconds;
    let b = 0;
    while (b < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[b]!) b++;
    slot.buckets[b]!++;
    if (err === 0) return;
    if (err === ErrorCode.THROTTLEDOP) this.throttled++;
    const name = ERROR_NAMES.get(err) ?? 'other';
    slot.errors.set(name, (slot.errors.get(name) ?? 0) + 1);
  }
}

type OpLabels = 'op' | 'le';
const LATENCY_NAME = 'canopy_request_duration_seconds';
const LATENCY_HELP = 'From a request frame arriving to its answer leaving, by op';
/** prom-client writes its types as strings ('histogram'); its typings declare a numeric enum that it does not export. */
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;

/** canopy_request_duration_seconds: a prom-client Histogram whose values are the tallies' arrays. */
class OpLatencyHistogram extends Histogram<OpLabels> {
  constructor(private readonly tallies: RequestTallies, registers: Registry[]) {
    super({
      name: LATENCY_NAME, help: LATENCY_HELP, labelNames: ['op'],
      buckets: [...LATENCY_BUCKETS_S], registers,
    });
  }

  override async get(): ReturnType<Histogram<OpLabels>['get']> {
    const values: Array<{ value: number; labels: Partial<Record<OpLabels, string | number>>; metricName: string }> = [];
    for (const [op, slot] of this.tallies.slots) {
      let cumulative = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        cumulative += slot.buckets[i]!;
        values.push({ value: cumulative, labels: { op, le }, metricName: `${LATENCY_NAME}_bucket` });
      });
      values.push({ value: slot.count, labels: { op, le: '+Inf' }, metricName: `${LATENCY_NAME}_bucket` });
      values.push({ value: slot.sumS, labels: { op }, metricName: `${LATENCY_NAME}_sum` });
      values.push({ value: slot.count, labels: { op }, metricName: `${LATENCY_NAME}_count` });
    }
    return { name: LATENCY_NAME, help: LATENCY_HELP, type: HISTOGRAM_TYPE, values, aggregator: 'sum', collect: () => undefined };
  }

  /** The registry formats what this returns (prom-client calls it in preference to get). */
  async getForPromString(): ReturnType<Histogram<OpLabels>['get']> {
    return this.get();
  }
}

/** Registers the request metrics (counts, errors, throttled, latency) over `tallies`. */
export function registerRequestMetrics(tallies: RequestTallies, registry: Registry): void {
  const registers = [registry];
  new Counter({
    name: 'canopy_requests_total', help: 'Requests answered, by op', labelNames: ['op'], registers,
    collect() {
      this.reset();
      for (const [op, slot] of tallies.slots) this.inc({ op }, slot.count);
    },
  });
  new Counter({
    name: 'canopy_request_errors_total', help: 'Requests answered with an error, by op and error', labelNames: ['op', 'err'], registers,
    collect() {
      this.reset();
      for (const [op, slot] of tallies.slots) for (const [err, n] of slot.errors) this.inc({ op, err }, n);
    },
  });
  new Counter({
    name: 'canopy_throttled_requests_total', help: 'Requests refused with THROTTLEDOP (a session or the server over its outstanding limit)', registers,
    collect() {
      this.reset();
      this.inc(tallies.throttled);
    },
  });
  new OpLatencyHistogram(tallies, registers);
}
