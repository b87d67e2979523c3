// get: getData of a random node of the --keys key space (each holding --value-size bytes).
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, createNodes, keyPath, randomIndex, valueBytes } from './key-space.js';
import { planNumber, planString } from './workload.js';
import type { Workload } from './workload.js';

export const getWorkload: Workload = {
  name: 'get',
  summary: 'getData of random nodes of a --keys key space holding --value-size bytes each',
  check: checkProcessesForSessions,
  async run(ctx) {
    const prefix = `${ctx.root}/k`;
    await createNodes(ctx, prefix, ctx.options.keys, valueBytes(ctx.options.valueSizeBytes));
    return measureLoad(ctx, { prefix, keys: ctx.options.keys });
  },
  client(ctx) {
    const prefix = planString(ctx.plan, 'prefix');
    const keys = planNumber(ctx.plan, 'keys');
    return runLoadClient(ctx, {
      kind: 'sessions',
      op: async (session) => {
        await session.getData(keyPath(prefix, randomIndex(keys)));
      },
    });
  },
};
