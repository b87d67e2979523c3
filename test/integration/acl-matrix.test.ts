// The ACL matrix on Canopy: every operation × every permission × the schemes world, auth, digest, ip and
// super (x509 once client TLS is in), allowed and denied as ZooKeeper 3.9 does (rules.ts), plus ACL
// validation and the reserved /zookeeper/config node. Through the SDK against a standalone server, and
// with every caller connected to one follower of a 3-server ensemble, so that the identities a follower
// forwards to the leader are the ones checked. A failure lists one line per failing cell.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnCanopy } from '../support/acl-matrix/canopy-runner.js';
import { buildMatrix } from '../support/acl-matrix/cells.js';
import { CANOPY_SUPER_FLAGS } from '../support/acl-matrix/identities.js';
import { formatMismatches, mismatches } from '../support/acl-matrix/report.js';
import { matrixTls } from '../support/acl-matrix/tls.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';

describe('ACL matrix on Canopy', () => {
  const servers: ServerProcess[] = [];
  const ensembles: Ensemble[] = [];
  after(async () => {
    for (const s of servers) {
      await s.stop();
      s.removeDataDir();
    }
    for (const e of ensembles) {
      await e.stopAll();
      await e.removeAll();
    }
  });

  test('standalone server, through the SDK', async () => {
    const server = await ServerProcess.start({ args: [...CANOPY_SUPER_FLAGS] });
    servers.push(server);
    const matrix = buildMatrix({ tls: false });
    const results = await runOnCanopy(matrix.plan, {
      setupConnectString: server.connectString,
      caller: () => ({ connectString: server.connectString }),
    });
    const wrong = mismatches(matrix.cells, results);
    assert.equal(wrong.length, 0, formatMismatches('Canopy standalone', matrix.cells.length, wrong));
  });

  test('through a follower of a 3-server ensemble: callers reach the leader only through it', async () => {
    const ensemble = await Ensemble.start({ size: 3, args: [...CANOPY_SUPER_FLAGS] });
    ensembles.push(ensemble);
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.servers.find((s) => s.id !== leader)!;
    const matrix = buildMatrix({ tls: false });
    const results = await runOnCanopy(matrix.plan, {
      setupConnectString: `127.0.0.1:${ensemble.server(leader).clientPort}`,
      caller: () => ({ connectString: `127.0.0.1:${follower.clientPort}` }),
    });
    const wrong = mismatches(matrix.cells, results);
    assert.equal(wrong.length, 0, formatMismatches(`Canopy follower ${follower.id} (leader ${leader})`, matrix.cells.length, wrong));
  });

  test('x509 rows: a client certificate is the identity', async (t) => {
    const tls = matrixTls();
    if ('unavailable' in tls) {
      t.skip(tls.unavailable);
      return;
    }
    try {
      const server = await ServerProcess.start({ args: [...CANOPY_SUPER_FLAGS, ...tls.serverArgs] });
      servers.push(server);
      const matrix = buildMatrix({ tls: true, onlyRows: ['x509'] });
      const results = await runOnCanopy(matrix.plan, {
        setupConnectString: server.connectString,
        caller: (name) => tls.caller(name, server),
      });
      const wrong = mismatches(matrix.cells, results);
      assert.equal(wrong.length, 0, formatMismatches('Canopy x509 rows', matrix.cells.length, wrong));
    } finally {
      tls.cleanup();
    }
  });
});
