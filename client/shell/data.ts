// Where a command's data comes from: the positional word (UTF-8), `--hex <hexstring>` or `-f <file>`.
import { readFile, stat } from 'node:fs/promises';
import { CommandError, UsageError } from './errors.js';
import type { ParsedArgs } from './flags.js';
import { stringFlag } from './flags.js';

/** Files above this are refused before reading (the server's own limit is lower: 1 MiB by default). */
export const MAX_DATA_FILE_BYTES = 16 * 1_048_576;

export function parseHex(text: string, usage: string): Uint8Array {
  const clean = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new UsageError(`--hex needs an even number of hex digits (got '${text}')`, usage);
  }
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

async function readDataFile(file: string): Promise<Uint8Array> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CommandError(`-f ${file}: not a regular file`);
    if (info.size > MAX_DATA_FILE_BYTES) throw new CommandError(`-f ${file}: ${info.size} bytes, over ${MAX_DATA_FILE_BYTES}`);
    return new Uint8Array(await readFile(file));
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`-f ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** True when the data comes from an option, so no positional word is taken for it. */
export function dataFromOption(parsed: ParsedArgs, usage: string): boolean {
  const both = parsed.flags.has('--hex') && parsed.flags.has('-f');
  if (both) throw new UsageError('give the data with --hex or -f, not both', usage);
  return parsed.flags.has('--hex') || parsed.flags.has('-f');
}

/** The data bytes from --hex / -f, or from the positional word (undefined when there is none). */
export async function dataOf(parsed: ParsedArgs, positional: string | undefined, usage: string): Promise<Uint8Array | string | undefined> {
  const hexText = stringFlag(parsed, '--hex');
  if (hexText !== undefined) return parseHex(hexText, usage);
  const file = stringFlag(parsed, '-f');
  if (file !== undefined) return readDataFile(file);
  return positional;
}
