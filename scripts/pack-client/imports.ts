// The SDK package holds client/ (without the shell) and protocol/ only. This check reads every staged
// .js and .d.ts file and refuses the package if one reaches past them: a relative import that leaves
// the staged files (../src/, ../../src/version.js) or a package it does not depend on.
import { posix } from 'node:path';

export interface ImportProblem {
  file: string;
  specifier: string;
  reason: string;
}

/** `from '…'` (import and export), bare `import '…'` and `import('…')`, as tsc emits them in .js and .d.ts. */
const SPECIFIER_PATTERNS: readonly RegExp[] = [
  /\bfrom\s*(['"])([^'"\n]{1,512})\1/g,
  /\bimport\s*(['"])([^'"\n]{1,512})\1/g,
  /\bimport\s*\(\s*(['"])([^'"\n]{1,512})\1\s*\)/g,
];

/** The module specifiers written as string literals in one file's text. */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of source.matchAll(pattern)) found.add(match[2]!);
  }
  return [...found];
}

/** The package a bare specifier names: `ws`, `@scope/name` from `@scope/name/sub`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Problems with the imports of `files` (package-relative POSIX path → text): relative imports must name
 * another of the files, bare ones a package in `dependencies`. Node built-ins count as outside: the SDK
 * runs in browsers.
 */
export function importProblems(files: ReadonlyMap<string, string>, dependencies: ReadonlySet<string>): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const [file, text] of files) {
    for (const specifier of importSpecifiers(text)) {
      const reason = specifierProblem(file, specifier, files, dependencies);
      if (reason !== undefined) problems.push({ file, specifier, reason });
    }
  }
  return problems;
}

function specifierProblem(file: string, specifier: string, files: ReadonlyMap<string, string>, dependencies: ReadonlySet<string>): string | undefined {
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
    if (resolved.startsWith('../')) return 'leaves the package';
    // A .d.ts names its sibling by the .js it declares.
    const candidates = file.endsWith('.d.ts') ? [resolved, resolved.replace(/\.js$/, '.d.ts')] : [resolved];
    return candidates.some((c) => files.has(c)) ? undefined : 'names a file the package does not hold';
  }
  if (specifier.startsWith('node:')) return 'a Node built-in (the SDK must load in a browser)';
  if (specifier.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) return 'an absolute path or URL';
  return dependencies.has(packageOf(specifier)) ? undefined : `package ${packageOf(specifier)} is not a dependency of the SDK`;
}
