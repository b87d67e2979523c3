// sessions: each op opens a session and closes it again (latency = both), with --sessions of them going
// at once across the client processes; extra.sessionsPerSecond is the open+close rate.
import { measureLoad, runLoadClient } from './load.js';
import { checkProcessesForSessions } from './key-space.js';
import type { Workload } from './workload.js';

export const sessionsWorkload: Workload = {
  name: 'sessions',
  summary: 'open and close sessions, --sessions at a time',
  check: checkProcessesForSessions,
  run(ctx) {
    return measureLoad(ctx, {}, (result) => ({ sessionsPerSecond: result.opsPerSecond }));
  },
  client(ctx) {
    return runLoadClient(ctx, {
      kind: 'sessionless',
      op: async () => {
        const session = await ctx.connect();
        await session.close();
      },
    });
  },
};
