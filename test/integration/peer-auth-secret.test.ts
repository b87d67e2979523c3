// Peer links authenticated by a shared secret (quorum.auth.secretFile), against real server processes:
// the members form an ensemble and say so in their logs; impostors that know the server.N lines but not
// the secret (the real transport with a wrong secret or none, raw diallers answering the challenge with
// a guess or not at all) dial every member, claiming members' ids, while one follower is down (so claims
// to its id meet no live link) and a client makes a few hundred writes: none of them completes a hello
// or moves the leader or the epoch, and the follower rejoins; the ensemble fails over when its leader is
// killed; and a server whose secret file is unusable refuses to start, saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ensemble } from '../support/ensemble.js';
import { RoleChangeWatch, WAIT_MS, assertPeerAuthenticationLogged, ensembleLines, failsOver, rejoins, stopAFollower, writesHoldUnderImpostors } from '../support/peer-auth-scenario.js';
import { ImpostorSwarm, dialOnce, guessTheSecret, memberHello } from '../support/peer-impostors.js';
import { ServerProcess } from '../support/server-process.js';

const WRITES = 300;
/**
 * Longer than the test ensembles' usual 100 ms: a follower that misses syncLimit (5) ticks of heartbeats
 * would be a role change, and this test's impostors load two shared CI cores hard. A killed leader is
 * still noticed at once (its links break).
 */
const TICK_MS = 1_000;

describe('peers authenticated by a shared secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-peer-secret-'));
  const secretFile = join(dir, 'peer.secret');
  const watch = new RoleChangeWatch();
  let ensemble: Ensemble | undefined;

  before(() => {
    writeFileSync(secretFile, `${randomBytes(48).toString('base64')}\n`, { mode: 0o600 });
  });
  after(async () => {
    await ensemble?.removeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('three servers with the secret form an ensemble and log how their peers authenticate', async () => {
    ensemble = await Ensemble.start({ size: 3, tickTime: TICK_MS, extraConfig: { 'quorum.auth.secretFile': secretFile }, onServerLine: watch.onLine, startTimeoutMs: WAIT_MS });
    assertPeerAuthenticationLogged(ensemble, 'secret');
  });

  test('impostors without the secret complete no hello and move neither leader nor epoch while writes flow', async (t) => {
    const e = ensemble!;
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    // Claims to the id of a member that is down meet no live link: only authentication keeps them out.
    const absent = await stopAFollower(e);
    const { peers, ensembleId } = ensembleLines(e);
    const targets = e.servers.map((s) => ({ id: s.id, peerPort: s.peerPort }));
    const ids = targets.map((t) => t.id);
    const swarm = new ImpostorSwarm();
    for (const id of ids) await swarm.addTransport(`transport with a wrong secret as server ${id}`, id, peers, ensembleId, { secret: randomBytes(48) });
    await swarm.addTransport('transport without a secret as server 2', 2, peers, ensembleId, {});
    swarm.addRaw('raw dialler guessing the proof', targets, ids, guessTheSecret(ensembleId));
    swarm.addRaw('raw dialler without a proof', targets, ids, (t, id) => dialOnce(`ws://127.0.0.1:${t.peerPort}/`, memberHello(ensembleId, id)));
    const { tallies, writesPerSecond } = await writesHoldUnderImpostors(e, watch, swarm, WRITES);
    t.diagnostic(`${WRITES} writes at ${writesPerSecond.toFixed(0)}/s under attack`);
    for (const [name, tally] of tallies) t.diagnostic(`${name}: ${tally.attempts} attempts, ${tally.completed} completed`);
    await rejoins(e, absent, leader);
  });

  test('the leader is killed: the others elect a new one, and the old one rejoins with the secret', async () => {
    await failsOver(ensemble!);
  });

  test('an empty, short or missing secret file stops the start with a clear message and no stack trace', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['empty', '\n', /quorum\.auth\.secretFile: .* is empty/],
      ['short', 'not-32-bytes-of-secret\n', /quorum\.auth\.secretFile: .* holds 22 bytes; a peer secret needs at least 32/],
      ['missing', undefined, /quorum\.auth\.secretFile: cannot open .* \(no such file\)/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, `${name}.secret`);
      if (content !== undefined) writeFileSync(file, content);
      const proc = await ServerProcess.start({ dataDir: join(dir, `data-${name}`), args: ['--quorum.auth.secretFile', file], waitServing: false });
      assert.equal(await proc.waitExit(), 2, `${name}: exit code`);
      assert.match(proc.log, /canopy-server: configuration error: /, name);
      assert.match(proc.log, message, name);
      assert.doesNotMatch(proc.log, /\n\s+at /, `${name}: no stack trace`);
    }
  });
});
