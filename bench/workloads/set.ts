// set: setData of --value-size bytes on a random node of the --keys key space.
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, createNodes, keyPath, randomIndex, valueBytes } from './key-space.js';
import { planNumber, planString } from './workload.js';
import type { Workload } from './workload.js';

export const setWorkload: Workload = {
  name: 'set',
  summary: 'setData of --value-size bytes on random nodes of a --keys key space',
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
    return runLoadClient(ctx, { kind: 'sessions', op: (session) => session.setData(keyPath(prefix, randomIndex(keys)), data) });
  },
};
