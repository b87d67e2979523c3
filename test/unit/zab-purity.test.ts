// The consensus core does no I/O and owns no time or randomness (ARCHITECTURE.md, principle 2): the same
// peer runs under the real driver and under the seeded simulator only because of that. Checked on the
// compiled code, so nothing slips in through a helper.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bprocess\.hrtime\b/, 'a clock'],
  [/\bMath\.random\b|\brandomBytes\b|\bgetRandomValues\b/, 'unseeded randomness'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\bprocess\.|\bconsole\./, 'process or console access'],
];

describe('src/zab purity', () => {
  const dir = join(distRoot, 'src', 'zab');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    test(file, () => {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const [pattern, what] of FORBIDDEN) assert.doesNotMatch(source, pattern, `${file} uses ${what}`);
      for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
        const target = m[1] ?? m[2]!;
        assert.ok(target.startsWith('./') || target.startsWith('../../protocol/'), `${file} imports ${target}: the peer may only import protocol/ and itself`);
      }
    });
  }
});
