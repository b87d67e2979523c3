// The ACL matrix on Canopy: every operation × every permission × the schemes world, auth, digest, ip and
// super and x509, allowed and denied as ZooKeeper 3.9 does (rules.ts), plus ACL
// validation and the reserved /zookeeper/config node. Through the SDK against a standalone server, and
// with every caller connected to one follower of a 3-server ensemble, so that the identities a follower
// forwards to the leader (over peer links authenticated by a shared secret) are the ones checked. A failure lists one line per failing cell.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOnCanopy, type CanopyRun } from '../support/acl-matrix/canopy-runner.js';
import { buildMatrix, type Cell } from '../support/acl-matrix/cells.js';
import { CANOPY_SUPER_FLAGS } from '../support/acl-matrix/identities.js';
import { formatMismatches, mismatches } from '../support/acl-matrix/report.js';
import { matrixTls } from '../support/acl-matrix/tls.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';

/**
 * The matrix is about permissions, not liveness: on a loaded machine a caller with hundreds of requests in
 * flight can hear nothing for longer than two thirds of the default session timeout (20 ticks: 2 s at the
 * ensemble's 100 ms tick) and drop its connection, failing its cells with CONNECTIONLOSS. With 30 s every
 * caller keeps one connection (and its auth) for the whole run.
 */
const SERVER_FLAGS = [...CANOPY_SUPER_FLAGS, '--maxSessionTimeout', '30000'];
/**
 * Under the matrix's load the leader's event loop stalls for up to half a second on a busy 2-core machine;
 * at the ensemble's default 100 ms tick (syncLimit 5 ticks) the follower then loses its leader and closes
 * every caller's connection. 500 ms ticks keep the ensemble stable: again, liveness is not under test here.
 */
const ENSEMBLE_TICK_MS = 500;

function assertRun(target: string, cells: readonly Cell[], run: CanopyRun): void {
  const wrong = mismatches(cells, run.results);
  const lost = run.disconnected.length === 0 ? '' : `\n(connections lost during the run: ${run.disconnected.join(', ')})`;
  assert.equal(wrong.length, 0, formatMismatches(target, cells.length, wrong) + lost);
}

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
    const server = await ServerProcess.start({ args: SERVER_FLAGS });
    servers.push(server);
    const matrix = buildMatrix({ tls: false });
    const run = await runOnCanopy(matrix.plan, {
      setupConnectString: server.connectString,
      caller: () => ({ connectString: server.connectString }),
    });
    assertRun('Canopy standalone', matrix.cells, run);
  });

  test('through a follower of a 3-server ensemble: callers reach the leader only through it', async () => {
    // The leader trusts the identities a follower forwards only from an authenticated member.
    const secretDir = mkdtempSync(join(tmpdir(), 'canopy-matrix-secret-'));
    const secretFile = join(secretDir, 'peer.secret');
    writeFileSync(secretFile, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
    after(() => rmSync(secretDir, { recursive: true, force: true }));
    const ensemble = await Ensemble.start({ size: 3, tickTime: ENSEMBLE_TICK_MS, args: SERVER_FLAGS, extraConfig: { 'quorum.auth.secretFile': secretFile } });
    ensembles.push(ensemble);
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.servers.find((s) => s.id !== leader)!;
    const matrix = buildMatrix({ tls: false });
    const run = await runOnCanopy(matrix.plan, {
      setupConnectString: `127.0.0.1:${ensemble.server(leader).clientPort}`,
      caller: () => ({ connectString: `127.0.0.1:${follower.clientPort}` }),
    });
    assertRun(`Canopy follower ${follower.id} (leader ${leader})`, matrix.cells, run);
  });

  test('x509 rows: a client certificate is the identity', async (t) => {
    const tls = matrixTls();
    if ('unavailable' in tls) {
      t.skip(tls.unavailable);
      return;
    }
    try {
      const server = await ServerProcess.start({ args: [...SERVER_FLAGS, ...tls.serverArgs] });
      servers.push(server);
      const matrix = buildMatrix({ tls: true, onlyRows: ['x509'] });
      const run = await runOnCanopy(matrix.plan, {
        setupConnectString: server.connectString,
        caller: (name) => tls.caller(name, server),
      });
      assertRun('Canopy x509 rows', matrix.cells, run);
    } finally {
      tls.cleanup();
    }
  });
});
