// mixed: each op is a getData with probability --read-ratio (default 0.8), otherwise a setData of
// --value-size bytes, on a random node of the --keys key space.
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, createNodes, keyPath, randomIndex, valueBytes } from './key-space.js';
import { planNumber, planString } from './workload.js';
import type { Workload } from './workload.js';

export const mixedWorkload: Workload = {
  name: 'mixed',
  summary: 'getData with probability --read-ratio, else setData, on random nodes of a --keys key space',
  check: checkProcessesForSessions,
  async run(ctx) {
    const prefix = `${ctx.root}/k`;
    await createNodes(ctx, prefix, ctx.options.keys, valueBytes(ctx.options.valueSizeBytes));
    return measureLoad(ctx, { prefix, keys: ctx.options.keys });
  },
  client(ctx) {
    const prefix = planString(ctx.plan, 'prefix');
    const keys = planNumber(ctx.plan, 'keys');
    const data = valueBytes(ctx.options.valueSizeBytes);
    const readRatio = ctx.options.readRatio;
    return runLoadClient(ctx, {
      kind: 'sessions',
      op: async (session) => {
        const path = keyPath(prefix, randomIndex(keys));
        if (Math.random() < readRatio) await session.getData(path);
        else await session.setData(path, data);
      },
    });
  },
};
