// The closed loop every load workload runs in a client process: each lane (a session's in-flight
// position) starts an op as soon as its previous one has answered, until the time is up or the op budget
// is spent. Each op's latency goes into the histogram (when measuring); a failed op counts as an error.
// A watchdog ends the loop when nothing has answered for a long time, counting what is still in flight
// as errors, so that a dead server ends a run instead of hanging it.
import { performance } from 'node:perf_hooks';
import { errorText } from '../errors.js';
import type { LatencyHistogram } from '../histogram.js';

/** One operation on a lane (a session's in-flight position); `n` counts the ops started in this loop, from 0. */
export type LaneOp = (lane: number, n: number) => Promise<void>;

export interface LoopLimits {
  /** Ops to start at most (Infinity: no count). */
  opsMax: number;
  /** performance.now() after which no op starts (Infinity: no time limit). */
  endAtMs: number;
  /** No answer for this long while ops are in flight ends the loop. */
  stallMs: number;
}

export interface LoopOutcome {
  ops: number;
  errors: number;
  errorSample?: string;
}

const WATCHDOG_INTERVAL_MS = 500;

export async function runOpLoop(
  lanes: number, op: LaneOp, limits: LoopLimits,
  histogram: LatencyHistogram | undefined, onProgress: (done: number) => void,
): Promise<LoopOutcome> {
  let started = 0;
  const outcome: LoopOutcome = { ops: 0, errors: 0 };
  let lastAnswerAtMs = performance.now();
  let abandoned = false;
  const lane = async (index: number): Promise<void> => {
    while (!abandoned && started < limits.opsMax && performance.now() < limits.endAtMs) {
      const n = started++;
      const startMs = performance.now();
      try {
        await op(index, n);
        if (abandoned) return;
        lastAnswerAtMs = performance.now();
        histogram?.recordMicros((lastAnswerAtMs - startMs) * 1_000);
        outcome.ops++;
      } catch (e) {
        if (abandoned) return;
        lastAnswerAtMs = performance.now();
        outcome.errors++;
        outcome.errorSample ??= errorText(e);
      }
      onProgress(outcome.ops + outcome.errors);
    }
  };
  let watchdog: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    watchdog = setInterval(() => {
      if (performance.now() - lastAnswerAtMs > limits.stallMs) resolve('stalled');
    }, WATCHDOG_INTERVAL_MS);
  });
  const ended = await Promise.race([Promise.all(Array.from({ length: lanes }, (_, i) => lane(i))), stalled]);
  clearInterval(watchdog);
  if (ended === 'stalled') {
    abandoned = true;
    const unanswered = started - outcome.ops - outcome.errors;
    outcome.errors += unanswered;
    outcome.errorSample ??= `${unanswered} operations had no answer for ${Math.round(limits.stallMs / 1000)} s`;
  }
  return outcome;
}
