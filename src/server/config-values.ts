// What the configuration path (config.ts and the settings it hands to peer-auth-config.ts) shares: its one
// error, which main prints alone (no stack trace) before exiting 2, and the parsing of a boolean value.
export class ConfigError extends Error {}

/** `true` or `false` (any case, as in zoo.cfg), or a flag's boolean. */
export function parseBoolean(key: string, value: string | number | boolean): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ConfigError(`${key} must be true or false, got '${value}'`);
}
