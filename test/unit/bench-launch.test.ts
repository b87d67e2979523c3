// The launchers' pure parts: --launch and the flags it excludes, --protocol and the ports it hands the
// sessions, ZooKeeper's zoo.cfg, srvr answers and the shared server settings. No process is started here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../bench/cli-args.js';
import { UsageError } from '../../bench/errors.js';
import { memberConfigExtra } from '../../bench/launch/canopy-cluster.js';
import { renderServerConfig } from '../../bench/launch/canopy-config.js';
import { canopyMemberPorts, canopyPortCount, sessionPort } from '../../bench/launch/canopy-ports.js';
import { parseSrvrMode } from '../../bench/launch/four-letter-word.js';
import { launchCluster } from '../../bench/launch/index.js';
import { ClusterError } from '../../bench/launch/cluster.js';
import { DEFAULT_SERVER_SETTINGS, serverSettings } from '../../bench/launch/server-settings.js';
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
      system: 'canopy', protocol: 'canopy', size: 5,
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

describe('canopy-bench --protocol', () => {
  test('each system\'s own by default; Canopy through its ZooKeeper door on request, launched or not', async () => {
    const own = await parseCliArgs(['--workload', 'get', '--launch', 'zookeeper']);
    assert.equal(own.launch?.protocol, 'zookeeper');
    assert.equal(own.runs[0]!.protocol, 'zookeeper');
    assert.equal((await parseCliArgs(['--workload', 'get', '--launch', 'canopy'])).runs[0]!.protocol, 'canopy');
    const door = await parseCliArgs(['--workload', 'get,set', '--launch', 'canopy', '--servers', '3', '--protocol', 'zookeeper']);
    assert.deepEqual([door.launch?.system, door.launch?.protocol, door.launch?.size], ['canopy', 'zookeeper', 3]);
    assert.deepEqual(door.runs.map((r) => [r.system, r.protocol]), [['canopy', 'zookeeper'], ['canopy', 'zookeeper']]);
    const given = await parseCliArgs(['--workload', 'get', '--system', 'canopy', '--protocol', 'zookeeper', '--connect', '127.0.0.1:2182']);
    assert.deepEqual([given.runs[0]!.system, given.runs[0]!.protocol, given.launch], ['canopy', 'zookeeper', undefined]);
  });
  test('a protocol the system does not speak, or no protocol at all, is a usage error', async () => {
    await refused(['--workload', 'get', '--launch', 'zookeeper', '--protocol', 'canopy'], /--protocol canopy: zookeeper does not speak the canopy protocol/);
    await refused(['--workload', 'get', '--system', 'zookeeper', '--protocol', 'canopy'], /zookeeper does not speak the canopy protocol/);
    await refused(['--workload', 'get', '--launch', 'canopy', '--protocol', 'jute'], /--protocol must be one of canopy, zookeeper, not 'jute'/);
    await refused(['--workload', 'get', '--protocol', `${'x'.repeat(500)}\n$(id)`], /--protocol must be one of canopy, zookeeper, not 'x{40}'$/);
    await refused(['--workload', 'get', '--protocol', 'zookeeper', '--protocol', 'canopy'], /--protocol is given more than once/);
    await refused(['--workload', 'get', '--protocol'], /--protocol/);
  });
  test('a launcher refuses a protocol its system does not speak before starting anything', async () => {
    await assert.rejects(launchCluster('zookeeper', { size: 1, settings: DEFAULT_SERVER_SETTINGS, protocol: 'canopy' }), ClusterError);
  });
});

describe('Canopy\'s ports for each protocol', () => {
  const ports = (n: number): number[] => Array.from({ length: n }, (_, i) => 20_000 + i);
  test('standalone: the WebSocket port, plus the ZooKeeper door only when the sessions speak ZooKeeper\'s protocol', () => {
    assert.equal(canopyPortCount(1, 'canopy'), 1);
    const [own] = canopyMemberPorts(1, 'canopy', ports(1));
    assert.deepEqual(own, { id: 1, clientPort: 20_000, peerPort: undefined, zkClientPort: undefined });
    assert.equal(sessionPort(own!, 'canopy'), 20_000);
    assert.throws(() => sessionPort(own!, 'zookeeper'), /no ZooKeeper door/);
    assert.equal(canopyPortCount(1, 'zookeeper'), 2);
    const [door] = canopyMemberPorts(1, 'zookeeper', ports(2));
    assert.deepEqual(door, { id: 1, clientPort: 20_000, peerPort: undefined, zkClientPort: 20_001 });
    assert.equal(sessionPort(door!, 'zookeeper'), 20_001);
  });
  test('an ensemble: every member its own WebSocket, peer and door ports, the sessions the doors', () => {
    assert.equal(canopyPortCount(3, 'canopy'), 6);
    assert.equal(canopyPortCount(5, 'zookeeper'), 15);
    const members = canopyMemberPorts(3, 'zookeeper', ports(9));
    assert.deepEqual(members.map((m) => [m.id, m.clientPort, m.peerPort, m.zkClientPort]), [
      [1, 20_000, 20_003, 20_006], [2, 20_001, 20_004, 20_007], [3, 20_002, 20_005, 20_008],
    ]);
    assert.deepEqual(members.map((m) => sessionPort(m, 'zookeeper')), [20_006, 20_007, 20_008]);
    assert.deepEqual(canopyMemberPorts(3, 'canopy', ports(6)).map((m) => sessionPort(m, 'canopy')), [20_000, 20_001, 20_002]);
  });
  test('too few, too many or repeated ports are refused', () => {
    assert.throws(() => canopyMemberPorts(3, 'zookeeper', ports(6)), RangeError);
    assert.throws(() => canopyMemberPorts(1, 'canopy', ports(2)), RangeError);
    assert.throws(() => canopyMemberPorts(1, 'zookeeper', [5, 5]), RangeError);
  });
  test('zoo.cfg opens the ZooKeeper door on its port only when asked for it', () => {
    const [door] = canopyMemberPorts(1, 'zookeeper', ports(2));
    const text = renderServerConfig({ id: 1, dataDir: '/d', clientPort: door!.clientPort, peers: [], tickTime: 2000, extra: memberConfigExtra(DEFAULT_SERVER_SETTINGS, door!) });
    assert.match(text, /^clientPort=20000$/m);
    assert.match(text, /^zkClientPort=20001$/m);
    const [own] = canopyMemberPorts(1, 'canopy', ports(1));
    assert.doesNotMatch(renderServerConfig({ id: 1, dataDir: '/d', clientPort: 20_000, peers: [], tickTime: 2000, extra: memberConfigExtra(DEFAULT_SERVER_SETTINGS, own!) }), /zkClientPort/);
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
