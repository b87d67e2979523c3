// Bugs, not operating errors: a tree that sees one of these was fed something prep and ZAB promise never to send.

/** A broken invariant of the replicated state (for example a zxid that does not increase). */
export class TreeInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeInvariantError';
  }
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new TreeInvariantError(message);
}
