// What canopy-server prints when it cannot start: one line that names the cause. A stack trace is for a
// bug, not for a config file that is not there or a port another process holds.
import { ConfigError } from './config.js';
import { TlsMaterialError } from './tls-material.js';

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
}

function isSystemError(e: unknown): e is SystemError {
  if (!(e instanceof Error)) return false;
  const code: unknown = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** What went wrong with a file or a port, in words, for the errno codes starting a server meets. */
function systemErrorText(e: SystemError): string {
  const where = e.syscall === 'listen' || e.syscall === 'bind' ? `${e.address ?? 'address'}:${e.port ?? '?'}` : e.path;
  switch (e.code) {
    case 'EADDRINUSE': return `${where} is already in use: another server (or another program) listens there; pick another port`;
    case 'EADDRNOTAVAIL': return `${where} is not an address of this machine`;
    case 'ENOENT': return `${where ?? 'a file'} does not exist`;
    case 'EACCES':
    case 'EPERM': return `no permission for ${where ?? e.syscall ?? 'an operation'}${e.syscall === 'listen' ? ' (ports below 1024 need privileges)' : ''}`;
    case 'EISDIR': return `${where ?? 'a path'} is a directory, not a file`;
    case 'ENOSPC': return `no space left on the device holding ${where ?? 'the data directory'}`;
    default: return e.message;
  }
}

/** The line printed for an error that stopped the server's start. */
export function startErrorText(e: unknown): string {
  if (e instanceof ConfigError) return `configuration error: ${e.message}`;
  if (e instanceof TlsMaterialError) return `TLS configuration error: ${e.message}`;
  if (isSystemError(e)) return systemErrorText(e);
  // A port or file met below the server (the peer listener): the errno behind it says what to do.
  if (e instanceof Error && isSystemError(e.cause)) {
    const suffix = `: ${e.cause.message}`;
    const own = e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    return `${own}: ${systemErrorText(e.cause)}`;
  }
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
