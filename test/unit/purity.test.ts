// The consensus core (src/zab) and the replica around it (src/replica) do no I/O and own no time or
// randomness (ARCHITECTURE.md, principle 2): the same code runs under the real drivers and under the
// seeded simulator only because of that. Checked on the compiled code, so nothing slips in through a
// helper. The replica acts through its ports (this.ports.randomBytes(n) is how it gets random bytes);
// deterministic hashing (node:crypto createHash, for digest auth ids) is allowed there.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bprocess\.hrtime\b/, 'a clock'],
  [/\bMath\.random\b|(?<!\.)\brandomBytes\s*\(|\bgetRandomValues\b|\brandomUUID\b/, 'unseeded randomness'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\bprocess\.|\bconsole\./, 'process or console access'],
];

function checkFolder(folder: string, allowedImports: readonly RegExp[], rule: string): void {
  const dir = join(distRoot, 'src', folder);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    test(file, () => {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(source, pattern, `${file} uses ${what}`);
      for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
        const target = m[1] ?? m[2]!;
        assert.ok(allowedImports.some((p) => p.test(target)), `${file} imports ${target}: ${rule}`);
      }
    });
  }
}

describe('src/zab purity', () => {
  checkFolder('zab', [/^\.\//, /^\.\.\/\.\.\/protocol\//], 'the peer may only import protocol/ and itself');
});

describe('src/replica purity', () => {
  checkFolder('replica', [/^\.\/(auth\/)?[\w-]+\.js$/, /^\.\.\/\.\.\/protocol\//, /^\.\.\/(tree|zab)\//, /^node:crypto$/],
    'the replica may import only protocol/, src/tree, src/zab, itself and node:crypto (hashing)');
});

describe('src/replica/auth purity', () => {
  // Auth providers hash (digest) and parse certificates (x509) with node:crypto: deterministic, no I/O.
  checkFolder('replica/auth', [/^\.\/[\w-]+\.js$/, /^\.\.\/\.\.\/\.\.\/protocol\//, /^node:crypto$/],
    'an auth provider may import only protocol/, its own folder and node:crypto (hashing, certificates)');
});
