// Exhaustive switches: a switch over a discriminated union ends in `default: return assertNever(x, 'what')`,
// so a new variant does not compile until every switch handles it. At run time it is reached only by a
// value outside its declared type, which is a bug: it throws. Here in protocol/ so that every folder
// (client, server, ZAB, tree, storage, transport) can use the one copy without breaking layering.

/** How long a quoted discriminant may be in the error message. */
const QUOTED_CHARS_MAX = 64;

/**
 * Throws `new errorClass('unexpected <what>: <value>')`. Only a primitive, or an object's `type`, is
 * quoted (clipped): the value may be a whole peer message with a snapshot in it.
 */
export function assertNever(value: never, what: string, errorClass: new (message: string) => Error = Error): never {
  throw new errorClass(`unexpected ${what}: ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const type: unknown = Object.hasOwn(value, 'type') ? (value as { type: unknown }).type : undefined;
    return typeof type === 'string' || typeof type === 'number' ? `an object of type ${clip(String(type))}` : 'an object';
  }
  return typeof value === 'string' ? `'${clip(value)}'` : clip(String(value));
}

function clip(text: string): string {
  return text.length <= QUOTED_CHARS_MAX ? text : `${text.slice(0, QUOTED_CHARS_MAX)}…`;
}
