// canopy-bench's failover workload on a real 3-server Canopy ensemble it launches: the leader is killed
// with SIGKILL twice (the killed server is started again after each round), another server takes
// over each time, and the workload reports how long writes stalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLaunchedCluster } from '../../bench/launch/launched.js';
import { settingsForTick } from '../../bench/launch/server-settings.js';
import { resolveBenchOptions, runWorkload } from '../../bench/run.js';

test('failover on a launched 3-server Canopy ensemble measures a real leader change', { timeout: 180_000 }, async () => {
  // 200 ms ticks: session limits 0.4 to 4 s, so a session left on the dead leader moves on quickly.
  const result = await withLaunchedCluster('canopy', { size: 3, settings: settingsForTick(200) }, async (cluster) => {
    const r = await runWorkload(resolveBenchOptions({
      workload: 'failover', system: 'canopy', connect: cluster.connectString, pids: cluster.servers.map((s) => s.pid),
      sessions: 2, inFlight: 2, rounds: 2, sessionTimeoutMs: 4_000,
    }), { cluster, progress: false });
    assert.equal(cluster.servers.filter((s) => s.running).length, 3, 'each killed server was started again');
    return r;
  });
  assert.equal(result.workload, 'failover');
  assert.equal(result.extra.rounds, 2);
  assert.ok(result.extra.failoverMs! > 0, `failoverMs ${result.extra.failoverMs}`);
  assert.ok(result.extra.failoverMsMax! >= result.extra.failoverMsMin!);
  assert.equal(result.extra.leaderChanges, 2, 'a different server leads after each kill');
  assert.ok(result.ops > 400, `writes flowed before each kill (${result.ops} acknowledged)`);
});
