// A real 3-server ensemble under a write load while strangers hammer every member's peer port: every
// ~250 ms each member gets garbage, malformed hellos (one with a version that is a map with its own
// toString), a hello with a wrong ensemble id, and hellos with the RIGHT ensemble id (computed from the
// server.N lines, as anyone who knows them can) claiming each member's id, each then sending frames and
// closing. Every server must stay up, no election may happen, writes must keep flowing, and no refusal
// may reveal the ensemble id.
//
// Before the hello moved into the upgrade request and member links were guarded by a liveness probe,
// such an attack forced an election every few hundred ms (an impostor displaced a member's link, and its
// close reported the member down) and writes fell to about 14% of their rate; the toString hello alone
// crashed the acceptor's process.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { Client, KeeperError } from '../../client/index.js';
import { PEER_PROTOCOL_VERSION } from '../../src/transport/codec.js';
import { ensembleIdOf } from '../../src/transport/index.js';
import { Ensemble, type RoleReport } from '../support/ensemble.js';
import { until } from '../support/until.js';

const WAIT_MS = 60_000;
/** Each measurement window is this many acknowledged writes. */
const WINDOW_WRITES = 2_000;
const ROUND_EVERY_MS = 250;
/** README's default tickTime. */
const TICK_MS = 2_000;
/**
 * Writes under attack must keep at least this fraction of the baseline rate. The attack as first
 * reported cut writes to 14% (1,197 → 165 per second, 11 elections in 8 s), and on the old transport
 * this test's attack (without the hellos that crashed it) stopped writes altogether (fewer than 2,000
 * in 60 s, hundreds of role changes); the bound leaves such a collapse three times below it, while the
 * impostors' own work (about a hundred refused connections per second, sharing two noisy CI cores with
 * the servers and the writer) stays far inside it: runs here measured 97-133% of the baseline.
 */
const RATE_FRACTION_MIN = 0.4;
const HELLO_HEADER = 'canopy-peer-hello';

/** Encodes hellos as a hostile peer would: plain maps, any value anywhere. */
const packr = new Packr({ useRecords: false, moreTypes: false });
const encoded = (frame: unknown): Buffer => Buffer.from(packr.pack(frame));
const header = (frame: unknown): string => encoded(frame).toString('base64url');

interface Outcome { refusal: string | undefined; closeReason: string | undefined }

/**
 * One stranger: the upgrade request with `hello` (base64url) in the hello header, or none; should the
 * upgrade be accepted, the same hello as a first frame (the older protocol), then `frames`, then a close.
 */
function stranger(port: number, hello: string | undefined, frames: readonly Uint8Array[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { refusal: undefined, closeReason: undefined };
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: hello === undefined ? {} : { [HELLO_HEADER]: hello }, handshakeTimeout: 10_000 });
    socket.on('error', () => {});
    socket.on('unexpected-response', (_req, res) => {
      const told = res.headers['canopy-refusal-reason'];
      outcome.refusal = typeof told === 'string' ? told : `HTTP ${res.statusCode ?? 0}`;
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      if (hello !== undefined) socket.send(Buffer.from(hello, 'base64url'));
      for (const f of frames) socket.send(f);
      socket.close();
    });
    socket.on('close', (_code, reason) => {
      if (reason.length > 0) outcome.closeReason = reason.toString();
      resolve(outcome);
    });
  });
}

/** Raw TCP junk: not even HTTP. */
function junk(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0xc1, 0x0d, 0x0a, 0x0d, 0x0a])));
    socket.on('error', () => {});
    // Read the answer: an unread socket never sees the server's close.
    socket.resume();
    socket.on('close', () => resolve());
  });
}

function sameRole(a: RoleReport | undefined, b: RoleReport | undefined): boolean {
  return a !== undefined && b !== undefined && a.state === b.state && a.leader === b.leader && a.epoch === b.epoch && a.serving === b.serving;
}

