// canopy-client ships dist/client (without the shell) and dist/protocol: the import check that guards the
// package finds nothing in today's build, and does find the shell's reach into src/ and Node built-ins.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importProblems, importSpecifiers, packageOf } from '../../scripts/pack-client/imports.js';
import { SDK_DEPENDENCIES, readRootManifest, sdkManifest } from '../../scripts/pack-client/manifest.js';

/** The build directory holding this file (dist/ or another outDir). */
const DIST = fileURLToPath(new URL('../../', import.meta.url));
const DEPENDENCIES = new Set(SDK_DEPENDENCIES);

/** Package-relative path → text of the .js and .d.ts files under dist/<dir>, minus `skip` subdirectories. */
function built(dir: string, skip: readonly string[] = []): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(DIST, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|d\.ts)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name).slice(DIST.length).split('\\').join('/');
    if (skip.some((s) => path.startsWith(`${dir}/${s}/`))) continue;
    files.set(path, readFileSync(join(DIST, path), 'utf8'));
  }
  return files;
}

describe('canopy-client: what the SDK package may import', () => {
  test('specifiers are found in import, export, bare and dynamic forms, in .js and .d.ts', () => {
    const text = [
      "import { a } from './a.js';", 'export * from "../protocol/index.js";', "import './side-effect.js';",
      "const m = await import('ws');", "export declare function f(): import('./types.js').Stat;",
    ].join('\n');
    assert.deepEqual(importSpecifiers(text).sort(), ['../protocol/index.js', './a.js', './side-effect.js', './types.js', 'ws']);
    assert.equal(packageOf('@scope/name/sub/path.js'), '@scope/name');
    assert.equal(packageOf('yaml/util'), 'yaml');
  });

  test('today\'s client (without shell) and protocol import only each other and the SDK\'s dependencies', () => {
    const files = new Map([...built('client', ['shell']), ...built('protocol')]);
    assert.ok(files.has('client/index.js') && files.has('protocol/index.d.ts') && files.has('client/recipes/index.js'));
    assert.deepEqual(importProblems(files, DEPENDENCIES), []);
  });

  test('the check is real: the shell, were it shipped, would be refused for its reach into src/ and Node', () => {
    const files = new Map([...built('client'), ...built('protocol')]);
    const problems = importProblems(files, DEPENDENCIES);
    assert.ok(problems.some((p) => p.file.startsWith('client/shell/') && p.specifier.endsWith('src/version.js') && /does not hold/.test(p.reason)), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.specifier.startsWith('node:')));
    const outside = importProblems(new Map([['client/a.js', "import './gone.js'; import 'winston'; import '../../x.js';"]]), DEPENDENCIES);
    assert.deepEqual(outside.map((p) => p.reason), ['names a file the package does not hold', 'package winston is not a dependency of the SDK', 'leaves the package']);
  });

  test('the manifest takes version and ranges from the main package.json and exports client, recipes and protocol', () => {
    const root = readRootManifest(readFileSync(join(DIST, '..', 'package.json'), 'utf8'));
    const sdk = sdkManifest(root);
    assert.equal(sdk.name, 'canopy-client');
    assert.equal(sdk.version, root.version);
    assert.deepEqual(Object.keys(sdk.dependencies).sort(), ['msgpackr', 'ws', 'yaml']);
    for (const name of ['classic-level', 'winston', 'yargs', 'hdr-histogram-js', 'prom-client']) assert.ok(!(name in sdk.dependencies), name);
    assert.deepEqual(Object.keys(sdk.exports), ['.', './recipes', './protocol', './package.json']);
    assert.throws(() => readRootManifest('{"name":"other","version":"1","license":"x","engines":{},"dependencies":{}}'), /not canopy/);
  });
});
