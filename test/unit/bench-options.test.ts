// canopy-bench's command line and BenchOptions: defaults, and a clear UsageError for each bad value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../bench/cli-args.js';
import { UsageError } from '../../bench/errors.js';
import { inputOf, resolveBenchOptions } from '../../bench/options.js';

async function refused(args: string[], message: RegExp): Promise<void> {
  await assert.rejects(parseCliArgs(args), (e: unknown) => e instanceof UsageError && message.test(e.message), `${args.join(' ')} should fail with ${message}`);
}

describe('canopy-bench options', () => {
  test('defaults fill what is not given', async () => {
    const { runs, json } = await parseCliArgs(['--workload', 'create']);
    assert.equal(json, false);
    assert.deepEqual(runs, [{
      system: 'canopy', protocol: 'canopy', connect: '127.0.0.1:2181', workload: 'create', sessions: 4, inFlight: 16, stop: { kind: 'seconds', seconds: 10 },
      valueSizeBytes: 100, keys: 1000, warmupSeconds: 0, processes: 1, readRatio: 0.8, watchers: 100, rounds: 5, pids: undefined, sessionTimeoutMs: 30000,
      znodes: 100_000, leaderPid: undefined,
    }]);
  });

  test('every flag is read, and several workloads give one run each', async () => {
    const { runs, json } = await parseCliArgs([
      '--system', 'zookeeper', '--connect', 'zk1:2181,10.0.0.2:2182,[::1]:2183', '--workload', 'set,mixed', '--sessions', '8', '--in-flight', '64',
      '--ops', '5000', '--value-size', '1048576', '--keys', '50', '--warmup', '1.5', '--processes', '2', '--read-ratio', '0.95',
      '--watchers', '30', '--rounds', '3', '--pids', '12,34', '--session-timeout', '10000', '--json', '--znodes', '500', '--leader-pid', '77',
    ]);
    assert.equal(json, true);
    assert.deepEqual(runs.map((r) => r.workload), ['set', 'mixed']);
    assert.deepEqual(runs[1], {
      system: 'zookeeper', protocol: 'zookeeper', connect: 'zk1:2181,10.0.0.2:2182,[::1]:2183', workload: 'mixed', sessions: 8, inFlight: 64, stop: { kind: 'ops', ops: 5000 },
      valueSizeBytes: 1_048_576, keys: 50, warmupSeconds: 1.5, processes: 2, readRatio: 0.95, watchers: 30, rounds: 3, pids: [12, 34], sessionTimeoutMs: 10_000,
      znodes: 500, leaderPid: 77,
    });
  });

  test('large defaults to 512 KiB values over 16 keys unless told otherwise', async () => {
    const [large] = (await parseCliArgs(['--workload', 'large'])).runs;
    assert.equal(large!.valueSizeBytes, 524_288);
    assert.equal(large!.keys, 16);
    const [given] = (await parseCliArgs(['--workload', 'large', '--value-size', '1000', '--keys', '3'])).runs;
    assert.equal(given!.valueSizeBytes, 1000);
    assert.equal(given!.keys, 3);
  });

  test('numbers must be plain, whole where they count things, and in range', async () => {
    await refused(['--workload', 'get', '--sessions', '1.5'], /--sessions must be a whole number/);
    await refused(['--workload', 'get', '--sessions', 'abc'], /--sessions must be a whole number/);
    await refused(['--workload', 'get', '--sessions', '1e3'], /--sessions must be a whole number/);
    await refused(['--workload', 'get', '--sessions', '-1'], /sessions/);
    await refused(['--workload', 'get', '--sessions', '0'], /--sessions must be an integer from 1 to 100000/);
    await refused(['--workload', 'get', '--in-flight', '1001'], /--in-flight must be an integer from 1 to 1000/);
    await refused(['--workload', 'get', '--value-size', '1048577'], /--value-size must be an integer from 0 to 1048576/);
    await refused(['--workload', 'get', '--duration', '0'], /--duration must be a number from 0.1/);
    await refused(['--workload', 'get', '--duration', 'soon'], /--duration must be a number like 10 or 0.5/);
    await refused(['--workload', 'mixed', '--read-ratio', '1.2'], /--read-ratio must be a number from 0 to 1/);
    await refused(['--workload', 'get', '--session-timeout', '10'], /--session-timeout must be an integer from 1000/);
    await refused(['--workload', 'get', '--pids', '12,x'], /--pids must be a whole number/);
    await refused(['--workload', 'get', '--pids', '0'], /--pids must be an integer from 1/);
    await refused(['--workload', 'get', '--sessions', '2', '--sessions', '3'], /given more than once/);
    await refused(['--workload', 'get', '--sessions'], /--sessions/);
  });

  test('contradictions and unknowns are refused', async () => {
    await refused([], /--workload is required/);
    await refused(['--workload', 'nope'], /--workload must be one of create, set, get, mixed, delete, watch-fanout, sessions, large/);
    await refused(['--workload', 'get', '--system', 'etcd'], /--system must be one of canopy, zookeeper/);
    await refused(['--workload', 'get', '--duration', '5', '--ops', '100'], /--duration or --ops, not both/);
    await refused(['--workload', 'get', '--bogus', '1'], /bogus/i);
    await refused(['--workload', 'get', 'extra'], /argument.*extra/i);
    await refused(['--workload', 'get', '--processes', '3', '--sessions', '2'], /--processes \(3\) must not exceed --sessions \(2\)/);
    await refused(['--workload', 'watch-fanout', '--processes', '3', '--watchers', '2'], /--processes \(3\) must not exceed --watchers \(2\)/);
    await refused(['--workload', 'delete', '--warmup', '2'], /--warmup does not apply to delete/);
  });

  test('--connect must be host:port pairs', async () => {
    for (const connect of ['', 'localhost', ':2181', 'host:', 'host:0', 'host:65536', 'ho st:1', 'a:1,,b:2', 'host:21x', '[zz]:1']) {
      await refused(['--workload', 'get', '--connect', connect], /--connect/);
    }
  });

  test('BenchOptions built in code are checked the same way', () => {
    const good = resolveBenchOptions({ workload: 'get', ops: 10 });
    assert.deepEqual(resolveBenchOptions(inputOf(good)), good);
    assert.throws(() => resolveBenchOptions({ workload: 'get', sessions: 2.5 }), /--sessions must be an integer/);
    assert.throws(() => resolveBenchOptions({ workload: 'get', durationSeconds: Number.NaN }), /--duration must be a number/);
    assert.throws(() => inputOf({ ...good, stop: undefined as never }), UsageError);
    assert.equal(resolveBenchOptions({ workload: 'get', system: 'canopy', protocol: 'zookeeper' }).protocol, 'zookeeper');
    assert.throws(() => resolveBenchOptions({ workload: 'get', system: 'zookeeper', protocol: 'canopy' }), /does not speak the canopy protocol/);
    assert.throws(() => resolveBenchOptions({ workload: 'get', protocol: 'websocket' as never }), /--protocol must be one of/);
  });
});
