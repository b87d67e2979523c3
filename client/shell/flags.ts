// zkCli-style option parsing for one command's words: single-dash letters (bundled booleans like
// `-es` allowed), options with a value (`-v 3`), long `--hex`, options anywhere among the positional
// words (zkCli accepts `removewatches /a -c`), `--` ends the options.
import { UsageError } from './errors.js';

export type FlagKind = 'bool' | 'value';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedArgs {
  /** Present options by their spelling ('-s', '--hex'): true for booleans, the text for valued ones. */
  flags: Map<string, string | true>;
  /** Positional words, the command name not included. */
  args: string[];
}

const NUMBER = /^-\d+$/;

function takeValue(tokens: readonly string[], i: number, flag: string, usage: string): string {
  const value = tokens[i + 1];
  if (value === undefined) throw new UsageError(`option ${flag} needs a value`, usage);
  return value;
}

/** Bundled single-letter booleans: "-es" is "-e -s". */
function burst(token: string, spec: FlagSpec): string[] | undefined {
  if (token.startsWith('--') || token.length <= 2) return undefined;
  const letters = token.slice(1).split('').map((c) => `-${c}`);
  return letters.every((f) => spec[f] === 'bool') ? letters : undefined;
}

export function parseFlags(tokens: readonly string[], spec: FlagSpec, usage: string): ParsedArgs {
  const flags = new Map<string, string | true>();
  const args: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') {
      args.push(...tokens.slice(i + 1));
      break;
    }
    const kind = spec[token];
    if (kind === 'bool') flags.set(token, true);
    else if (kind === 'value') flags.set(token, takeValue(tokens, i++, token, usage));
    else if (!token.startsWith('-') || token === '-' || NUMBER.test(token)) args.push(token);
    else {
      const letters = burst(token, spec);
      if (letters === undefined) throw new UsageError(`unknown option ${token}`, usage);
      for (const f of letters) flags.set(f, true);
    }
  }
  return { flags, args };
}

const INT32_MAX = 2 ** 31 - 1;

/** An integer option (a version: -1 allowed), or undefined when absent. */
export function intFlag(parsed: ParsedArgs, flag: string, usage: string, min = -1, max = INT32_MAX): number | undefined {
  const raw = parsed.flags.get(flag);
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} needs an integer from ${min} to ${max} (got ${String(raw)})`, usage);
  }
  return value;
}

export function stringFlag(parsed: ParsedArgs, flag: string): string | undefined {
  const raw = parsed.flags.get(flag);
  return typeof raw === 'string' ? raw : undefined;
}

export function hasFlag(parsed: ParsedArgs, flag: string): boolean {
  return parsed.flags.has(flag);
}
