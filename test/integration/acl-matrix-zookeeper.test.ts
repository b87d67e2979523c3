// The ACL matrix checked against ZooKeeper itself: the same cells that Canopy must pass, run with kazoo
// against Debian's ZooKeeper 3.8.0 (installed here with apt when it is missing and we may). ZooKeeper
// must answer every cell as expected, except where differences.ts lists a reason (3.8.0 predating a rule,
// or a difference Canopy makes on purpose). Skipped with the reason when ZooKeeper cannot be had.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMatrix } from '../support/acl-matrix/cells.js';
import { NOT_RUN_ON_ZOOKEEPER, ZOOKEEPER_DIFFERENCES, zookeeperExpected } from '../support/acl-matrix/differences.js';
import { SUPER_DIGEST } from '../support/acl-matrix/identities.js';
import { formatMismatches, mismatches, outcomeOf } from '../support/acl-matrix/report.js';
import { kazooAvailable, runOnZooKeeper } from '../support/acl-matrix/zookeeper-runner.js';
import { ensureZooKeeper, ZooKeeperServer } from '../support/zookeeper-server.js';

describe('ACL matrix against Debian ZooKeeper 3.8.0', () => {
  let skipReason: string | undefined;
  let zookeeper: ZooKeeperServer | undefined;

  before(async () => {
    const packages = await ensureZooKeeper(['python3-kazoo']);
    if (!packages.ok) {
      skipReason = packages.reason;
      return;
    }
    const kazoo = await kazooAvailable();
    if (!kazoo.ok) {
      skipReason = kazoo.reason;
      return;
    }
    zookeeper = await ZooKeeperServer.start({ superDigest: SUPER_DIGEST });
  });
  after(async () => {
    await zookeeper?.stop();
  });

  test('every cell answers as expected, or as a listed difference explains', async (t) => {
    if (skipReason !== undefined || zookeeper === undefined) {
      t.skip(`ZooKeeper is not available: ${skipReason ?? 'not started'}`);
      return;
    }
    const matrix = buildMatrix({ tls: false });
    t.diagnostic(`${matrix.cells.length} cells; not run here: ${NOT_RUN_ON_ZOOKEEPER.join(' ')}`);
    const results = await runOnZooKeeper(matrix.plan, zookeeper.connectString);
    const wrong = mismatches(matrix.cells, results, (c) => zookeeperExpected(c).expected);
    assert.equal(wrong.length, 0, formatMismatches('ZooKeeper 3.8.0', matrix.cells.length, wrong));

    // Each listed difference covers cells, and ZooKeeper really does differ there: no stale entries.
    for (const d of ZOOKEEPER_DIFFERENCES) {
      const covered = matrix.cells.filter((c) => d.applies(c));
      assert.ok(covered.length > 0, `difference ${d.name} covers no cell`);
      assert.ok(covered.some((c) => outcomeOf(c, results.get(c.id)) !== c.expected), `difference ${d.name}: ZooKeeper answers as Canopy must on every cell it covers`);
    }
  });
});
