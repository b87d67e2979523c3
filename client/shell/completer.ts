// Tab completion: command names for the first word; for a word starting with '/', the children of its
// parent from the live tree. Any failure (no session, error, slow server) completes nothing.
import type { Client } from '../index.js';
import { COMMAND_NAMES } from './commands/table.js';

export type Completion = [string[], string];
const COMPLETE_TIMEOUT_MS = 3_000;
const MAX_COMPLETIONS = 1_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('completion timed out')), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

export async function completeLine(line: string, client: Client | undefined): Promise<Completion> {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length === 1) return [COMMAND_NAMES.filter((n) => n.startsWith(last)), last];
  if (!last.startsWith('/') || client === undefined) return [[], last];
  const cut = last.lastIndexOf('/');
  const parent = cut === 0 ? '/' : last.slice(0, cut);
  const prefix = last.slice(cut + 1);
  const { children } = await withTimeout(client.getChildren(parent), COMPLETE_TIMEOUT_MS);
  const base = parent === '/' ? '' : parent;
  const hits = children.filter((c) => c.startsWith(prefix)).sort().slice(0, MAX_COMPLETIONS).map((c) => `${base}/${c}`);
  return [hits, last];
}

/** readline's callback form. */
export function makeCompleter(currentClient: () => Client | undefined) {
  return (line: string, callback: (err: null, result: Completion) => void): void => {
    completeLine(line, currentClient()).then(
      (result) => callback(null, result),
      () => callback(null, [[], line]),
    );
  };
}
