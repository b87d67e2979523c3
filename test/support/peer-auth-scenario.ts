// The two real-process scenarios every peer-authentication mode must pass (test/integration/peer-auth-*.test.ts):
//   - impostors (peer-impostors.ts) dial every member in a loop while an SDK client makes sequential
//     writes: every write succeeds, no impostor completes a hello, no server changes role, and the
//     leader and epoch are the same before and after. One follower is down meanwhile, so that claims to
//     its id meet no live link: without authentication the liveness probe would let them in (a member
//     that is down has no link to defend), so this is where only authentication keeps impostors out;
//     the follower then rejoins;
//   - members with the right credentials fail over when the leader is killed, and the killed server
//     rejoins (it authenticates again) when restarted.
// Nothing is timed: each step waits for a condition with a generous deadline.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Client, KeeperError } from '../../client/index.js';
import { ensembleIdOf, type PeerEndpoint } from '../../src/transport/index.js';
import type { Ensemble, RoleReport } from './ensemble.js';
import type { ImpostorSwarm, ImpostorTally } from './peer-impostors.js';
import { until } from './until.js';

export const WAIT_MS = 60_000;
/** Attempts every impostor has made before the writes start (the attack is under way). */
const ATTEMPTS_BEFORE_WRITES = 3;

/** Collects `role changed` lines and counts logged refusals while armed (pass `onLine` as the ensemble's onServerLine). */
export class RoleChangeWatch {
  armed = false;
  readonly changes: string[] = [];
  refusalLines = 0;
  readonly onLine = (id: number, line: string): void => {
    if (!this.armed) return;
    if (/\brole changed\b/.test(line)) this.changes.push(`server ${id}: ${line}`);
    if (/refusing inbound peer connection|inbound peer TLS handshake failed/.test(line)) this.refusalLines++;
  };
}

/** The server.N lines of a test ensemble as the transport sees them, and their ensemble id. */
export function ensembleLines(e: Ensemble): { peers: PeerEndpoint[]; ensembleId: string } {
  const peers = e.servers.map((s) => ({ id: s.id, host: '127.0.0.1', port: s.peerPort }));
  return { peers, ensembleId: ensembleIdOf(peers) };
}

function sameRole(a: RoleReport | undefined, b: RoleReport | undefined): boolean {
  return a !== undefined && b !== undefined && a.state === b.state && a.leader === b.leader && a.epoch === b.epoch && a.serving === b.serving;
}

function runningIds(e: Ensemble): number[] {
  return e.servers.map((s) => s.id).filter((id) => e.stateOf(id) === 'running');
}

/** Waits until every running server serves under one leader in one epoch; returns their roles by id. */
export async function settledRoles(e: Ensemble): Promise<Map<number, RoleReport>> {
  const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
  return until(() => {
    const roles = new Map(runningIds(e).map((id) => [id, e.roleOf(id)]));
    const epochs = new Set([...roles.values()].map((r) => r?.epoch));
    const settled = epochs.size === 1 && [...roles.values()].every((r) => r?.serving === true && r.leader === leader);
    return settled ? (roles as Map<number, RoleReport>) : undefined;
  }, { timeoutMs: WAIT_MS, message: 'every running server serving under one leader' });
}

/** Kills a follower (the leader keeps its quorum, so no role changes); returns its id. */
export async function stopAFollower(e: Ensemble): Promise<number> {
  const roles = await settledRoles(e);
  const follower = [...roles].find(([, r]) => r.state === 'following')?.[0];
  assert.ok(follower !== undefined, 'a follower');
  await e.kill(follower);
  return follower;
}

/** Restarts a stopped member: it authenticates again and follows the leader it left. */
export async function rejoins(e: Ensemble, id: number, leader: number): Promise<void> {
  await e.restart(id);
  const roles = await settledRoles(e);
  assert.equal(roles.get(id)?.leader, leader, `server ${id} follows server ${leader} again`);
}

