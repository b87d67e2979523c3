// The version of this build, read once from the package.json of the package the running code belongs
// to (found by walking up from this module: the sources and every build directory sit inside it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'canopy';
/** Directories walked up before giving up (dist/src/ is two below the package root). */
const LEVELS_MAX = 6;

function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < LEVELS_MAX; i++) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && (pkg as { name?: unknown }).name === PACKAGE_NAME) {
        const version = (pkg as { version?: unknown }).version;
        if (typeof version === 'string') return version;
      }
    } catch {
      // No package.json here (or not ours): keep walking up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** This build's version, as package.json states it ('unknown' if it cannot be found). */
export const CANOPY_VERSION: string = readVersion();

/**
 * The width to wrap --help at: the terminal's, capped for readability; none when the output is not a
 * terminal, so that piped help never breaks a word or a line mid-sentence.
 */
export function helpWidth(): number | null {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns === undefined ? null : Math.min(columns, 120);
}
