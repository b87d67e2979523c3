// Delays between retries: doubling up to a ceiling, with jitter in [d/2, d] so that many clients losing
// the same server, or servers restarting together, do not come back in lockstep. The client's reconnects
// and the peer transport's redials both use it; here in protocol/ because it must also run in browsers.

export interface BackoffOptions {
  /** Ceiling of the first delay; each later one doubles it, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /**
   * Whether the first attempt of a schedule (after construction or reset) goes at once: a client that
   * has just lost its server tries the next one right away. False where the first attempt has just
   * failed when the first delay is asked for (a redial after a failed dial). Default true.
   */
  firstAttemptAtOnce?: boolean;
  /** Uniform in [0, 1): the jitter. Injectable so tests (and seeded runs) are deterministic. Default Math.random. */
  random?: () => number;
}

/** Doubling stops here: 2^30 times any delay is beyond any sensible ceiling, and the power stays finite. */
const DOUBLINGS_MAX = 30;

export class Backoff {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly firstAttemptAtOnce: boolean;
  private readonly random: () => number;
  private attempts = 0;

  constructor(options: BackoffOptions) {
    if (!(options.initialDelayMs >= 0) || !(options.maxDelayMs >= options.initialDelayMs)) {
      throw new Error(`retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs (got ${options.initialDelayMs}, ${options.maxDelayMs})`);
    }
    this.initialDelayMs = options.initialDelayMs;
    this.maxDelayMs = options.maxDelayMs;
    this.firstAttemptAtOnce = options.firstAttemptAtOnce ?? true;
    this.random = options.random ?? Math.random;
  }

  /** Delay before the next attempt, in ms: a random value in [d/2, d], d doubling from initialDelayMs up to maxDelayMs. */
  next(): number {
    const n = this.attempts++;
    const doublings = this.firstAttemptAtOnce ? n - 1 : n;
    if (doublings < 0) return 0;
    const ceilingMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(doublings, DOUBLINGS_MAX));
    return Math.round(ceilingMs / 2 + this.random() * (ceilingMs / 2));
  }

  /** Starts the schedule again (after a success, so that the next outage starts from a fresh schedule). */
  reset(): void {
    this.attempts = 0;
  }
}
