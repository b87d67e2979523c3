// delete: setup creates N nodes (N = --ops, or --keys when measuring by --duration), not measured; the
// measured ops delete them, each client process its own contiguous range. With --duration the run also
// ends when the nodes run out.
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, createNodes, keyPath, valueBytes } from './key-space.js';
import { shareOf } from './sessions-pool.js';
import { planNumber, planString } from './workload.js';
import type { Workload } from './workload.js';
import type { BenchOptions } from '../options.js';

function nodeCount(options: BenchOptions): number {
  return options.stop.kind === 'ops' ? options.stop.ops : options.keys;
}

export const deleteWorkload: Workload = {
  name: 'delete',
  summary: 'deletes nodes made in setup (--ops of them, or --keys with --duration)',
  check(options) {
    if (options.warmupSeconds > 0) return '--warmup does not apply to delete: warming up would use up the nodes made for the measured run';
    return checkProcessesForSessions(options);
  },
  async run(ctx) {
    const prefix = `${ctx.root}/d`;
    const count = nodeCount(ctx.options);
    await createNodes(ctx, prefix, count, valueBytes(ctx.options.valueSizeBytes));
    return measureLoad(ctx, { prefix, count });
  },
  client(ctx) {
    const prefix = planString(ctx.plan, 'prefix');
    const mine = shareOf(planNumber(ctx.plan, 'count'), ctx.processIndex, ctx.options.processes);
    return runLoadClient(ctx, {
      kind: 'sessions',
      opsMax: mine.count,
      op: (session, n) => session.delete(keyPath(prefix, mine.first + n)),
    });
  },
};
