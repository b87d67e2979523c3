// Redial delays: doubling from min to max, with jitter in [d/2, d] so that servers restarting together do
// not dial each other in lockstep. Reset once a link is up.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export class Backoff {
  private attempts = 0;

  constructor(private readonly options: BackoffOptions) {}

  nextDelayMs(): number {
    const { minMs, maxMs, random } = this.options;
    const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return Math.round(ceilingMs / 2 + random() * (ceilingMs / 2));
  }

  reset(): void {
    this.attempts = 0;
  }
}
