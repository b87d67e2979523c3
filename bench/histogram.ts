// Operation latencies in microseconds, in an HDR histogram (3 significant digits at any magnitude), so
// that client processes can each record their own and the coordinator merges them exactly: a process
// sends its histogram encoded (compressed base64), the coordinator decodes and adds.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

/** Longest encoded histogram accepted from a client process (a full µs-to-hours histogram is far smaller). */
export const ENCODED_HISTOGRAM_CHARS_MAX = 4 * 1024 * 1024;
/** Latencies are clamped to an hour: past that the op is stuck, not slow. */
const LATENCY_MICROS_MAX = 3_600_000_000;
const MICROS_PER_MS = 1_000;

function newHistogram(): Histogram {
  return build({ useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: LATENCY_MICROS_MAX, numberOfSignificantValueDigits: 3, autoResize: true });
}

export class LatencyHistogram {
  private constructor(private readonly histogram: Histogram) {}

  static empty(): LatencyHistogram {
    return new LatencyHistogram(newHistogram());
  }

  /** Throws on text that is not an encoded histogram. */
  static decode(encoded: string): LatencyHistogram {
    if (typeof encoded !== 'string' || encoded.length > ENCODED_HISTOGRAM_CHARS_MAX) throw new Error('encoded histogram missing or too long');
    const decoded = decodeFromCompressedBase64(encoded, 32, false);
    const histogram = LatencyHistogram.empty();
    histogram.histogram.add(decoded);
    return histogram;
  }

  /** Records one latency; sub-microsecond values count as 1 µs so that every op is counted. */
  recordMicros(micros: number): void {
    const clamped = Math.min(Math.max(Math.round(micros), 1), LATENCY_MICROS_MAX);
    this.histogram.recordValue(Number.isFinite(clamped) ? clamped : LATENCY_MICROS_MAX);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  encode(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    const ms = (micros: number): number => micros / MICROS_PER_MS;
    return {
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
      mean: ms(h.mean),
    };
  }
}
