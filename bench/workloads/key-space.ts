// The nodes that set, get, mixed, large and delete work over: `<root>/<prefix><i>` for i in [0, count),
// created during setup (not measured) with many creates in flight on one session.
import { randomBytes } from 'node:crypto';
import type { BenchOptions } from '../options.js';
import { pipelined } from './sessions-pool.js';
import type { WorkloadContext } from './workload.js';

/** Setup creates in flight; fewer for large values so that at most ~8 MiB is queued. */
const SETUP_IN_FLIGHT_MAX = 128;
const SETUP_QUEUED_BYTES_MAX = 8 * 1024 * 1024;

export function keyPath(prefix: string, index: number): string {
  return `${prefix}${index}`;
}

/** Random bytes, so that nothing on the way can shrink them. */
export function valueBytes(size: number): Uint8Array {
  return randomBytes(size);
}

export function randomIndex(count: number): number {
  return Math.floor(Math.random() * count);
}

/** Creates prefix0 .. prefix(count-1), each holding `data`. */
export async function createNodes(ctx: WorkloadContext, prefix: string, count: number, data: Uint8Array): Promise<void> {
  const inFlight = Math.max(1, Math.min(SETUP_IN_FLIGHT_MAX, Math.floor(SETUP_QUEUED_BYTES_MAX / Math.max(data.byteLength, 1))));
  const session = await ctx.connect();
  try {
    await pipelined(count, inFlight, async (i) => {
      await session.create(keyPath(prefix, i), data, 'persistent');
    });
  } finally {
    await session.close();
  }
}

/** Every client process needs at least one session of its own. */
export function checkProcessesForSessions(options: BenchOptions): string | undefined {
  return options.processes > options.sessions ? `--processes (${options.processes}) must not exceed --sessions (${options.sessions}): each client process runs at least one session` : undefined;
}
