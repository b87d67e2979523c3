// How many more client sockets this process can afford. Every socket costs a file descriptor, and so does
// every file LevelDB opens: if clients used them all, the next table file could not be opened and the log
// could not be written. So a reserve is kept free for storage and peer links, and sockets past the
// process's limit minus that reserve are refused at the accept.
// Linux tells both numbers through /proc; elsewhere only maxCnxns bounds sockets.
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A count may take at most 1/SAMPLE_COST_FACTOR of the time between counts. */
const SAMPLE_COST_FACTOR = 100;
/** Counts are never further apart than this, however slow. */
const SAMPLE_DELAY_MAX_MS = 30_000;

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start), or undefined off Linux. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === undefined || soft === 'unlimited') return undefined;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** File descriptors open in this process now, or undefined off Linux. */
export function openFilesNow(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * Tracks the descriptors that are not client sockets (storage, peers, logs), sampled now and then since
 * listing /proc/self/fd on every accept would be wasteful; the reserve absorbs growth between samples.
 */
export class FdBudget {
  private otherFds = 0;
  /** How long the last count took: listing ten thousand descriptors blocks the loop for over 10 ms. */
  private lastSampleMs = 0;

  constructor(
    private readonly limit: number | undefined,
    private readonly reserve: number,
  ) {}

  /** Re-reads the open descriptors; clientSockets is how many of them are our client sockets. */
  sample(clientSockets: number): void {
    const startedMs = performance.now();
    const open = openFilesNow();
    if (open !== undefined) this.otherFds = Math.max(0, open - clientSockets);
    this.lastSampleMs = performance.now() - startedMs;
  }

  /** When to count again: every intervalMs, or rarer when counting is slow, so it takes at most 1 % of the loop. */
  nextSampleDelayMs(intervalMs: number): number {
    return Math.min(SAMPLE_DELAY_MAX_MS, Math.max(intervalMs, this.lastSampleMs * SAMPLE_COST_FACTOR));
  }

  /** Client sockets the process can hold while keeping the reserve free; Infinity when the limit is unknown. */
  get socketsMax(): number {
    if (this.limit === undefined) return Infinity;
    return Math.max(0, this.limit - this.reserve - this.otherFds);
  }
}
