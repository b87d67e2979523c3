// canopy-cli one-shot mode against a real server: every command, its output, exit codes and --json shapes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, CreateMode, ErrorCode } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { runCli } from '../support/cli.js';
import type { CliRun } from '../support/cli.js';

const STAT_FIELDS = ['cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren'];

function statLinesOf(text: string): string[] {
  return text.split('\n').filter((l) => /^\w+ = /.test(l)).map((l) => l.split(' = ')[0]!);
}

function json(run: CliRun): Record<string, unknown> {
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON value expected, got:\n${run.stdout}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('canopy-cli one-shot', () => {
  let server: ServerProcess;
  let sdk: Client;
  let tmp: string;
  let cli: (...args: string[]) => Promise<CliRun>;
  let cliJson: (...args: string[]) => Promise<CliRun>;

  before(async () => {
    server = await ServerProcess.start();
    sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    tmp = mkdtempSync(join(tmpdir(), 'canopy-cli-data-'));
    cli = (...args) => runCli(['-server', server.connectString, ...args]);
    cliJson = (...args) => runCli(['-server', server.connectString, '--json', ...args]);
  });
  after(async () => {
    await sdk?.close();
    await server?.stop();
    server?.removeDataDir();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('create then get shows the data, and the Stat with -s', async () => {
    const created = await cli('create', '/one', 'hello world');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'Created /one\n');
    const got = await cli('get', '/one');
    assert.equal(got.code, 0);
    assert.equal(got.stdout, 'hello world\n');
    const withStat = await cli('get', '-s', '/one');
    const lines = withStat.stdout.split('\n');
    assert.equal(lines[0], 'hello world');
    assert.deepEqual(statLinesOf(withStat.stdout), STAT_FIELDS);
    const stat = (await sdk.exists('/one'))!;
    assert.match(withStat.stdout, new RegExp(`^cZxid = 0x${stat.czxid.toString(16)}$`, 'm'));
    assert.match(withStat.stdout, /^dataVersion = 0$/m);
    assert.match(withStat.stdout, /^dataLength = 11$/m);
    assert.match(withStat.stdout, /^ephemeralOwner = 0x0$/m);
    assert.match(withStat.stdout, /^ctime = \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \S+ \d{4}$/m);
  });

  test('--json get and create print one JSON value', async () => {
    const created = json(await cliJson('create', '/j', 'v'));
    assert.deepEqual(created, { path: '/j' });
    const got = json(await cliJson('get', '/j'));
    assert.equal(got.path, '/j');
    assert.equal(got.data, 'v');
    assert.equal(got.hex, '76');
    const stat = got.stat as Record<string, number>;
    assert.equal(stat.version, 0);
    assert.equal(stat.dataLength, 1);
  });

  test('a missing node: exit 1 with the zkCli sentence, and the error object in --json', async () => {
    const del = await cli('delete', '/x');
    assert.equal(del.code, 1);
    assert.equal(del.stderr, 'Node does not exist: /x\n');
    assert.equal(del.stdout, '');
    const delJson = await cliJson('delete', '/x');
    assert.equal(delJson.code, 1);
    assert.deepEqual(json(delJson), { error: { code: -101, name: 'NONODE', path: '/x', message: 'Node does not exist: /x' } });
    for (const args of [['get', '/x'], ['stat', '/x'], ['ls', '/x'], ['getAcl', '/x'], ['set', '/x', 'd'], ['getAllChildrenNumber', '/x']]) {
      const run = await cli(...args);
      assert.equal(run.code, 1, args.join(' '));
      assert.equal(run.stderr, 'Node does not exist: /x\n', args.join(' '));
    }
  });

  test('set -v with a wrong version is BADVERSION; set -s prints the new Stat', async () => {
    await sdk.create('/ver', 'a');
    const bad = await cli('set', '-v', '5', '/ver', 'b');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'version No is not valid : /ver\n');
    assert.deepEqual(json(await cliJson('set', '-v', '5', '/ver', 'b')).error, {
      code: ErrorCode.BADVERSION, name: 'BADVERSION', path: '/ver', message: 'version No is not valid : /ver',
    });
    const ok = await cli('set', '-s', '-v', '0', '/ver', 'bb');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^dataVersion = 1$/m);
    assert.match(ok.stdout, /^dataLength = 2$/m);
    const quiet = await cli('set', '/ver', 'ccc');
    assert.equal(quiet.stdout, '');
    assert.equal((await sdk.getData('/ver')).stat.version, 2);
    const badDelete = await cli('delete', '-v', '0', '/ver');
    assert.equal(badDelete.stderr, 'version No is not valid : /ver\n');
    assert.equal((await cli('delete', '-v', '2', '/ver')).code, 0);
    assert.equal(await sdk.exists('/ver'), null);
  });

  test('NODEEXISTS, NOTEMPTY and NOCHILDRENFOREPHEMERALS read as sentences', async () => {
    await sdk.create('/dup', '');
    await sdk.create('/dup/child', '');
    const exists = await cli('create', '/dup');
    assert.equal(exists.code, 1);
    assert.equal(exists.stderr, 'Node already exists: /dup\n');
    assert.equal(json(await cliJson('create', '/dup')).error && (json(await cliJson('create', '/dup')).error as { name: string }).name, 'NODEEXISTS');
    const notEmpty = await cli('delete', '/dup');
    assert.equal(notEmpty.stderr, 'Node not empty: /dup\n');
    await sdk.create('/eph', '', { mode: CreateMode.EPHEMERAL });
    const under = await cli('create', '/eph/c');
    assert.equal(under.stderr, 'Ephemerals cannot have children: /eph/c\n');
    const noParent = await cli('create', '/nope/c');
    assert.equal(noParent.stderr, 'Node does not exist: /nope/c\n');
  });

  test('create -e -s, -t ttl and -c make the right kinds of node', async () => {
    await sdk.create('/kinds', '');
    const seq = await cli('create', '-s', '/kinds/s-', 'x');
    assert.equal(seq.stdout, 'Created /kinds/s-0000000000\n');
    const ephSeq = await cli('create', '-e', '-s', '/kinds/e-');
    assert.equal(ephSeq.code, 0, ephSeq.stderr);
    assert.equal(ephSeq.stdout, 'Created /kinds/e-0000000001\n');
    // The one-shot session ended on exit, and its ephemeral with it.
    assert.equal(await sdk.exists('/kinds/e-0000000001'), null);
    const bundled = await cli('create', '-es', '/kinds/b-');
    assert.equal(bundled.stdout, 'Created /kinds/b-0000000002\n');
    const ttl = await cli('create', '-t', '60000', '/kinds/ttl', 'x');
    assert.equal(ttl.stdout, 'Created /kinds/ttl\n');
    assert.equal((await sdk.exists('/kinds/ttl'))?.ephemeralOwner, 0);
    const container = await cli('create', '-c', '/kinds/cont');
    assert.equal(container.code, 0);
    assert.ok(await sdk.exists('/kinds/cont'));
    for (const [args, why] of [[['-c', '-e', '/kinds/z'], /-c cannot be combined/], [['-t', '100', '-e', '/kinds/z'], /TTLs cannot be used with ephemeral/],
      [['-t', 'soon', '/kinds/z'], /-t needs an integer/], [['-t', '0', '/kinds/z'], /-t needs an integer/]] as const) {
      const run = await cli('create', ...args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, why);
      assert.match(run.stderr, /usage: create \[-s\] \[-e\] \[-c\] \[-t ttl\] path/);
    }
    assert.equal(await sdk.exists('/kinds/z'), null);
  });

  test('create with an ACL; getAcl prints zkCli layout; setAcl and setAcl -R', async () => {
    const created = await cli('create', '/acl', 'x', 'world:anyone:cdrwa,ip:10.0.0.1:rw');
    assert.equal(created.code, 0, created.stderr);
    const got = await cli('getAcl', '/acl');
    assert.equal(got.stdout, "'world,'anyone\n: cdrwa\n'ip,'10.0.0.1\n: rw\n");
    const withStat = await cli('getAcl', '-s', '/acl');
    assert.deepEqual(statLinesOf(withStat.stdout), STAT_FIELDS);
    assert.deepEqual(json(await cliJson('getAcl', '/acl')).acl, [
      { scheme: 'world', id: 'anyone', perms: 'cdrwa' }, { scheme: 'ip', id: '10.0.0.1', perms: 'rw' },
    ]);
    const set = await cli('setAcl', '-s', '/acl', 'world:anyone:ra');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^aclVersion = 1$/m);
    assert.deepEqual((await sdk.getACL('/acl')).acl, [{ perms: 17, id: { scheme: 'world', id: 'anyone' } }]);
    const badVersion = await cli('setAcl', '-v', '0', '/acl', 'world:anyone:cdrwa');
    assert.equal(badVersion.stderr, 'version No is not valid : /acl\n');
    const digest = await cli('setAcl', '/acl', 'digest:alice:abc=:cdrwa,world:anyone:cdrwa');
    assert.equal(digest.code, 0, digest.stderr);
    assert.deepEqual((await sdk.getACL('/acl')).acl[0]!.id, { scheme: 'digest', id: 'alice:abc=' });
    await sdk.create('/acl/a', '');
    await sdk.create('/acl/a/b', '');
    const recursive = await cli('setAcl', '-R', '/acl', 'world:anyone:rw');
    assert.equal(recursive.code, 0, recursive.stderr);
    for (const p of ['/acl', '/acl/a', '/acl/a/b']) assert.equal((await sdk.getACL(p)).acl[0]!.perms, 3, p);
    const noAdmin = await cli('setAcl', '/acl', 'world:anyone:cdrwa');
    assert.equal(noAdmin.stderr, 'Authentication is not valid : /acl\n', 'zkCli wording for NOAUTH');
    const badAcl = await cli('setAcl', '/acl', 'world:anyone:xyz');
    assert.equal(badAcl.code, 2);
    assert.match(badAcl.stderr, /acl 'world:anyone:xyz' is not valid/);
  });

  test('ls, ls -s, ls -R', async () => {
    await sdk.create('/tree', '');
    for (const p of ['/tree/b', '/tree/a', '/tree/a/x', '/tree/a/x/deep', '/tree/c']) await sdk.create(p, '');
    assert.equal((await cli('ls', '/tree')).stdout, '[a, b, c]\n');
    const withStat = await cli('ls', '-s', '/tree');
    assert.equal(withStat.stdout.split('\n')[0], '[a, b, c]');
    assert.match(withStat.stdout, /^numChildren = 3$/m);
    assert.equal((await cli('ls', '-R', '/tree')).stdout, '/tree\n/tree/a\n/tree/b\n/tree/c\n/tree/a/x\n/tree/a/x/deep\n');
    assert.deepEqual(json(await cliJson('ls', '/tree')), { path: '/tree', children: ['a', 'b', 'c'] });
    assert.deepEqual(json(await cliJson('ls', '-R', '/tree/a')).paths, ['/tree/a', '/tree/a/x', '/tree/a/x/deep']);
    assert.equal((await cli('ls', '/tree/c')).stdout, '[]\n');
  });

  test('deleteall removes the subtree; getAllChildrenNumber counts at any depth', async () => {
    await sdk.create('/doomed', '');
    for (const p of ['/doomed/a', '/doomed/a/b', '/doomed/c']) await sdk.create(p, '');
    const count = await cli('getAllChildrenNumber', '/doomed');
    assert.equal(count.stdout, '3\n');
    assert.deepEqual(json(await cliJson('getAllChildrenNumber', '/doomed')), { path: '/doomed', count: 3 });
    const run = await cli('deleteall', '/doomed');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await sdk.exists('/doomed'), null);
    const batched = await sdk.create('/doomed2', '').then(() => sdk.create('/doomed2/k', '')).then(() => cli('deleteall', '/doomed2', '-b', '1'));
    assert.equal(batched.code, 0, batched.stderr);
    assert.equal(await sdk.exists('/doomed2'), null);
    const missing = await cli('deleteall', '/doomed');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Node does not exist: /doomed\n');
  });

  test('stat, sync, getEphemerals, addWatch, removewatches, printwatches', async () => {
    await sdk.create('/s', 'abc');
    const stat = await cli('stat', '/s');
    assert.deepEqual(statLinesOf(stat.stdout), STAT_FIELDS);
    assert.match(stat.stdout, /^dataLength = 3$/m);
    assert.equal((await cli('sync', '/s')).stdout, 'Sync is OK\n');
    assert.deepEqual(json(await cliJson('sync', '/s')), { path: '/s', synced: true });
    assert.equal((await cli('getEphemerals')).stdout, '[]\n');
    assert.deepEqual(json(await cliJson('getEphemerals', '/s')), { path: '/s', paths: [] });
    // One-shot addWatch streams its events until SIGINT (cli-first-hour.test.ts); a bad mode fails before it starts.
    const badMode = await cli('addWatch', '-m', 'ONCE', '/s');
    assert.equal(badMode.code, 2);
    assert.match(badMode.stderr, /usage: addWatch \[-m mode\] path/);
    // A fresh session has no watch to remove.
    const remove = await cli('removewatches', '/s', '-d');
    assert.equal(remove.code, 1);
    assert.match(remove.stderr, /^No such watcher : \/s/);
    assert.equal(json(await cliJson('removewatches', '/s')).error && (json(await cliJson('removewatches', '/s')).error as { name: string }).name, 'NOWATCHER');
    assert.equal((await cli('printwatches')).stdout, 'printwatches is on\n');
    assert.equal((await cli('printwatches', 'maybe')).code, 2);
  });

  test('whoami and addauth digest', async () => {
    const who = await cli('whoami');
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout, 'Auth scheme: User\nip: 127.0.0.1\n');
    assert.deepEqual(json(await cliJson('whoami')), { ids: [{ scheme: 'ip', id: '127.0.0.1' }] });
    const added = await cli('addauth', 'digest', 'alice:secret');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, '');
    const bad = await cliJson('addauth', 'nosuchscheme', 'x');
    assert.equal(bad.code, 1);
    assert.equal((json(bad).error as { name: string }).name, 'AUTHFAILED');
    assert.match((json(bad).error as { message: string }).message, /^Authentication failed/);
    // whoami after addauth in one session: see cli-interactive.test.ts (a one-shot session ends on exit).
  });

  test('--hex and -f data; binary data is shown as a hex dump', async () => {
    const hex = await cli('create', '/bin', '--hex', '00ff416210');
    assert.equal(hex.code, 0, hex.stderr);
    assert.deepEqual([...(await sdk.getData('/bin')).data], [0, 0xff, 0x41, 0x62, 0x10]);
    assert.equal((await cli('get', '/bin')).stdout, '00000000  00 ff 41 62 10                                    |..Ab.|\n');
    const long = Uint8Array.from({ length: 20 }, (_, i) => i + 60);
    long[0] = 0;
    const file = join(tmp, 'blob');
    writeFileSync(file, long);
    const fromFile = await cli('set', '/bin', '-f', file);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual((await sdk.getData('/bin')).data, long);
    const dump = (await cli('get', '/bin')).stdout.split('\n');
    assert.equal(dump[0], '00000000  00 3d 3e 3f 40 41 42 43  44 45 46 47 48 49 4a 4b  |.=>?@ABCDEFGHIJK|');
    assert.equal(dump[1], '00000010  4c 4d 4e 4f                                       |LMNO|');
    const got = json(await cliJson('get', '/bin'));
    assert.equal(got.data, null);
    assert.equal(got.hex, Buffer.from(long).toString('hex'));
    writeFileSync(join(tmp, 'text'), 'line one\nline two\ttab');
    await cli('create', '/txt', '-f', join(tmp, 'text'), 'world:anyone:r');
    assert.equal((await cli('get', '/txt')).stdout, 'line one\nline two\ttab\n');
    assert.equal((await sdk.getACL('/txt')).acl[0]!.perms, 1);
    const missing = await cli('set', '/bin', '-f', join(tmp, 'absent'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /-f .*absent: cannot read the file \(ENOENT\)/);
    const badHex = await cli('set', '/bin', '--hex', 'abc');
    assert.equal(badHex.code, 2);
    const twice = await cli('set', '/bin', 'x', '--hex', '00');
    assert.equal(twice.code, 2);
  });

  test('usage errors exit 2 with the usage line, never a stack', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nosuch'], /unknown command nosuch/],
      [['get'], /usage: get \[-s\] \[-w\] path/],
      [['get', '-q', '/a'], /unknown option -q\nusage: get \[-s\] \[-w\] path/],
      [['set', '/a'], /usage: set \[-s\] \[-v version\] path/],
      [['set', '-v', 'abc', '/a', 'x'], /-v needs an integer/],
      [['delete', '-v'], /option -v needs a value/],
      [['ls', '/a', '/b'], /too many arguments/],
      [['create'], /usage: create/],
      [['redo', '3'], /no command number 3/],
    ];
    for (const [args, pattern] of cases) {
      const run = await cli(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
    const asJson = await cliJson('get');
    assert.equal(asJson.code, 2);
    assert.deepEqual(json(asJson), { error: { name: 'USAGE', message: 'get: missing arguments', usage: 'get [-s] [-w] path' } });
    const topLevel = await runCli(['-bogus']);
    assert.equal(topLevel.code, 2);
    assert.match(topLevel.stderr, /unknown option -bogus\nusage: canopy-cli/);
  });

  test('help lists every command; help <cmd> shows one; neither needs a server', async () => {
    const all = await runCli(['-server', '127.0.0.1:1', 'help']);
    assert.equal(all.code, 0);
    for (const name of ['addauth', 'addWatch', 'close', 'connect', 'create', 'delete', 'deleteall', 'get', 'getAcl', 'getAllChildrenNumber',
      'getEphemerals', 'history', 'ls', 'printwatches', 'quit', 'redo', 'removewatches', 'set', 'setAcl', 'stat', 'sync', 'watch', 'whoami']) {
      assert.match(all.stdout, new RegExp(`^\\t${name}\\b`, 'm'), name);
    }
    const one = await runCli(['help', 'ls']);
    assert.match(one.stdout, /^ls \[-s\] \[-w\] \[-R\] path$/m);
  });

  test('an unreachable server fails with exit 1 and says why in one line', async () => {
    const run = await runCli(['-server', '127.0.0.1:1', '--connect-timeout', '500', 'ls', '/']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^connection refused: nothing listens at 127\.0\.0\.1:1 .*\n$/);
  });
});