/** `count` sequential writes through the SDK; returns the error messages of those that failed. */
export async function sequentialWrites(e: Ensemble, path: string, count: number): Promise<string[]> {
  const client = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000, connectTimeoutMs: 20_000 });
  const failures: string[] = [];
  try {
    await client.create(path, '').catch((err: unknown) => {
      if (!(err instanceof KeeperError)) throw err;
    });
    for (let i = 0; i < count; i++) {
      try {
        await client.setData(path, `v${i}`);
      } catch (err) {
        if (!(err instanceof KeeperError)) throw err;
        failures.push(err.message);
      }
    }
  } finally {
    await client.close().catch(() => {});
  }
  return failures;
}

/**
 * Arms `swarm` (the caller has added its impostors), waits until each has made a few attempts, makes
 * `writes` sequential writes while they keep dialling, stops them and checks the outcome.
 */
export interface ImpostorRun {
  tallies: ReadonlyMap<string, ImpostorTally>;
  /** Acknowledged writes per second under attack (reported, never asserted: CI machines vary too much). */
  writesPerSecond: number;
}

export async function writesHoldUnderImpostors(e: Ensemble, watch: RoleChangeWatch, swarm: ImpostorSwarm, writes: number): Promise<ImpostorRun> {
  const running = runningIds(e);
  const before = await settledRoles(e);
  watch.armed = true;
  let tallies: ReadonlyMap<string, ImpostorTally>;
  let failures: string[];
  let writesPerSecond = 0;
  try {
    await until(() => swarm.fewestAttempts() >= ATTEMPTS_BEFORE_WRITES, { timeoutMs: WAIT_MS, message: 'every impostor under way' });
    const startedMs = performance.now();
    failures = await sequentialWrites(e, '/under-impostors', writes);
    writesPerSecond = (writes / (performance.now() - startedMs)) * 1000;
    // Still attacking at the end: every impostor made attempts during the writes too.
    await until(() => swarm.fewestAttempts() >= 2 * ATTEMPTS_BEFORE_WRITES, { timeoutMs: WAIT_MS, message: 'impostors still dialling' });
  } finally {
    tallies = await swarm.stop();
  }
  watch.armed = false;
  const described = [...tallies].map(([name, t]) => `${name}: ${t.attempts} attempts, ${t.completed} completed`).join('; ');
  assert.deepEqual(failures, [], 'every write succeeded');
  for (const [name, t] of tallies) assert.equal(t.completed, 0, `impostor ${name} completed no hello (${described})`);
  assert.deepEqual(watch.changes, [], 'no server changed role while impostors dialled');
  assert.ok(watch.refusalLines > 0, 'the members logged their refusals');
  for (const id of running) {
    const [was, is] = [before.get(id), e.roleOf(id)];
    assert.ok(sameRole(was, is), `server ${id}: ${JSON.stringify(was)} then ${JSON.stringify(is)}`);
    assert.equal(e.stateOf(id), 'running', `server ${id} is still running`);
  }
  return { tallies, writesPerSecond };
}

/** Kills the leader: the others elect a new one and serve writes; the old one rejoins when restarted. */
export async function failsOver(e: Ensemble): Promise<void> {
  const oldLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
  await e.kill(oldLeader);
  const newLeader = await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [oldLeader] });
  assert.notEqual(newLeader, oldLeader);
  assert.deepEqual(await sequentialWrites(e, '/after-failover', 20), [], 'writes after the failover');
  await rejoins(e, oldLeader, newLeader);
}

/** Every server logged that its peer links are authenticated by `mode`, and none warned that they are not. */
export function assertPeerAuthenticationLogged(e: Ensemble, mode: string): void {
  for (const s of e.servers) {
    const log = s.process?.log ?? '';
    assert.match(log, new RegExp(`"peerAuthentication":"${mode.replace('+', '\\+')}"`), `server ${s.id} logs its peer authentication`);
    assert.doesNotMatch(log, /peer links are not authenticated/, `server ${s.id} has no warning about unauthenticated peers`);
  }
}
