// The bins that `npm run build` writes are executable (package.json's bin entries run directly, as npx
// runs them), and run: a rebuild used to leave them without the execute bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

// Only npm's build sets the modes: a build by hand into another directory (tsc --outDir) does not.
const fromNpmBuild = basename(resolve(BUILD)) === 'dist';

test('every bin in dist is executable and runs by its path', { skip: fromNpmBuild ? false : 'not an npm run build (dist/) build' }, async () => {
  for (const [bin, path] of Object.entries(PACKAGE.bin)) {
    const file = resolve(BUILD, '..', path);
    assert.ok((statSync(file).mode & 0o111) === 0o111, `${bin} (${path}) is executable by all`);
    const { stdout } = await run(file, ['--version']);
    assert.ok(stdout.includes(PACKAGE.version), `${bin} --version`);
  }
});