describe('peer ports under impostors', () => {
  let ensemble: Ensemble | undefined;
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await ensemble?.removeAll();
  });

  test('garbage, malformed hellos and impostors with the right ensemble id force no election and keep writes flowing', async (t) => {
    let attacking = false;
    const roleChangesUnderAttack: string[] = [];
    ensemble = await Ensemble.start({
      // The production tick: a forced election then costs what it costs in a real ensemble (seconds of
      // no writes), and links idle for a tick, so claims meet the liveness probe's ping, not only recent traffic.
      size: 3, tickTime: TICK_MS,
      onServerLine: (id, line) => {
        if (attacking && /\brole changed\b/.test(line)) roleChangesUnderAttack.push(`server ${id}: ${line}`);
      },
    });
    const e = ensemble;
    const ids = e.servers.map((s) => s.id);
    // Without peer authentication, as here, every server says so at start.
    for (const s of e.servers) assert.match(s.process?.log ?? '', /peer links are not authenticated/, `server ${s.id} warns`);
    const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    // Settled: everyone serves under the same leader and epoch.
    const rolesBefore = await until(() => {
      const roles = ids.map((id) => e.roleOf(id));
      const epoch = roles[0]?.epoch;
      return roles.every((r) => r?.serving === true && r.leader === leader && r.epoch === epoch) ? roles : undefined;
    }, { timeoutMs: WAIT_MS, message: 'every server serving under one leader' });

    // The attacker knows the server.N lines, so it knows the ensemble id.
    const ensembleId = ensembleIdOf(e.servers.map((s) => ({ id: s.id, host: '127.0.0.1', port: s.peerPort })));
    // The impostor speaks the servers' own protocol version (as it would, having read the source).
    const hello = (serverId: unknown, ensemble: unknown = ensembleId, version: unknown = PEER_PROTOCOL_VERSION): { hello: object } => ({ hello: { version, serverId, ensembleId: ensemble } });
    const toStringMap = { toString: 1 };
    const batch = encoded([
      { type: 'vote', vote: { leader: 3, zxid: 2 ** 50, peerEpoch: 2 ** 20 }, electionEpoch: 2 ** 40, state: 'leading' },
      { type: 'proposal', session: 1, seq: 0, txns: [{ toString: 1 }] },
      { type: 'abort', session: 1, reason: 'impostor' },
    ]);

    const writer = await Client.connect(e.connectString, { sessionTimeoutMs: 10_000 });
    clients.push(writer);
    await writer.create('/impostor', '');
    let acked = 0;
    const failures: string[] = [];
    let stopWriting = false;
    // The writer stops with the test, whichever way the test ends (after() would wait on it forever).
    t.after(() => { stopWriting = true; });
    const writing = (async () => {
      for (let i = 0; !stopWriting; i++) {
        try {
          await writer.setData('/impostor', `v${i}`);
          acked++;
        } catch (err) {
          if (stopWriting) break;
          if (!(err instanceof KeeperError)) throw err;
          failures.push(err.message);
        }
      }
    })();

    /** Writes per second over the next WINDOW_WRITES acknowledged writes. */
    const measureWindow = async (what: string): Promise<number> => {
      const from = acked;
      const startedMs = performance.now();
      await until(() => acked >= from + WINDOW_WRITES, { timeoutMs: WAIT_MS, intervalMs: 5, message: `${WINDOW_WRITES} writes (${what})` });
      return ((acked - from) / (performance.now() - startedMs)) * 1000;
    };

    await until(() => acked >= 500, { timeoutMs: WAIT_MS, message: 'the writer warmed up' });
    const baseline = await measureWindow('baseline');

    const outcomes: Outcome[] = [];
    const inFlight = new Map<Promise<unknown>, string>();
    let rounds = 0;
    const track = <T>(what: string, p: Promise<T>): void => {
      inFlight.set(p, what);
      void p.then((v) => {
        inFlight.delete(p);
        if (v !== undefined) outcomes.push(v as Outcome);
      });
    };
    const round = (): void => {
      rounds++;
      for (const s of e.servers) {
        const port = s.peerPort;
        track('junk', junk(port));
        track('no hello', stranger(port, undefined, [batch, Buffer.from('garbage')]));
        track('toString version', stranger(port, header(hello(2, ensembleId, toStringMap)), [batch]));
        track('toString serverId', stranger(port, header(hello(toStringMap)), [batch]));
        track('toString hello', stranger(port, header({ hello: toStringMap }), [batch]));
        track('not msgpack', stranger(port, 'bm90IG1zZ3BhY2s', [batch]));
        track('wrong ensemble', stranger(port, header(hello(1, '0123456789abcdef')), [batch]));
        for (const id of ids) track(`claims ${id} at ${s.id}`, stranger(port, header(hello(id)), [batch, batch]));
      }
    };
    attacking = true;
    round();
    // The attack is load, paced by the clock; nothing waits on it.
    const attack = setInterval(round, ROUND_EVERY_MS);
    let underAttack: number;
    try {
      await until(() => rounds >= 3, { timeoutMs: WAIT_MS, message: 'the attack under way' });
      underAttack = await measureWindow('under attack');
    } catch (err) {
      const down = ids.filter((id) => e.stateOf(id) !== 'running');
      throw new Error(`${err instanceof Error ? err.message : 'failed'}; servers not running: [${down.join(', ')}]; role changes under attack: ${roleChangesUnderAttack.length}`);
    } finally {
      clearInterval(attack);
    }
    await until(() => inFlight.size === 0, { timeoutMs: WAIT_MS, message: `every impostor connection settled (${[...new Set(inFlight.values())].join(', ')})` });
    // Role changes are watched until the last impostor connection is gone: a late close could still report a member down.
    attacking = false;
    stopWriting = true;
    await writing;

    t.diagnostic(`writes/s: baseline ${baseline.toFixed(0)}, under attack ${underAttack.toFixed(0)} (${((underAttack / baseline) * 100).toFixed(0)}%); ${rounds} rounds, ${outcomes.length} impostor connections`);
    for (const id of ids) assert.equal(e.stateOf(id), 'running', `server ${id} is still running`);
    assert.deepEqual(roleChangesUnderAttack, [], 'no server changed role under attack');
    const rolesAfter = ids.map((id) => e.roleOf(id));
    ids.forEach((id, i) => assert.ok(sameRole(rolesBefore[i], rolesAfter[i]), `server ${id}: ${JSON.stringify(rolesBefore[i])} then ${JSON.stringify(rolesAfter[i])}`));
    assert.deepEqual(failures, [], 'no write failed');
    assert.ok(underAttack >= RATE_FRACTION_MIN * baseline, `writes under attack ${underAttack.toFixed(0)}/s, baseline ${baseline.toFixed(0)}/s`);
    const told = outcomes.flatMap((o) => [o.refusal, o.closeReason]).filter((r): r is string => r !== undefined);
    assert.ok(told.length >= rounds, `refusals seen: ${told.length}`);
    assert.deepEqual(told.filter((r) => r.includes(ensembleId)), [], 'no refusal reveals the ensemble id');
  });
});
