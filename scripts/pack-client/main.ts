// npm run pack:client [-- --pack-destination DIR]: builds canopy-client, the SDK-only package, from the
// current build (dist/client without the shell, dist/protocol) and packs it with npm into DIR (default:
// dist/pack, which git ignores). The package is staged in dist/pack/canopy-client; the tarball's path is printed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importProblems } from './imports.js';
import { ManifestError, SDK_DEPENDENCIES, readRootManifest, sdkManifest } from './manifest.js';

/** dist/scripts/pack-client/ is three levels below the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACK_DIR = join(ROOT, 'dist', 'pack');
const STAGE = join(PACK_DIR, 'canopy-client');
/** The build directories that make up the package, and what of them stays out. */
const PARTS: readonly { from: string; to: string; skip: readonly string[] }[] = [
  { from: 'dist/client', to: 'client', skip: ['shell'] },
  { from: 'dist/protocol', to: 'protocol', skip: [] },
];
/** Compiled code and its declarations; source maps would point at sources the package does not hold. */
const SHIPPED_FILE = /\.(js|d\.ts)$/;
const NPM_OUTPUT_BYTES_MAX = 16 * 1024 * 1024;

class PackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackError';
  }
}

function parseDestination(args: readonly string[]): string {
  if (args.length === 0) return PACK_DIR;
  if (args.length === 2 && args[0] === '--pack-destination' && args[1] !== '') return resolve(args[1]!);
  throw new PackError('usage: pack-client [--pack-destination DIR]');
}

/** Copies the shipped files of `from` into `to` and returns their package-relative paths. */
function copyTree(from: string, to: string, skip: readonly string[], prefix: string): string[] {
  const copied: string[] = [];
  let entries;
  try {
    entries = readdirSync(from, { withFileTypes: true });
  } catch {
    throw new PackError(`${relative(ROOT, from)} is missing: build first (npm run build)`);
  }
  for (const entry of entries) {
    if (skip.includes(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      copied.push(...copyTree(source, target, [], `${prefix}${entry.name}/`));
    } else if (entry.isFile() && SHIPPED_FILE.test(entry.name)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, target);
      copied.push(`${prefix}${entry.name}`);
    }
  }
  return copied;
}

function stage(): void {
  rmSync(STAGE, { recursive: true, force: true });
  const files = new Map<string, string>();
  for (const part of PARTS) {
    for (const file of copyTree(join(ROOT, part.from), join(STAGE, part.to), part.skip, `${part.to}/`)) {
      files.set(file, readFileSync(join(STAGE, ...file.split('/')), 'utf8'));
    }
  }
  const problems = importProblems(files, new Set(SDK_DEPENDENCIES));
  if (problems.length > 0) {
    throw new PackError(`the SDK reaches outside client/ and protocol/:\n${problems.map((p) => `  ${p.file}: '${p.specifier}' ${p.reason}`).join('\n')}`);
  }
  const manifest = sdkManifest(readRootManifest(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(ROOT, 'scripts', 'pack-client', 'README.md'), join(STAGE, 'README.md'));
  copyFileSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
}

/** Runs npm pack in the staging directory and returns the tarball's path. */
function pack(destination: string): string {
  mkdirSync(destination, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: STAGE, encoding: 'utf8', maxBuffer: NPM_OUTPUT_BYTES_MAX, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const report: unknown = JSON.parse(out);
  const filename = Array.isArray(report) ? (report[0] as { filename?: unknown } | undefined)?.filename : undefined;
  if (typeof filename !== 'string' || filename.includes(sep) || filename.includes('/') || !filename.endsWith('.tgz')) {
    throw new PackError('npm pack did not report a tarball');
  }
  const tarball = join(destination, filename);
  if (!isAbsolute(tarball)) throw new PackError(`unexpected tarball path ${tarball}`);
  return tarball;
}

function main(): void {
  const destination = parseDestination(process.argv.slice(2));
  stage();
  process.stdout.write(`${pack(destination)}\n`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof PackError) && !(e instanceof ManifestError)) throw e;
  process.stderr.write(`pack-client: ${e.message}\n`);
  process.exit(1);
}
