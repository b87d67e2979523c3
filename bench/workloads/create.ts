// create: every op creates a new persistent_sequential node of --value-size bytes under one parent (so
// nothing collides and the key space never needs planning; ZooKeeper numbers them from the parent).
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions, setupStep, valueBytes } from './key-space.js';
import { planString } from './workload.js';
import type { Workload } from './workload.js';

export const createWorkload: Workload = {
  name: 'create',
  summary: 'persistent_sequential creates of --value-size bytes under one parent',
  check: checkProcessesForSessions,
  async run(ctx) {
    const parent = `${ctx.root}/c`;
    await setupStep(ctx, `creating ${parent}`, (session) => session.ensurePath(parent));
    return measureLoad(ctx, { parent });
  },
  client(ctx) {
    const prefix = `${planString(ctx.plan, 'parent')}/n-`;
    const data = valueBytes(ctx.options.valueSizeBytes);
    return runLoadClient(ctx, {
      kind: 'sessions',
      op: async (session) => {
        await session.create(prefix, data, 'persistent_sequential');
      },
    });
  },
};
