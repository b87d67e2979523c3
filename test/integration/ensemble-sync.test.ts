// Learner synchronisation with real processes: a follower that missed 10,000 txns catches up by DIFF
// (or by SNAP once the leader's retained history no longer reaches back), and a leader cut off from its
// followers that logged txns nobody else saw has them truncated (TRUNC) when it rejoins, never applying them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, KeeperError } from '../../client/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultCluster } from '../fault/cluster.js';
import { serverNode } from '../fault/net/fault-network.js';
import { Ensemble } from '../support/ensemble.js';
import { until } from '../support/until.js';

const WAIT_MS = 90_000;

async function connectTo(ports: number[]): Promise<Client> {
  return Client.connect(ports.map((p) => `127.0.0.1:${p}`).join(','), { sessionTimeoutMs: 10_000, connectTimeoutMs: 30_000 });
}

/** count creates under parent with up to inFlight outstanding; resolves with the acknowledged paths. */
async function writeMany(client: Client, parent: string, count: number, inFlight = 128): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const path = `${parent}/n${next++}`;
      await client.create(path, 'x');
      acked.push(path);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return acked;
}

async function childrenOn(port: number, path: string): Promise<Set<string>> {
  const c = await connectTo([port]);
  try {
    await c.sync(path);
    return new Set((await c.getChildren(path)).children);
  } finally {
    await c.close().catch(() => {});
  }
}

/** The `syncing learner` lines a server logged for one learner. */
function syncModes(log: string, learner: number): string[] {
  const modes: string[] = [];
  for (const m of log.matchAll(/syncing learner (\{[^\n]*\})/g)) {
    const meta = JSON.parse(m[1]!) as { to: number; mode: string };
    if (meta.to === learner) modes.push(meta.mode);
  }
  return modes;
}

