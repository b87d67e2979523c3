// A clock that every process on this machine reads alike: process.hrtime is CLOCK_MONOTONIC, counted from
// boot for the whole system, whereas performance.now() starts at each process's own origin. The
// watch-fanout workload compares a setData's send time in one process with event times in others.

/** Milliseconds on the machine's monotonic clock, with sub-microsecond resolution. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
