// The nodes that set, get, mixed, large and delete work over: `<root>/<prefix><i>` for i in [0, count),
// created during setup (not measured) with many creates in flight on one session.
import { randomBytes } from 'node:crypto';
import { BenchError, errorText } from '../errors.js';
import type { BenchOptions } from '../options.js';
import type { BenchSession } from '../types.js';
import { measureLoad, runLoadClient } from './load.js';
import { pipelined } from './sessions-pool.js';
import { planNumber, planString } from './workload.js';
import type { Workload, WorkloadContext } from './workload.js';

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

/** ZooKeeper's stock jute.maxbuffer (0xfffff) bounds a whole request, header included. */
const ZOOKEEPER_PACKET_BYTES_MAX = 0xfffff;
const REQUEST_HEADER_ALLOWANCE_BYTES = 1_024;

/** Runs a setup step on a session of its own; a failure stops the run, saying which step failed. */
export async function setupStep(ctx: WorkloadContext, what: string, step: (session: BenchSession) => Promise<void>): Promise<void> {
  let session: BenchSession | undefined;
  try {
    session = await ctx.connect();
    await step(session);
  } catch (e) {
    const big = ctx.options.system === 'zookeeper' && ctx.options.valueSizeBytes + REQUEST_HEADER_ALLOWANCE_BYTES > ZOOKEEPER_PACKET_BYTES_MAX;
    const hint = big ? ` (ZooKeeper drops requests over jute.maxbuffer, ${ZOOKEEPER_PACKET_BYTES_MAX} bytes by default: start it with -Djute.maxbuffer=2097152 for values near 1 MiB)` : '';
    throw new BenchError(`setup failed ${what}: ${errorText(e)}${hint}`, { cause: e });
  } finally {
    await session?.close().catch(() => undefined);
  }
}

/** Creates prefix0 .. prefix(count-1), each holding `data`. */
export function createNodes(ctx: WorkloadContext, prefix: string, count: number, data: Uint8Array): Promise<void> {
  const inFlight = Math.max(1, Math.min(SETUP_IN_FLIGHT_MAX, Math.floor(SETUP_QUEUED_BYTES_MAX / Math.max(data.byteLength, 1))));
  return setupStep(ctx, `creating ${count} nodes ${prefix}0..`, (session) => pipelined(count, inFlight, async (i) => {
    await session.create(keyPath(prefix, i), data, 'persistent');
  }));
}

/** Every client process needs at least one session of its own. */
export function checkProcessesForSessions(options: BenchOptions): string | undefined {
  return options.processes > options.sessions ? `--processes (${options.processes}) must not exceed --sessions (${options.sessions}): each client process runs at least one session` : undefined;
}

/** What one op of a key-space workload does to `path`, a random node of the key space. */
export type KeySpaceOp = (session: BenchSession, path: string, data: Uint8Array, n: number, options: BenchOptions) => Promise<unknown>;

export interface KeySpaceWorkloadSpec {
  name: string;
  summary: string;
  /** The nodes' names start with this under the run's root. */
  prefix: string;
  defaults?: Workload['defaults'];
  op: KeySpaceOp;
}

/**
 * A workload over --keys nodes of --value-size bytes, created during setup and then measured with `op` on
 * random ones (set, get, mixed, large: they differ only in the op).
 */
export function keySpaceWorkload(spec: KeySpaceWorkloadSpec): Workload {
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.defaults !== undefined ? { defaults: spec.defaults } : {}),
    check: checkProcessesForSessions,
    async run(ctx) {
      const prefix = `${ctx.root}/${spec.prefix}`;
      await createNodes(ctx, prefix, ctx.options.keys, valueBytes(ctx.options.valueSizeBytes));
      return measureLoad(ctx, { prefix, keys: ctx.options.keys });
    },
    client(ctx) {
      const prefix = planString(ctx.plan, 'prefix');
      const keys = planNumber(ctx.plan, 'keys');
      const data = valueBytes(ctx.options.valueSizeBytes);
      return runLoadClient(ctx, {
        kind: 'sessions',
        op: async (session, n) => {
          await spec.op(session, keyPath(prefix, randomIndex(keys)), data, n, ctx.options);
        },
      });
    },
  };
}
