// The packages as users install them. `npm pack` of a fresh clone (prepack builds) gives a tarball that a
// scratch TypeScript project installs and type-checks against `canopy/client` under strict NodeNext, and
// a deliberate misuse fails the same check, so the check is real. canopy-client, the SDK-only package,
// installs without any of the server's dependencies, type-checks, and creates and reads a znode on a
// real server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshCloneForSuite, runCommand, NPM_CI_TIMEOUT_MS } from '../support/fresh-clone.js';
import type { FreshClone } from '../support/fresh-clone.js';
import { ServerProcess } from '../support/server-process.js';

/** npm pack runs prepack, a clean build of the whole clone: minutes on a loaded two-core machine. */
const PACK_TIMEOUT_MS = 10 * 60_000;
const TSC_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 2 * 60_000;
const SERVER_DEPENDENCIES = ['classic-level', 'winston', 'yargs', 'hdr-histogram-js', 'prom-client'];

/** A strict NodeNext project's tsconfig; no @types packages, so the SDK's declarations must stand alone. */
const TSCONFIG = {
  compilerOptions: {
    strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'],
    noEmit: true, skipLibCheck: false, types: [],
  },
};

/** Uses the client, its types and a recipe as the README shows them. `mistake` adds one line that must not type-check. */
function usage(from: string, mistake: boolean): string {
  return [
    `import { Client, CreateMode, ErrorCode, KeeperError, Op } from '${from}';`,
    `import type { ClientOptions, Stat, WatchedEvent } from '${from}';`,
    `import { Mutex } from '${from}/recipes';`,
    '',
    'export async function demo(connectString: string): Promise<number> {',
    '  const options: ClientOptions = { sessionTimeoutMs: 10_000 };',
    '  const client = await Client.connect(connectString, options);',
    "  const path: string = await client.create('/demo-', 'v1', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });",
    '  const { data, stat }: { data: Uint8Array; stat: Stat } = await client.getData(path, { watch: (e: WatchedEvent) => void e.path });',
    '  await client.multi([Op.check(path, stat.version), Op.setData(path, data)]);',
    "  const lease = await new Mutex(client, '/locks/demo').acquire({ timeoutMs: 5_000 });",
    "  try { await client.delete('/missing'); } catch (e) { if (e instanceof KeeperError && e.code === ErrorCode.NONODE) void e.path; }",
    ...(mistake ? ["  const wrong: number = await client.getData('/demo');"] : []),
    '  await client.close();',
    '  return lease.fencingToken;',
    '}',
    '',
  ].join('\n');
}

function writeProject(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
}

/** Runs the clone's TypeScript (a devDependency npm ci installed) on one file of `dir`. */
function typeCheck(clone: FreshClone, dir: string, file: string): Promise<unknown> {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: [file] }, null, 2));
  return runCommand(process.execPath, [join(clone.dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, timeoutMs: TSC_TIMEOUT_MS });
}

/** Every package directory under a node_modules tree (nested ones too), by package name. */
function installedPackages(nodeModules: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@');
      for (const name of scoped ? readdirSync(join(dir, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name]) {
        names.add(name);
        if (existsSync(join(dir, name, 'node_modules'))) walk(join(dir, name, 'node_modules'));
      }
    }
  };
  walk(nodeModules);
  return names;
}

async function npmPack(cwd: string, destination: string): Promise<{ filename: string; files: string[] }> {
  const { stdout } = await runCommand('npm', ['pack', '--json', '--pack-destination', destination], { cwd, timeoutMs: PACK_TIMEOUT_MS });
  // prepack's build prints to stdout ahead of npm's JSON report.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { filename: join(destination, report[0]!.filename), files: report[0]!.files.map((f) => f.path) };
}

