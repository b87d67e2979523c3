// The SDK reference from the sources: what `npm run docs:sdk` writes and what the unit test compares
// with the committed file.
import { readEntries } from './collect.js';
import type { EntryPoint } from './model.js';
import { renderReference } from './render.js';

/** package.json "exports" of the SDK, with the sources they compile from. */
export const SDK_ENTRY_POINTS: readonly EntryPoint[] = [
  { specifier: 'canopy/client', sourcePath: 'client/index.ts' },
  { specifier: 'canopy/client/recipes', sourcePath: 'client/recipes/index.ts' },
];

/** Where the reference lives, relative to the repository root. */
export const SDK_REFERENCE_PATH = 'docs/sdk-reference.md';

export function generateSdkReference(rootDir: string): string {
  return renderReference(readEntries(rootDir, SDK_ENTRY_POINTS));
}
