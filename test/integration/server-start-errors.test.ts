// A server that cannot start says why in one line on stderr and exits 2: a config file that is not
// there, a port another process holds, a bad key. No stack trace for any of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../../src/server/main.js', import.meta.url));

function startFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SERVER, ...args], { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr });
    });
  });
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('a missing config file, a port in use and an unknown key each get one line and exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-start-errors-'));
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  try {
    const missing = await startFails([join(dir, 'nope.cfg')]);
    assert.equal(missing.code, 2);
    assertOneLine(missing.stderr, /^canopy-server: .*nope\.cfg does not exist$/);

    const port = (holder.address() as AddressInfo).port;
    const busy = await startFails(['--clientPort', String(port), '--dataDir', join(dir, 'data')]);
    assert.equal(busy.code, 2);
    assertOneLine(busy.stderr.split('\n').filter((l) => l.startsWith('canopy-server:')).join('\n'), new RegExp(`^canopy-server: 127\\.0\\.0\\.1:${port} is already in use`));
    assert.doesNotMatch(busy.stderr, /\n\s+at /, 'no stack trace');

    // The peer port too: an ensemble member whose server.N port is held says so in one line.
    const cfg = join(dir, 'ensemble.cfg');
    writeFileSync(cfg, [`dataDir=${join(dir, 'data3')}`, 'clientPort=0', `server.1=127.0.0.1:${port}`, 'server.2=127.0.0.1:1', 'server.3=127.0.0.1:2', ''].join('\n'));
    const peerBusy = await startFails([cfg, '--myid', '1', '--admin.enableServer', 'false']);
    assert.equal(peerBusy.code, 2);
    assertOneLine(peerBusy.stderr.split('\n').filter((l) => l.startsWith('canopy-server:')).join('\n'),
      new RegExp(`^canopy-server: cannot listen for peers on 127\\.0\\.0\\.1:${port}: 127\\.0\\.0\\.1:${port} is already in use`));
    assert.doesNotMatch(peerBusy.stderr, /\n\s+at /, 'no stack trace');

    const unknown = await startFails(['--dataDir', join(dir, 'data2'), '--nosuchkey', '1']);
    assert.equal(unknown.code === 0, false);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
