// Delay before each reconnect attempt: exponential with jitter, so that many clients losing the same
// server do not come back in lockstep. The first attempt after a success goes at once.

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

export class Backoff {
  private attempts = 0;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialDelayMs >= 0) || !(options.maxDelayMs >= options.initialDelayMs)) {
      throw new Error(`retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs (got ${options.initialDelayMs}, ${options.maxDelayMs})`);
    }
  }

  /** Delay before the next attempt: 0 first, then a random value in [d/2, d] with d doubling up to maxDelayMs. */
  next(): number {
    const n = this.attempts++;
    if (n === 0) return 0;
    const { initialDelayMs, maxDelayMs, random } = this.options;
    const ceilingMs = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(n - 1, 30));
    return Math.round(ceilingMs / 2 + random() * (ceilingMs / 2));
  }

  /** After a successful connection the next outage starts from a fresh schedule. */
  reset(): void {
    this.attempts = 0;
  }
}
