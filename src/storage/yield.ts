// Lets timers and I/O callbacks run between slices of long work (snapshots, purges).
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