describe('learner synchronisation', () => {
  const ensembles: Ensemble[] = [];
  const clusters: FaultCluster[] = [];
  const resultDirs: string[] = [];
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const e of ensembles) {
      await e.stopAll();
      await e.removeAll();
    }
    for (const c of clusters) await c.stop(false);
    for (const d of resultDirs) rmSync(d, { recursive: true, force: true });
  });

  for (const { mode, historyTxnsMax } of [{ mode: 'diff', historyTxnsMax: 20_000 }, { mode: 'snap', historyTxnsMax: 1_000 }]) {
    test(`a follower stopped while 10,000 txns commit catches up by ${mode.toUpperCase()}`, async () => {
      const e = await Ensemble.start({ size: 3, extraConfig: { historyTxnsMax: String(historyTxnsMax) } });
      ensembles.push(e);
      const leader = await e.waitForLeader({ timeoutMs: WAIT_MS });
      const follower = e.servers.find((s) => s.id !== leader)!.id;
      const others = e.servers.filter((s) => s.id !== follower).map((s) => s.clientPort);
      const client = await connectTo(others);
      clients.push(client);
      await client.create('/bulk', '');
      await e.kill(follower, 'SIGTERM');
      const acked = await writeMany(client, '/bulk', 10_000);
      assert.equal(acked.length, 10_000);

      const leaderProcess = e.server(leader).process!;
      const mark = leaderProcess.lineCount;
      await e.restart(follower);
      await leaderProcess.waitForLine(new RegExp(`syncing learner \\{[^\\n]*"to":${follower},`), { afterLine: mark, timeoutMs: WAIT_MS });
      const modes = syncModes(leaderProcess.log, follower);
      assert.ok(modes.includes(mode), `expected a ${mode} sync of server ${follower}, leader logged: ${modes.join(', ') || 'none'}`);
      const present = await childrenOn(e.server(follower).clientPort, '/bulk');
      assert.equal(present.size, 10_000);
      for (const p of acked) assert.ok(present.has(p.slice('/bulk/'.length)), `follower lacks ${p}`);
      await e.stopAll();
    });
  }

  // The leader is cut off from its followers, not paused: a paused leader, resumed, may see its followers'
  // silence (a timer) before it reads the writes queued for it, and then logs nothing only it has.
  test('a leader cut off from its followers is replaced; healed, it steps down and truncates what only it had logged', async () => {
    const resultsDir = mkdtempSync(join(tmpdir(), 'canopy-sync-trunc-'));
    resultDirs.push(resultsDir);
    const cluster = await FaultCluster.start({ size: 3, groups: 0, tickTime: 100, resultsDir, seed: 4242 });
    clusters.push(cluster);
    const e = cluster.ensemble;
    const oldLeader = await e.waitForLeader({ timeoutMs: WAIT_MS });
    const oldPort = e.server(oldLeader).clientPort;
    const others = e.servers.filter((s) => s.id !== oldLeader);
    const otherPorts = others.map((s) => s.clientPort);
    const setup = await connectTo(otherPorts);
    clients.push(setup);
    await setup.create('/paused', '');

    // A client pinned to the leader (straight to it, past the fault network) keeps writing: cut off, the
    // leader still logs each write as it proposes it, until it notices it has lost its quorum.
    const pinned = await connectTo([oldPort]);
    clients.push(pinned);
    const outcomes = new Map<string, 'ok' | 'failed'>();
    let stop = false;
    let seq = 0;
    const pinnedLoad = Promise.all(Array.from({ length: 64 }, async () => {
      while (!stop) {
        const path = `/paused/a${seq++}`;
        try {
          await pinned.create(path, 'a');
          outcomes.set(path, 'ok');
        } catch (err) {
          if (!(err instanceof KeeperError)) throw err;
          outcomes.set(path, 'failed');
          if (pinned.state !== 'connected') await until(() => stop || pinned.state === 'connected' || pinned.state === 'expired' || undefined, { timeoutMs: WAIT_MS });
          if (pinned.state === 'expired') return;
        }
      }
    }));
    await until(() => outcomes.size >= 200, { timeoutMs: WAIT_MS, message: 'writes on the leader' });

    // The pinned load alone may log nothing new once cut off: its 64 slots can all be waiting on proposals
    // the followers already have. So a second client, connected beforehand, writes right after the cut.
    const late = await connectTo([oldPort]);
    clients.push(late);
    const oldLog = e.server(oldLeader).process!;
    const oldLogMark = oldLog.lineCount;
    cluster.network.partition([[serverNode(oldLeader)], others.map((s) => serverNode(s.id))]);
    const lateWrites = Array.from({ length: 32 }, async (_, i) => {
      const path = `/paused/late${i}`;
      outcomes.set(path, await late.create(path, 'l').then(() => 'ok' as const, () => 'failed' as const));
    });
    const newLeader = await e.waitForLeader({ timeoutMs: WAIT_MS, exclude: [oldLeader] });
    assert.notEqual(newLeader, oldLeader);
    const other = await connectTo(otherPorts);
    clients.push(other);
    await writeMany(other, '/paused', 200, 16).then(() => {}, () => {});
    cluster.network.healAll();
    await until(() => {
      const r = e.roleOf(oldLeader);
      return r?.state === 'following' && r.serving ? r : undefined;
    }, { timeoutMs: WAIT_MS, message: 'old leader following again' });
    stop = true;
    await pinnedLoad;
    await Promise.all(lateWrites);

    // Each line is waited for after the cut: the old leader stepped down, then truncated.
    await oldLog.waitForLine(/role changed \{[^\n]*"state":"looking"/, { afterLine: oldLogMark, timeoutMs: 5_000 });
    await oldLog.waitForLine(/truncating log \(TRUNC from the leader\)/, { afterLine: oldLogMark, timeoutMs: 5_000 });

    const views = await Promise.all(e.servers.map((s) => childrenOn(s.clientPort, '/paused')));
    for (const v of views.slice(1)) assert.deepEqual([...v].sort(), [...views[0]!].sort(), 'every server holds the same znodes');
    for (const [path, outcome] of outcomes) {
      if (outcome === 'ok') assert.ok(views[0]!.has(path.slice('/paused/'.length)), `acknowledged ${path} is missing`);
    }
  });
});
