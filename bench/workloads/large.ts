// large: setData and getData, alternately, of --value-size bytes (default 512 KiB, at most 1 MiB) on a
// small key space (default 16 nodes, so that the server holds keys × value-size bytes, not gigabytes).
// The default stays under ZooKeeper's stock jute.maxbuffer (1 MiB less one byte, counting the request's
// header), which refuses a full 1 MiB value; Canopy accepts exactly 1 MiB.
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, createNodes, keyPath, randomIndex, valueBytes } from './key-space.js';
import { planNumber, planString } from './workload.js';
import type { Workload } from './workload.js';

export const LARGE_VALUE_SIZE_BYTES_DEFAULT = 512 * 1024;

export const largeWorkload: Workload = {
  name: 'large',
  summary: 'setData and getData in turn of large values (--value-size, default 512 KiB, up to 1 MiB) over --keys nodes (default 16)',
  defaults: { valueSizeBytes: LARGE_VALUE_SIZE_BYTES_DEFAULT, keys: 16 },
  check: checkProcessesForSessions,
  async run(ctx) {
    const prefix = `${ctx.root}/l`;
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
        const path = keyPath(prefix, randomIndex(keys));
        if (n % 2 === 0) await session.setData(path, data);
        else await session.getData(path);
      },
    });
  },
};
