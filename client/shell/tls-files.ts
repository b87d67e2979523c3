// The shell's TLS flags become the SDK's tls options: the files are read once, as the shell starts, so
// a missing or oversized file is reported before anything connects.
import { readFileSync, statSync } from 'node:fs';
import type { TlsOptions } from '../index.js';
import { TLS_PEM_MAX } from '../options.js';
import type { TlsArgs } from './argv.js';
import { CommandError } from './errors.js';

function readPem(flag: string, file: string): Buffer {
  try {
    const info = statSync(file);
    if (!info.isFile()) throw new CommandError(`${flag} ${file}: not a regular file`);
    if (info.size > TLS_PEM_MAX) throw new CommandError(`${flag} ${file}: ${info.size} bytes, over ${TLS_PEM_MAX}`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`${flag} ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The SDK's tls options for the flags, or undefined when the shell connects without TLS options. */
export function tlsOptionsOf(args: TlsArgs): TlsOptions | undefined {
  if (!args.secure) return undefined;
  return {
    ...(args.caFile !== undefined ? { ca: readPem('--ca', args.caFile) } : {}),
    ...(args.certFile !== undefined ? { cert: readPem('--cert', args.certFile) } : {}),
    ...(args.keyFile !== undefined ? { key: readPem('--key', args.keyFile) } : {}),
    ...(args.servername !== undefined ? { servername: args.servername } : {}),
  };
}
