// The replica (one server's whole logic) does no I/O and owns no time or randomness: it acts only through
// its ports, so that the seeded simulator runs exactly the code a real server runs. Checked on the
// compiled code. Deterministic hashing (node:crypto createHash, for digest auth ids) is allowed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bprocess\.hrtime\b/, 'a clock'],
  // Through a port (this.ports.randomBytes(n)) is how it should be; a bare call is not.
  [/\bMath\.random\b|(?<!\.)\brandomBytes\s*\(|\bgetRandomValues\b|\brandomUUID\b/, 'unseeded randomness'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\bprocess\.|\bconsole\./, 'process or console access'],
];
const ALLOWED_IMPORTS = [/^\.\/[\w-]+\.js$/, /^\.\.\/\.\.\/protocol\//, /^\.\.\/(tree|zab)\//, /^node:crypto$/];

describe('src/replica purity', () => {
  const dir = join(distRoot, 'src', 'replica');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    test(file, () => {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(source, pattern, `${file} uses ${what}`);
      for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
        const target = m[1] ?? m[2]!;
        assert.ok(ALLOWED_IMPORTS.some((p) => p.test(target)), `${file} imports ${target}: the replica may import only protocol/, src/tree, src/zab and itself`);
      }
      if (/\bfrom\s+['"]node:crypto['"]/.test(source)) assert.doesNotMatch(source, /\brandom\w*\(/, `${file} draws random bytes from node:crypto`);
    });
  }
});