describe('packages: npm pack of canopy, and the SDK-only canopy-client', { timeout: 40 * 60_000 }, () => {
  const cloned = freshCloneForSuite();

  test('npm pack builds and packs; a strict NodeNext project type-checks against canopy/client, and a misuse fails', async (t) => {
    const c = cloned(t);
    if (c === undefined) return;
    const { filename, files } = await npmPack(c.dir, c.scratch);
    for (const file of ['dist/client/index.d.ts', 'dist/client/recipes/index.js', 'dist/src/server/main.js', 'dist/client/shell/main.js', 'LICENSE', 'README.md']) {
      assert.ok(files.includes(file), `${file} is packed`);
    }
    assert.deepEqual(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/scripts/') || f.endsWith('.tsbuildinfo')), [], 'no tests, scripts or build state');

    const app = join(c.scratch, 'app');
    writeProject(app, 'scratch-app');
    await runCommand('npm', ['install', '--no-audit', '--no-fund', filename], { cwd: app, timeoutMs: NPM_CI_TIMEOUT_MS });
    writeFileSync(join(app, 'good.ts'), usage('canopy/client', false));
    writeFileSync(join(app, 'bad.ts'), usage('canopy/client', true));
    await typeCheck(c, app, 'good.ts');
    const bad = await typeCheck(c, app, 'bad.ts').then(() => undefined, (e: Error) => e.message);
    assert.ok(bad !== undefined, 'the misuse type-checked');
    // Exactly one error, on the misuse: the rest of bad.ts is good.ts, so a missing module would show up as more.
    assert.equal(bad.match(/error TS\d+/g)?.length, 1, bad);
    assert.match(bad, /bad\.ts\(13,\d+\): error TS2322: Type '\{ data: Uint8Array[^;]*; stat: Stat; \}' is not assignable to type 'number'/);
  });

  test('canopy-client installs without the server\'s dependencies, type-checks, and creates and reads a znode', async (t) => {
    const c = cloned(t);
    if (c === undefined) return;
    // The dist/ that npm pack built in the previous test, else a build of its own (the first half of pack:client).
    if (!existsSync(join(c.dir, 'dist', 'scripts', 'pack-client', 'main.js'))) await runCommand('npm', ['run', 'build'], { cwd: c.dir, timeoutMs: PACK_TIMEOUT_MS });
    const packed = join(c.scratch, 'sdk-tarball');
    const { stdout } = await runCommand(process.execPath, ['dist/scripts/pack-client/main.js', '--pack-destination', packed], { cwd: c.dir, timeoutMs: PACK_TIMEOUT_MS });
    const tarball = stdout.trim();
    assert.match(tarball, /canopy-client-[^/]+\.tgz$/);

    const app = join(c.scratch, 'sdk-app');
    writeProject(app, 'scratch-sdk-app');
    await runCommand('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, timeoutMs: NPM_CI_TIMEOUT_MS });
    const installed = installedPackages(join(app, 'node_modules'));
    for (const name of ['canopy-client', 'ws', 'msgpackr', 'yaml']) assert.ok(installed.has(name), `${name} is installed`);
    for (const name of SERVER_DEPENDENCIES) assert.ok(!installed.has(name), `${name} (a server dependency) is installed`);

    writeFileSync(join(app, 'good.ts'), usage('canopy-client', false));
    await typeCheck(c, app, 'good.ts');

    const server = await ServerProcess.start();
    try {
      writeFileSync(join(app, 'main.mjs'), [
        "import { Client } from 'canopy-client';",
        "import { Mutex } from 'canopy-client/recipes';",
        'const client = await Client.connect(process.argv[2]);',
        "await client.create('/sdk', 'hello from canopy-client');",
        "const { data, stat } = await client.getData('/sdk');",
        "const lease = await new Mutex(client, '/locks/sdk').acquire({ timeoutMs: 30_000 });",
        'await client.close();',
        'console.log(JSON.stringify({ data: new TextDecoder().decode(data), version: stat.version, fenced: lease.fencingToken > 0 }));',
      ].join('\n'));
      const run = await runCommand(process.execPath, ['main.mjs', server.connectString], { cwd: app, timeoutMs: RUN_TIMEOUT_MS });
      assert.deepEqual(JSON.parse(run.stdout), { data: 'hello from canopy-client', version: 0, fenced: true });
    } finally {
      await server.stop();
      server.removeDataDir();
    }
  });
});
