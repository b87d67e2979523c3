// Null znode data through the ZooKeeper door, as Kazoo uses it (create or set with None; get answers
// None): null on a standalone server, after a restart that replays the txn log, after a restart that loads
// a snapshot, on every member of a 3-server ensemble when written through a follower, and on a follower
// that was down and caught up by DIFF and by SNAP. Empty data (b"") stays empty everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { kazooAvailable, runKazoo, zkPortOf } from '../support/zk-door.js';

const availability = await kazooAvailable();
const skip = availability.ok ? false : `Kazoo is not available: ${availability.reason}`;
const SCRIPT = 'zk_door_null_data.py';

interface NodeRead { value: string | null; dataLength: number; version: number; mzxid: number }
type Reads = Record<string, NodeRead>;

/** What the script's nodes hold once written: null where a None was written last, text or b"" elsewhere. */
const EXPECTED: Record<string, { value: string | null; version: number }> = {
  'null': { value: null, version: 0 },
  'empty': { value: '', version: 0 },
  'set-null': { value: null, version: 1 },
  'null-then-bytes': { value: 'v', version: 1 },
  'null-then-empty': { value: '', version: 1 },
};

function assertNullness(reads: Reads, where: string): void {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    const read = reads[name];
    assert.ok(read !== undefined, `${where}: ${name} was read`);
    assert.equal(read.value, expected.value, `${where}: ${name} is ${expected.value === null ? 'None' : JSON.stringify(expected.value)}`);
    assert.equal(read.dataLength, expected.value?.length ?? 0, `${where}: ${name} dataLength`);
    assert.equal(read.version, expected.version, `${where}: ${name} version`);
  }
}

async function kazoo(port: number, root: string, write: { fill: number } | undefined = undefined): Promise<Reads> {
  return (await runKazoo(SCRIPT, { hosts: `127.0.0.1:${port}`, root, write: write !== undefined, fill: write?.fill ?? 0 })) as unknown as Reads;
}

const lastWriteZxid = (reads: Reads): number => Math.max(...Object.values(reads).map((r) => r.mzxid));

/** The zxids of the snapshots a server's log says it wrote. */
function snapshotZxidsIn(log: string): number[] {
  return [...log.matchAll(/snapshot written.*"zxid":"0x([0-9a-f]+)"/g)].map((m) => parseInt(m[1]!, 16));
}

/** The zxid of the snapshot a server recovered from (0 without one), from its "recovered state" line. */
async function recoveredSnapshotZxid(server: ServerProcess): Promise<number> {
  const m = await server.waitForLine(/recovered state.*"snapshotZxid":"0x([0-9a-f]+)"/);
  return parseInt(m[1]!, 16);
}

describe('null data through the ZooKeeper door: a standalone server', { skip }, () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    // A restarted server shares its data directory with the process before it.
    const removed = new Set<string>();
    for (const s of servers) {
      if (removed.has(s.dataDir)) continue;
      removed.add(s.dataDir);
      s.removeDataDir();
    }
  });

  test('create and set with None read back None, b"" stays b""; the same after a restart replays the log', async () => {
    const args = ['--zkClientPort', '0'];
    const server = await ServerProcess.start({ args });
    servers.push(server);
    const written = await kazoo(await zkPortOf(server), '/replay', { fill: 0 });
    assertNullness(written, 'written');
    await server.stop();
    const restarted = await server.restart({ args });
    servers.push(restarted);
    assert.ok(await recoveredSnapshotZxid(restarted) < lastWriteZxid(written), 'the writes come back from the txn log');
    assertNullness(await kazoo(await zkPortOf(restarted), '/replay'), 'after log replay');
  });

  test('with snapCount 10 a restart loads the null data from a snapshot', async () => {
    const args = ['--zkClientPort', '0', '--snapCount', '10'];
    const server = await ServerProcess.start({ args });
    servers.push(server);
    const written = await kazoo(await zkPortOf(server), '/snap', { fill: 30 });
    assertNullness(written, 'written');
    // A snapshot is written in the background within every 10 txns; the 30 fills make one past the writes.
    await until(() => snapshotZxidsIn(server.log).some((z) => z >= lastWriteZxid(written)), { timeoutMs: 60_000, message: 'a snapshot past the writes' });
    await server.stop();
    const restarted = await server.restart({ args });
    servers.push(restarted);
    assert.ok(await recoveredSnapshotZxid(restarted) >= lastWriteZxid(written), 'the writes come back from a snapshot');
    assertNullness(await kazoo(await zkPortOf(restarted), '/snap'), 'after loading a snapshot');
  });
});

describe('null data through the ZooKeeper door: a 3-server ensemble', { skip }, () => {
  let ensemble: Ensemble;
  let leader: number;
  let followers: number[];
  before(async () => {
    // A follower more than 100 txns behind gets a SNAP instead of a DIFF.
    ensemble = await Ensemble.start({ size: 3, args: ['--zkClientPort', '0', '--historyTxnsMax', '100'] });
    leader = await ensemble.waitForLeader();
    followers = [1, 2, 3].filter((id) => id !== leader);
  });
  after(async () => {
    await ensemble?.stopAll();
    await ensemble?.removeAll();
  });

  const portOf = (id: number): Promise<number> => zkPortOf(ensemble.server(id).process!);

  test('written through a follower (forwarded to the leader), every member answers None', async () => {
    assertNullness(await kazoo(await portOf(followers[0]!), '/forwarded', { fill: 0 }), 'written on a follower');
    for (const id of [1, 2, 3]) assertNullness(await kazoo(await portOf(id), '/forwarded'), `server ${id}`);
  });

  test('a follower that was down gets null data by DIFF, then by SNAP', async () => {
    const lagging = followers[1]!;
    await ensemble.kill(lagging);
    await kazoo(await portOf(leader), '/diff', { fill: 0 });
    let proc = await ensemble.restart(lagging);
    assertNullness(await kazoo(await zkPortOf(proc), '/diff'), 'after a DIFF');
    assert.equal(proc.log.includes('installed snapshot from the leader'), false, 'caught up by DIFF');

    await ensemble.kill(lagging);
    await kazoo(await portOf(leader), '/snap', { fill: 150 });
    proc = await ensemble.restart(lagging);
    await proc.waitForLine(/installed snapshot from the leader/);
    assertNullness(await kazoo(await zkPortOf(proc), '/snap'), 'after a SNAP');
    assertNullness(await kazoo(await zkPortOf(proc), '/diff'), 'after a SNAP, the DIFF\'s nodes');
  });
});
