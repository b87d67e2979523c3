// canopy-cli as an interactive shell against a real server: over a pipe (readline without a terminal)
// and over a pseudo-terminal (tab completion), with another client (the SDK) changing watched nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';
import { CliProcess, stripAnsi } from '../support/cli.js';
import { until } from '../support/until.js';

const PROMPT = (state: string, n: number): RegExp => new RegExp(`\\[canopy: 127\\.0\\.0\\.1:\\d+\\(${state}\\) ${n}\\] `);

describe('canopy-cli interactive', () => {
  let server: ServerProcess;
  let sdk: Client;
  let tmp: string;

  before(async () => {
    server = await ServerProcess.start();
    sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    tmp = mkdtempSync(join(tmpdir(), 'canopy-cli-session-'));
  });
  after(async () => {
    await sdk?.close();
    await server?.stop();
    server?.removeDataDir();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Sends a line and resolves with the output it produced, up to the next prompt. */
  async function send(cli: CliProcess, line: string, until: RegExp): Promise<string> {
    const from = cli.mark();
    cli.write(`${line}\n`);
    await cli.waitFor(until, { from });
    return stripAnsi(cli.stdout.slice(from));
  }

  test('over a pipe: create, ls, get -w with a change by another client, printwatches, history, redo, close, connect', async () => {
    const historyFile = join(tmp, 'pipe-history');
    const cli = CliProcess.start(['-server', server.connectString], { env: { CANOPY_CLI_HISTORY: historyFile } });
    try {
      await cli.waitFor(/WatchedEvent state:SyncConnected type:None path:null/);
      await cli.waitFor(PROMPT('CONNECTED', 0));
      assert.match(await send(cli, 'create /ia "hello there"', PROMPT('CONNECTED', 1)), /Created \/ia\n/);
      assert.match(await send(cli, 'create /ia/k1', PROMPT('CONNECTED', 2)), /Created \/ia\/k1/);
      assert.match(await send(cli, 'ls /ia', PROMPT('CONNECTED', 3)), /^\[k1\]$/m);
      assert.match(await send(cli, 'get -w /ia', PROMPT('CONNECTED', 4)), /^hello there$/m);

      const from = cli.mark();
      await sdk.setData('/ia', 'changed');
      const fired = await cli.waitFor(/WATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:\/ia zxid: (\d+)/, { from });
      assert.equal(Number(fired[1]), (await sdk.exists('/ia'))!.mzxid);

      await send(cli, 'printwatches off', PROMPT('CONNECTED', 5));
      await send(cli, 'get -w /ia', PROMPT('CONNECTED', 6));
      const quietFrom = cli.mark();
      await sdk.setData('/ia', 'again');
      // The event for our watch reaches the shell's session before the answer to its next read.
      assert.match(await send(cli, 'get /ia', PROMPT('CONNECTED', 7)), /^again$/m);
      assert.doesNotMatch(stripAnsi(cli.stdout.slice(quietFrom)), /WATCHER::/);
      await send(cli, 'printwatches on', PROMPT('CONNECTED', 8));

      assert.match(await send(cli, 'create -e /ia/eph', PROMPT('CONNECTED', 9)), /Created \/ia\/eph/);
      assert.match(await send(cli, 'getEphemerals', PROMPT('CONNECTED', 10)), /^\[\/ia\/eph\]$/m);
      await send(cli, 'addauth digest alice:secret', PROMPT('CONNECTED', 11));
      const who = await send(cli, 'whoami', PROMPT('CONNECTED', 12));
      assert.match(who, /^Auth scheme: User\nip: 127\.0\.0\.1\ndigest: alice/m);

      const history = await send(cli, 'history', PROMPT('CONNECTED', 13));
      // zkCli shows the last ten.
      assert.match(history, /^3 - get -w \/ia\n4 - printwatches off\n/m);
      assert.doesNotMatch(history, /^2 - /m);
      assert.match(history, /^12 - history$/m);
      assert.match(await send(cli, 'redo 2', PROMPT('CONNECTED', 14)), /^\[eph, k1\]$/m);
      assert.match(await send(cli, 'history', PROMPT('CONNECTED', 15)), /^13 - ls \/ia$/m);

      const errFrom = cli.stderr.length;
      await send(cli, 'delete /nothing', PROMPT('CONNECTED', 16));
      // stderr and stdout are two pipes: an error line may arrive after the prompt that follows it.
      await until(() => /Node does not exist: \/nothing/.test(cli.stderr.slice(errFrom)), { timeoutMs: 30_000, message: 'the NONODE line' });
      await send(cli, 'get', PROMPT('CONNECTED', 17));
      await until(() => /usage: get \[-s\] \[-w\] path/.test(cli.stderr.slice(errFrom)), { timeoutMs: 30_000, message: 'the usage line' });

      await send(cli, 'close', PROMPT('CLOSED', 18));
      assert.equal(await sdk.exists('/ia/eph'), null);
      await send(cli, 'ls /ia', PROMPT('CLOSED', 19));
      await until(() => /not connected/.test(cli.stderr), { timeoutMs: 30_000, message: 'the not-connected line' });
      await send(cli, `connect ${server.connectString}`, PROMPT('CONNECTED', 20));
      assert.match(await send(cli, 'ls /ia', PROMPT('CONNECTED', 21)), /^\[k1\]$/m);
      cli.write('quit\n');
      assert.equal(await cli.waitExit(), 0);
    } finally {
      await cli.kill();
    }
    const saved = readFileSync(historyFile, 'utf8').split('\n');
    assert.equal(saved[0], 'create /ia "hello there"');
    assert.ok(saved.includes('quit'));
  });

  test('removewatches takes a data watch off: a later change prints no WATCHER line for it', async () => {
    const cli = CliProcess.start(['-server', server.connectString], { env: { CANOPY_CLI_HISTORY: join(tmp, 'rw-history') } });
    try {
      await cli.waitFor(PROMPT('CONNECTED', 0));
      await sdk.create('/rw', 'a');
      await sdk.create('/rw2', 'a');
      await send(cli, 'get -w /rw', PROMPT('CONNECTED', 1));
      const errorsBefore = cli.stderr.length;
      await send(cli, 'removewatches /rw -d', PROMPT('CONNECTED', 2));
      assert.equal(cli.stderr.slice(errorsBefore), '', 'removing an existing watch reports no error');
      await send(cli, 'get -w /rw2', PROMPT('CONNECTED', 3));
      const from = cli.mark();
      await sdk.setData('/rw', 'b');
      await sdk.setData('/rw2', 'b');
      // Events arrive in zxid order: once /rw2's is printed, /rw's would have been printed before it.
      await cli.waitFor(/type:NodeDataChanged path:\/rw2 /, { from });
      assert.doesNotMatch(stripAnsi(cli.stdout.slice(from)), /path:\/rw zxid/);
      await send(cli, 'removewatches /rw -d', PROMPT('CONNECTED', 4));
      await cli.waitFor(/No such watcher : \/rw/, { stream: 'stderr' });
      cli.write('quit\n');
      assert.equal(await cli.waitExit(), 0);
    } finally {
      await cli.kill();
    }
  });

  test('history is kept across runs; --json prints results and events as JSON lines', async () => {
    const historyFile = join(tmp, 'json-history');
    const first = CliProcess.start(['-server', server.connectString, '--json'], { env: { CANOPY_CLI_HISTORY: historyFile } });
    try {
      await first.waitFor(/"event":\{"type":"None","state":"SyncConnected"/);
      await sdk.create('/jw', 'a');
      const from = first.mark();
      first.write('get -w /jw\n');
      await first.waitFor(/\{"path":"\/jw","data":"a"/, { from });
      await sdk.setData('/jw', 'b');
      await first.waitFor(/\{"event":\{"type":"NodeDataChanged","state":"SyncConnected","path":"\/jw","zxid":\d+\}\}/, { from });
      first.write('get /missing\n');
      await first.waitFor(/\{"error":\{"code":-101,"name":"NONODE","path":"\/missing","message":"Node does not exist: \/missing"\}\}/, { from });
      first.endInput();
      assert.equal(await first.waitExit(), 0);
      // No prompts on a pipe in --json mode: stdout is JSON lines only.
      for (const line of first.stdout.split('\n').filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
    } finally {
      await first.kill();
    }
    assert.deepEqual(readFileSync(historyFile, 'utf8').trim().split('\n'), ['get -w /jw', 'get /missing']);
    const second = CliProcess.start(['-server', server.connectString], { env: { CANOPY_CLI_HISTORY: historyFile } });
    try {
      await second.waitFor(PROMPT('CONNECTED', 0));
      second.write('ls /jw\nquit\n');
      assert.equal(await second.waitExit(), 0);
    } finally {
      await second.kill();
    }
    assert.deepEqual(readFileSync(historyFile, 'utf8').trim().split('\n'), ['get -w /jw', 'get /missing', 'ls /jw', 'quit']);
  });

  test('on a terminal: tab completes command names and znode paths from the live tree', async () => {
    await sdk.create('/completion-target', 'found me');
    await sdk.create('/completion-target/only-child', '');
    const cli = CliProcess.startPty(['-server', server.connectString], { env: { CANOPY_CLI_HISTORY: join(tmp, 'pty-history') } });
    try {
      await cli.waitFor(PROMPT('CONNECTED', 0));
      let from = cli.mark();
      cli.write('get /completion-t\t');
      await cli.waitFor(/get \/completion-target/, { from });
      cli.write('\r');
      await cli.waitFor(/^found me$/m, { from });
      await cli.waitFor(PROMPT('CONNECTED', 1), { from });

      from = cli.mark();
      cli.write('getAllCh\t');
      await cli.waitFor(/getAllChildrenNumber/, { from });
      cli.write(' /completion-target/o\t');
      await cli.waitFor(/getAllChildrenNumber \/completion-target\/only-child/, { from });
      cli.write('\r');
      await cli.waitFor(/^0$/m, { from });
      await cli.waitFor(PROMPT('CONNECTED', 2), { from });

      // No match (and a parent that does not exist) completes nothing and breaks nothing.
      from = cli.mark();
      cli.write('ls /no-such-parent/x\t\r');
      // On a pty stderr shares the terminal with stdout.
      await cli.waitFor(/Node does not exist: \/no-such-parent\/x/, { from });
      await cli.waitFor(PROMPT('CONNECTED', 3), { from });
      cli.write('quit\r');
      assert.equal(await cli.waitExit(), 0);
    } finally {
      await cli.kill();
    }
  });
});
