// The text formats a ConfigHandle reads and writes. Parsing turns text into an untyped value for the
// handle's validate function; serialising turns a value back into text in the same format.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseProperties, stringifyProperties } from './properties.js';

/**
 * The text formats a ConfigHandle reads and writes.
 */
export type ConfigFormat = 'json' | 'yaml' | 'properties' | 'text';

/** Text that is not valid in its format (the cause says why). */
export class ConfigFormatError extends Error {
  constructor(readonly format: ConfigFormat, cause: unknown) {
    super(`invalid ${format}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ConfigFormatError';
  }
}

/**
 * Text to value: json and yaml give any JSON-like value, properties an object of strings, text the string.
 * @returns the value, for a ConfigHandle's validate function.
 * @throws {ConfigFormatError} when the text is not valid in its format.
 */
export function parseConfigText(format: ConfigFormat, text: string): unknown {
  try {
    switch (format) {
      case 'json':
        return JSON.parse(text) as unknown;
      case 'yaml':
        return parseYaml(text) as unknown;
      case 'properties':
        return parseProperties(text);
      case 'text':
        return text;
      default:
        return assertNever(format);
    }
  } catch (e) {
    throw new ConfigFormatError(format, e);
  }
}

/**
 * Value to text. Properties need a flat object of strings, numbers or booleans; text needs a string.
 * @returns the text.
 * @throws {ConfigFormatError} when the value cannot be written in the format.
 */
export function serializeConfig(format: ConfigFormat, value: unknown): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
      return stringifyYaml(value);
    case 'properties':
      return stringifyProperties(flatRecord(value));
    case 'text':
      if (typeof value !== 'string') throw new ConfigFormatError(format, new TypeError('a text config value must be a string'));
      return value;
    default:
      return assertNever(format);
  }
}

function flatRecord(value: unknown): Record<string, string | number | boolean> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigFormatError('properties', new TypeError('a properties config value must be an object'));
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new ConfigFormatError('properties', new TypeError(`property '${k}' must be a string, number or boolean`));
    }
  }
  return value as Record<string, string | number | boolean>;
}

function assertNever(x: never): never {
  throw new Error(`unknown config format ${String(x)}`);
}
