// The launchers' pure parts: --launch and the flags it excludes, ZooKeeper's zoo.cfg, srvr answers and
// the shared server settings. No process is started here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../bench/cli-args.js';
import { UsageError } from '../../bench/errors.js';
import { parseSrvrMode } from '../../bench/launch/four-letter-word.js';
import { serverSettings } from '../../bench/launch/server-settings.js';
import { renderZooKeeperConfig } from '../../bench/launch/zookeeper-config.js';

async function refused(args: string[], message: RegExp): Promise<void> {
  await assert.rejects(parseCliArgs(args), (e: unknown) => e instanceof UsageError && message.test(e.message), `${args.join(' ')} should fail with ${message}`);
}

describe('canopy-bench --launch', () => {
  test('a standalone server by default; --servers and --tick-time shape it; the system follows --launch', async () => {
    const plain = await parseCliArgs(['--workload', 'create']);
    assert.equal(plain.launch, undefined);
    const standalone = await parseCliArgs(['--workload', 'create', '--launch', 'zookeeper']);
    assert.equal(standalone.launch?.size, 1);
    assert.equal(standalone.launch?.settings.tickTimeMs, 2000);
    assert.equal(standalone.runs[0]!.system, 'zookeeper');
    const ensemble = await parseCliArgs(['--workload', 'failover', '--launch', 'canopy', '--servers', '5', '--tick-time', '200']);
    assert.deepEqual(ensemble.launch, {
      system: 'canopy', size: 5,
      settings: { tickTimeMs: 200, initLimitTicks: 10, syncLimitTicks: 5, minSessionTimeoutMs: 400, maxSessionTimeoutMs: 4000, snapCount: 100_000 },
    });
  });
  test('conflicts and bad values are usage errors', async () => {
    await refused(['--workload', 'get', '--launch', 'etcd'], /--launch must be one of canopy, zookeeper/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--servers', '2'], /--servers must be one of 1, 3, 5/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--servers', 'three'], /--servers must be a whole number/);
    await refused(['--workload', 'get', '--servers', '3'], /--servers needs --launch/);
    await refused(['--workload', 'get', '--tick-time', '200'], /--tick-time needs --launch/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--tick-time', '5'], /--tick-time must be from 10/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--connect', '127.0.0.1:2181'], /--connect is for servers canopy-bench did not start/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--pids', '12'], /--pids is for servers/);
    await refused(['--workload', 'failover', '--launch', 'canopy', '--leader-pid', '12'], /--leader-pid is for servers/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--system', 'zookeeper'], /contradicts --launch canopy/);
    await refused(['--workload', 'restart', '--znodes', '0'], /--znodes must be an integer from 1/);
  });
});

describe('launchers', () => {
  test('zoo.cfg for a ZooKeeper member: same settings as Canopy, fsync left on, srvr allowed', () => {
    const text = renderZooKeeperConfig({
      dataDir: '/d', clientPort: 2181, settings: serverSettings({ tickTimeMs: 200, minSessionTimeoutMs: 400, maxSessionTimeoutMs: 4000 }),
      peers: [{ id: 2, peerPort: 3, electionPort: 4 }, { id: 1, peerPort: 1, electionPort: 2 }],
    });
    assert.match(text, /^tickTime=200$/m);
    assert.match(text, /^minSessionTimeout=400$/m);
    assert.match(text, /^maxClientCnxns=0$/m);
    assert.doesNotMatch(text, /forceSync/);
    assert.match(text, /server\.1=127\.0\.0\.1:1:2\nserver\.2=127\.0\.0\.1:3:4\n$/);
  });
  test('srvr modes', () => {
    assert.equal(parseSrvrMode('Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n'), 'follower');
    assert.equal(parseSrvrMode('This ZooKeeper instance is not currently serving requests\n'), undefined);
    assert.equal(parseSrvrMode(''), undefined);
  });
  test('settings refuse nonsense', () => {
    assert.throws(() => serverSettings({ tickTimeMs: 0 }), RangeError);
    assert.throws(() => serverSettings({ minSessionTimeoutMs: 5000, maxSessionTimeoutMs: 4000 }), RangeError);
  });
});
