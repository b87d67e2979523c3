// Every bin answers --version with package.json's version, and --help piped into another program (not a
// terminal) is not wrapped: no description is broken across lines, or mid-word.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DIST = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

function script(bin: string): string {
  // package.json names dist/… paths; the tests run from whichever build directory holds this file.
  return DIST + PACKAGE.bin[bin]!.replace(/^dist\//, '');
}

describe('bins: --version and --help', () => {
  test('every bin prints package.json\'s version and exits 0', async () => {
    for (const bin of Object.keys(PACKAGE.bin)) {
      const { stdout } = await run(process.execPath, [script(bin), '--version']);
      assert.match(stdout.trim(), new RegExp(`(^|\\s)${PACKAGE.version.replace(/\./g, '\\.')}$`), bin);
    }
  });

  test('piped --help keeps each option\'s description on its own line, whole', async () => {
    const server = (await run(process.execPath, [script('canopy-server'), '--help'])).stdout;
    assert.match(server, /^ +--quorum\.auth\.secretFile +file holding the shared peer secret \(at least 32 random bytes\) +\[string\]$/m);
    assert.match(server, /^ +--4lw\.commands\.whitelist +comma-separated four-letter words the client ports answer, \* for all \(default srvr; srvr is always on\) +\[string\]$/m);
    const bench = (await run(process.execPath, [script('canopy-bench'), '--help'])).stdout;
    assert.match(bench, /^ +--session-timeout +session timeout, ms \(default 30000\) +\[string\]$/m);
  });
});
