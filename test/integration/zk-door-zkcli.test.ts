// zkCli.sh, from Debian's zookeeper package, runs one script of commands against the ZooKeeper door of a
// 3-server Canopy ensemble and against Apache ZooKeeper: the output must match once what differs between
// any two runs is normalised (times, and zxids and session ids, which are compared by order of appearance).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Ensemble } from '../support/ensemble.js';
import { ZooKeeperServer, ensureZooKeeper } from '../support/zookeeper-server.js';
import { zkHostsOf } from '../support/zk-door.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const RUN_TIMEOUT_MS = 3 * 60_000;
const OUTPUT_CHARS_MAX = 200_000;

const SCRIPT = [
  'create /zc hello',
  'create /zc again',
  'get /zc',
  'set /zc world',
  'get -s /zc',
  'ls /',
  'create -e /zc/e',
  'create -s /zc/s- x',
  'create -s /zc/s- y',
  'create -c /cont',
  'create /cont/child',
  'ls /zc',
  'ls -s /zc',
  'getAcl /zc',
  'setAcl /zc world:anyone:cdrw',
  'getAcl /zc',
  'set -v 7 /zc stale',
  'delete /zc/e',
  'stat /zc',
  'get /nope',
  'deleteall /zc',
  'ls /',
  'quit',
].join('\n');

const installed = await ensureZooKeeper();
const skip = installed.ok && existsSync(ZKCLI) ? false : `zkCli.sh is not available: ${installed.ok ? `${ZKCLI} is missing` : installed.reason}`;

function runZkCli(server: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZKCLI, ['-server', server], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout = (stdout + d.toString()).slice(-OUTPUT_CHARS_MAX); });
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-OUTPUT_CHARS_MAX); });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
    child.stdin.end(`${SCRIPT}\n`);
  });
}

/** Times become T; each distinct zxid or session id becomes its rank among those of the run (Z1 < Z2 …). */
function normalise(text: string): string {
  const withoutTimes = text.replace(/^(ctime|mtime) = .*$/gm, '$1 = T');
  const zxids = [...new Set([...withoutTimes.matchAll(/^(?:cZxid|mZxid|pZxid) = (0x[0-9a-f]+)$/gm)].map((m) => BigInt(m[1]!)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map(zxids.map((z, i) => [z, `Z${i + 1}`]));
  return withoutTimes
    .replace(/^(cZxid|mZxid|pZxid) = (0x[0-9a-f]+)$/gm, (_all, key: string, z: string) => `${key} = ${rank.get(BigInt(z))}`)
    .replace(/^ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*$/gm, 'ephemeralOwner = SESSION')
    .split('\n')
    .filter((l) => !/^(Connecting to|Welcome to ZooKeeper|JLine support)/.test(l))
    .join('\n');
}

/** zkCli's error sentences (stderr also holds JVM and log noise). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^(Node already exists|Node does not exist|version No is not valid|Authentication)/.test(l));
}

describe('zkCli.sh through the ZooKeeper door of a 3-server ensemble, against Apache ZooKeeper', { skip }, () => {
  let ensemble: Ensemble;
  let zookeeper: ZooKeeperServer;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, args: ['--zkClientPort', '0'] });
    zookeeper = await ZooKeeperServer.start();
  });
  after(async () => {
    await zookeeper?.stop();
    await ensemble?.removeAll();
  });

  test('the same script prints the same', async () => {
    const canopy = await runZkCli(await zkHostsOf(ensemble));
    const reference = await runZkCli(zookeeper.connectString);
    assert.match(reference.stdout, /cZxid = /, `zkCli ran against ZooKeeper: ${reference.stderr.slice(-2000)}`);
    assert.equal(normalise(canopy.stdout), normalise(reference.stdout));
    assert.deepEqual(errorLines(canopy.stderr), errorLines(reference.stderr));
    assert.ok(errorLines(reference.stderr).length >= 3, `the script meets errors: ${JSON.stringify(errorLines(reference.stderr))}`);
  });
});
