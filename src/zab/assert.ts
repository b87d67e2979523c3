// A broken ZAB invariant is a bug, not an operating error: it stops the peer loudly (and fails a simulation).
export class ZabInvariantError extends Error {
  constructor(message: string) {
    super(`ZAB invariant violated: ${message}`);
    this.name = 'ZabInvariantError';
  }
}

export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new ZabInvariantError(typeof message === 'string' ? message : message());
}

export function hexZxid(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}
