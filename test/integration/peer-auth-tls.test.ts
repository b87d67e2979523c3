// Peer links over mutual TLS with member certificates (sslQuorum=true), against real server processes:
// the members (two configured with Canopy's key names, one with ZooKeeper's keyStore/trustStore names)
// form an ensemble; impostors that know the server.N lines but hold no member certificate (none at all,
// one from another CA, plain ws against the TLS port, the real transport with another CA's certificate
// or without TLS) dial every member, claiming members' ids, while one follower is down (so claims to its
// id meet no live link) and a client makes a few hundred writes: none of them completes a hello or moves
// the leader or the epoch, and the follower rejoins; the ensemble fails over when its leader is killed.
import { after, before, describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveOpenssl, makeCertAuthority, removeCertAuthority, type CertAuthority } from '../support/certs.js';
import { Ensemble } from '../support/ensemble.js';
import { RoleChangeWatch, WAIT_MS, assertPeerAuthenticationLogged, ensembleLines, failsOver, rejoins, stopAFollower, writesHoldUnderImpostors } from '../support/peer-auth-scenario.js';
import { ImpostorSwarm, dialOnce, memberHello } from '../support/peer-impostors.js';

const WRITES = 300;
/**
 * Longer than the test ensembles' usual 100 ms: a follower that misses syncLimit (5) ticks of heartbeats
 * would be a role change, and this test's impostors load two shared CI cores hard. A killed leader is
 * still noticed at once (its links break).
 */
const TICK_MS = 1_000;
/** Configured with ZooKeeper's key names (one PEM holding key and chain, a PEM trust store). */
const ZOOKEEPER_NAMED = 3;

describe('peers authenticated by member certificates', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  let ca: CertAuthority | undefined;
  let impostorCa: CertAuthority | undefined;
  const watch = new RoleChangeWatch();
  let ensemble: Ensemble | undefined;

  before(() => {
    ca = makeCertAuthority('Canopy Members CA');
    impostorCa = makeCertAuthority('Impostor CA');
  });
  after(async () => {
    await ensemble?.removeAll();
    if (ca !== undefined) removeCertAuthority(ca);
    if (impostorCa !== undefined) removeCertAuthority(impostorCa);
  });

  function memberConfig(id: number): Record<string, string> {
    const leaf = ca!.leaf(`server${id}`);
    if (id !== ZOOKEEPER_NAMED) {
      return { sslQuorum: 'true', 'ssl.quorum.certFile': leaf.certFile, 'ssl.quorum.keyFile': leaf.keyFile, 'ssl.quorum.caFile': ca!.caFile };
    }
    const keyStore = join(ca!.dir, `server${id}-keystore.pem`);
    writeFileSync(keyStore, readFileSync(leaf.keyFile, 'utf8') + readFileSync(leaf.certFile, 'utf8'), { mode: 0o600 });
    return {
      sslQuorum: 'true', 'ssl.quorum.keyStore.location': keyStore, 'ssl.quorum.keyStore.type': 'PEM',
      'ssl.quorum.trustStore.location': ca!.caFile, 'ssl.quorum.trustStore.type': 'PEM', 'ssl.quorum.hostnameVerification': 'true',
    };
  }

  test('three servers with member certificates form an ensemble and log how their peers authenticate', async () => {
    ensemble = await Ensemble.start({ size: 3, tickTime: TICK_MS, extraConfigFor: memberConfig, onServerLine: watch.onLine, startTimeoutMs: WAIT_MS });
    assertPeerAuthenticationLogged(ensemble, 'tls');
  });

  test('impostors without a member certificate complete no hello and move neither leader nor epoch while writes flow', async (t) => {
    const e = ensemble!;
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    // Claims to the id of a member that is down meet no live link: only authentication keeps them out.
    const absent = await stopAFollower(e);
    const { peers, ensembleId } = ensembleLines(e);
    const targets = e.servers.map((s) => ({ id: s.id, peerPort: s.peerPort }));
    const ids = targets.map((t) => t.id);
    const caPem = readFileSync(ca!.caFile, 'utf8');
    const stranger = impostorCa!.leaf('stranger');
    const strangerPem = { cert: readFileSync(stranger.certFile, 'utf8'), key: readFileSync(stranger.keyFile, 'utf8') };
    const swarm = new ImpostorSwarm();
    // It trusts the members' CA, so it gets as far as presenting its own certificate.
    for (const id of ids) await swarm.addTransport(`transport with another CA's certificate as server ${id}`, id, peers, ensembleId, { tls: { ...strangerPem, ca: caPem } });
    await swarm.addTransport('transport without TLS as server 1', 1, peers, ensembleId, {});
    swarm.addRaw('raw wss dialler without a certificate', targets, ids, (t, id) => dialOnce(`wss://127.0.0.1:${t.peerPort}/`, memberHello(ensembleId, id), { ca: caPem }));
    swarm.addRaw('raw wss dialler with another CA\'s certificate', targets, ids, (t, id) => dialOnce(`wss://127.0.0.1:${t.peerPort}/`, memberHello(ensembleId, id), { ca: caPem, ...strangerPem }));
    swarm.addRaw('raw plain ws dialler', targets, ids, (t, id) => dialOnce(`ws://127.0.0.1:${t.peerPort}/`, memberHello(ensembleId, id)));
    const { tallies, writesPerSecond } = await writesHoldUnderImpostors(e, watch, swarm, WRITES);
    t.diagnostic(`${WRITES} writes at ${writesPerSecond.toFixed(0)}/s under attack`);
    for (const [name, tally] of tallies) t.diagnostic(`${name}: ${tally.attempts} attempts, ${tally.completed} completed`);
    await rejoins(e, absent, leader);
  });

  test('the leader is killed: the others elect a new one, and the old one rejoins with its certificate', async () => {
    await failsOver(ensemble!);
  });
});
