// canopy-cli's setquota, listquota and delquota against a real server, with zkCli's output and refusals
// (as ZooKeeper 3.8's zkCli prints them), and the server enforcing what they set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { runCli } from '../support/cli.js';
import type { CliRun } from '../support/cli.js';

describe('canopy-cli quota commands', () => {
  let server: ServerProcess;
  let sdk: Client;
  let cli: (...args: string[]) => Promise<CliRun>;

  const ok = async (...args: string[]): Promise<string> => {
    const run = await cli(...args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };
  const fails = async (code: number, stderr: RegExp, ...args: string[]): Promise<void> => {
    const run = await cli(...args);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, stderr);
  };

  before(async () => {
    server = await ServerProcess.start();
    sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    cli = (...args) => runCli(['-server', server.connectString, ...args]);
  });
  after(async () => {
    await sdk?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('setquota, listquota and the limits the server then enforces, as zkCli shows them', async () => {
    await sdk.create('/a', 'x');
    assert.equal(await ok('setquota', '-n', '3', '/a'), '');
    assert.equal(await ok('listquota', '/a'), 'Output quota for /a count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=-1\nOutput stat for /a count=1,bytes=1\n');
    await sdk.create('/a/b', 'hello');
    assert.equal(await ok('setquota', '-N', '3', '/a'), '');
    assert.equal(await ok('listquota', '/a'), 'Output quota for /a count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=3\nOutput stat for /a count=2,bytes=6\n');
    await ok('create', '/a/c');
    await fails(1, /^Quota has exceeded : \/a\/d\n$/, 'create', '/a/d');
    await ok('setquota', '-B', '10', '/a');
    await fails(1, /^Quota has exceeded : \/a\/b\n$/, 'set', '/a/b', '0123456789');
    await ok('set', '/a/b', '01234');
    const json = JSON.parse(await ok('--json', 'listquota', '/a')) as unknown;
    assert.deepEqual(json, { path: '/a', quota: { count: 3, bytes: -1, countHardLimit: 3, byteHardLimit: 10 }, stat: { count: 3, bytes: 6 } });
  });

  test('setquota refuses what zkCli refuses', async () => {
    await sdk.create('/p');
    await sdk.create('/p/q');
    await sdk.create('/p/q/r');
    await ok('setquota', '-n', '10', '/p/q');
    await fails(1, /^\/p\/q\/r has a parent \/p\/q which has a quota\n$/, 'setquota', '-n', '1', '/p/q/r');
    await fails(1, /^\/p has a child \/p\/q which has a quota\n$/, 'setquota', '-b', '1', '/p');
    await fails(1, /^\/nonexist does not exist\.\n$/, 'setquota', '-n', '2', '/nonexist');
    await fails(1, /^cannot set a quota under the path: \/zookeeper\/quota\n$/, 'setquota', '-n', '2', '/zookeeper/quota/x');
    await fails(1, /^cannot set a quota on \/: /, 'setquota', '-n', '2', '/');
    await fails(1, /^cannot set a quota on \/zookeeper: /, 'setquota', '-n', '2', '/zookeeper');
    await fails(2, /^the num quota must be greater than zero\n/, 'setquota', '-n', '0', '/p');
    await fails(2, /^the num quota must be greater than zero\n/, 'setquota', '-N', '-1', '/p');
    await fails(2, /^the bytes quota must be greater than or equal to zero\n/, 'setquota', '-b', '-5', '/p');
    await fails(2, /^-n needs an integer \(got abc\)\n/, 'setquota', '-n', 'abc', '/p');
    await fails(2, /^-B needs an integer/, 'setquota', '-B', '1e3', '/p');
    await fails(2, /^give one of -n, -b, -N, -B\nusage: setquota -n\|-b\|-N\|-B val path/, 'setquota', '/p');
    await fails(2, /^give only one of -n, -b, -N, -B\n/, 'setquota', '-n', '5', '-b', '10', '/p');
    assert.equal(await ok('ls', '/zookeeper/quota/p'), '[q]\n', 'nothing was written for the refused ones');
  });

  test('setquota below what the subtree holds warns, as zkCli does', async () => {
    await sdk.create('/w');
    await sdk.create('/w/1', '12345');
    assert.equal(await ok('setquota', '-n', '1', '/w'), '[Warning]: the count quota you create is less than the existing count:2\n');
    assert.equal(await ok('setquota', '-B', '4', '/w'), '[Warning]: the count quota you create is less than the existing count:2\n[Warning]: the bytes quota you create is less than the existing bytes:5\n');
  });

  test('delquota removes one limit, or the whole quota and its empty directories', async () => {
    await sdk.create('/d');
    await sdk.create('/d/e');
    await ok('setquota', '-N', '5', '/d/e');
    await ok('setquota', '-b', '100', '/d/e');
    assert.equal(await ok('delquota', '-N', '/d/e'), '');
    assert.match(await ok('listquota', '/d/e'), /^Output quota for \/d\/e count=-1,bytes=100=;byteHardLimit=-1;countHardLimit=-1\n/);
    await fails(2, /^give only one of/, 'delquota', '-n', '-b', '/d/e');
    assert.equal(await ok('delquota', '/d/e'), '');
    await fails(1, /^quota for \/d\/e does not exist\.\n$/, 'listquota', '/d/e');
    await fails(1, /^Quota does not exist for \/d\/e\n$/, 'delquota', '/d/e');
    assert.equal((await sdk.exists('/zookeeper/quota/d')), null, 'empty quota directories are trimmed');
    assert.ok((await sdk.exists('/zookeeper/quota')) !== null);
    await sdk.create('/d/e/free');
  });

  test('help lists the quota commands', async () => {
    const help = await runCli(['help']);
    for (const line of ['\tsetquota -n|-b|-N|-B val path', '\tlistquota path', '\tdelquota [-n|-b|-N|-B] path']) assert.ok(help.stdout.includes(`${line}\n`), line);
  });
});
