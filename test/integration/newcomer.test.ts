// The first hour, as a newcomer lives it: a fresh clone, `npm ci`, `npm start` (the README's commands),
// then `npx canopy-cli` creates and reads a znode, then Ctrl-C stops the server cleanly. The start
// banner tells the version, the configuration and the command to connect with, and the clone's
// git status stays clean throughout (npm ci does not rewrite the lock file; builds and data are ignored).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshCloneForSuite, gitStatus, runCommand } from '../support/fresh-clone.js';
import { TerminalProcess } from '../support/terminal-process.js';

/** npm start compiles the whole clone first: minutes on a loaded two-core machine. */
const START_TIMEOUT_MS = 10 * 60_000;
const CLI_TIMEOUT_MS = 2 * 60_000;
const STOP_TIMEOUT_MS = 60_000;
const CONNECT_WITH = /connect with: canopy-cli -server (127\.0\.0\.1:(\d+))/;

describe('newcomer: fresh clone, npm ci, npm start, canopy-cli, Ctrl-C', { timeout: 30 * 60_000 }, () => {
  const cloned = freshCloneForSuite();

  test('npm ci installs the committed lock file and leaves git status clean', async (t) => {
    const c = cloned(t);
    if (c === undefined) return;
    assert.equal(await gitStatus(c.dir), '', 'npm ci changed tracked files or left untracked ones');
  });

  test('npm start serves, npx canopy-cli creates and gets a znode, Ctrl-C stops it cleanly', async (t) => {
    const c = cloned(t);
    if (c === undefined) return;
    const version = (JSON.parse(readFileSync(join(c.dir, 'package.json'), 'utf8')) as { version: string }).version;
    const dataDir = join(c.scratch, 'data');
    mkdirSync(dataDir, { recursive: true });
    // The README's command; port 0 and a temp dataDir so that the test takes no fixed port and leaves the clone as it was.
    const server = TerminalProcess.start('npm', ['start', '--', '--clientPort', '0', '--dataDir', dataDir], { cwd: c.dir });
    try {
      const [, connectString] = await server.waitFor(CONNECT_WITH, START_TIMEOUT_MS);
      const banner = server.output;
      assert.match(banner, new RegExp(`INFO canopy-server ${version.replace(/\./g, '\\.')} `), 'the banner names the version');
      assert.match(banner, /INFO configuration \{[^\n]*"dataDir":"[^"\n]*\/data"[^\n]*"tickTime":2000/, 'the banner shows the effective configuration');

      // `npx canopy-cli` as the README writes it. npm_config_yes=false (not --no, after which npx reads -server as
      // its own option) makes npx fail rather than fetch a registry package of that name if the clone's bin were missing.
      const env = { ...process.env, npm_config_yes: 'false' };
      const cli = (args: string[]) => runCommand('npx', ['canopy-cli', '-server', connectString!, ...args], { cwd: c.dir, timeoutMs: CLI_TIMEOUT_MS, env });
      assert.equal((await cli(['create', '/x', 'y'])).stdout, 'Created /x\n');
      assert.equal((await cli(['get', '/x'])).stdout, 'y\n');

      // SIGINT to the server process alone: its exit status then becomes npm's (Ctrl-C signals npm too, which
      // then exits by the signal itself once the server has stopped, whatever the server's status was).
      const members = server.groupMembers();
      const serverProcess = members.find((m) => /(^|\/)node .*dist\/src\/server\/main\.js /.test(m.commandLine));
      assert.ok(serverProcess !== undefined, `no server process among ${JSON.stringify(members)}`);
      server.signalMember(serverProcess.pid, 'SIGINT');
      const exit = await server.waitExit(STOP_TIMEOUT_MS);
      assert.deepEqual(exit, { code: 0, signal: null }, server.output);
      assert.match(server.output, /INFO shutting down \{[^\n]*"signal":"SIGINT"/);
      assert.match(server.output, /INFO stopped /);
    } finally {
      server.kill();
    }
    assert.equal(await gitStatus(c.dir), '', 'npm start left files git does not ignore');
  });
});
