// `npm run docs:sdk`: writes docs/sdk-reference.md from the SDK's sources; with --check, only says
// whether the committed file is current (exit 1 when it is not).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SDK_REFERENCE_PATH, generateSdkReference } from './generate.js';

/** dist/tools/sdk-reference/main.js → the repository root. */
const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function main(argv: readonly string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`usage: docs:sdk [--check] (unknown argument: ${JSON.stringify(unknown[0]).slice(0, 80)})\n`);
    return 2;
  }
  const target = join(ROOT_DIR, SDK_REFERENCE_PATH);
  const text = generateSdkReference(ROOT_DIR);
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // A missing file is simply out of date.
    }
    if (current === text) return 0;
    process.stderr.write(`${SDK_REFERENCE_PATH} is out of date: run npm run docs:sdk\n`);
    return 1;
  }
  writeFileSync(target, text);
  process.stdout.write(`wrote ${SDK_REFERENCE_PATH} (${text.length} characters)\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
