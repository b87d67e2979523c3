// The SDK and the wire contract run in browsers: their compiled modules may load nothing Node-only at
// import time (ws is loaded lazily, only where no global WebSocket exists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BROWSER_SAFE_PACKAGES = new Set(['msgpackr']);

test('client/ and protocol/ import only each other and browser-safe packages', () => {
  const offenders: string[] = [];
  for (const folder of ['client', 'protocol']) {
    for (const file of readdirSync(join(distRoot, folder)).filter((f) => f.endsWith('.js'))) {
      const source = readFileSync(join(distRoot, folder, file), 'utf8');
      for (const m of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        const relative = spec.startsWith('./') || spec.startsWith('../protocol/');
        if (!relative && !BROWSER_SAFE_PACKAGES.has(spec)) offenders.push(`${folder}/${file} imports '${spec}'`);
        if (spec.startsWith('../') && folder === 'protocol') offenders.push(`${folder}/${file} imports '${spec}'`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
