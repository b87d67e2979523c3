// A Java-style .properties reader and writer (java.util.Properties' text format), for config handles:
//   key=value, key: value or key value; '#' and '!' start comment lines; a line ending in an odd number
//   of backslashes continues on the next (whose leading blanks are dropped); escapes \t \n \r \f \uXXXX,
//   and a backslash before any other character stands for that character.
// Text is read as it is (UTF-8 in a znode), so non-ASCII characters need no \u escapes; they are accepted.

/** Most entries one document may hold: a named bound, not a format rule. */
export const PROPERTIES_ENTRIES_MAX = 100_000;

/**
 * Properties text that cannot be read, with the line it is on.
 */
export class PropertiesSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'PropertiesSyntaxError';
  }
}

const BLANK = new Set([' ', '\t', '\f']);
const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/**
 * Parses java.util.Properties text (later duplicates win, as Properties.load).
 * @returns the entries.
 * @throws {PropertiesSyntaxError} for a malformed \uXXXX escape or more than 100,000 entries.
 */
export function parseProperties(text: string): Record<string, string> {
  const entries = new Map<string, string>();
  for (const { text: line, number } of logicalLines(text)) {
    const [rawKey, rawValue] = splitKeyValue(line);
    const key = unescape(rawKey, number);
    if (!entries.has(key) && entries.size >= PROPERTIES_ENTRIES_MAX) throw new PropertiesSyntaxError(`more than ${PROPERTIES_ENTRIES_MAX} entries`, number);
    entries.set(key, unescape(rawValue, number));
  }
  return Object.fromEntries(entries);
}

interface LogicalLine {
  text: string;
  /** 1-based number of its first natural line. */
  number: number;
}

/** Joins continued lines and drops blank and comment lines; escapes are still in the text. */
function logicalLines(text: string): LogicalLine[] {
  const natural = text.split(/\r\n|\r|\n/);
  const out: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  for (let i = 0; i < natural.length; i++) {
    const stripped = stripLeadingBlanks(natural[i]!);
    if (current === undefined) {
      if (stripped === '' || stripped.startsWith('#') || stripped.startsWith('!')) continue;
      current = { text: '', number: i + 1 };
    }
    if (endsWithOddBackslashes(stripped)) {
      current.text += stripped.slice(0, -1);
      continue;
    }
    current.text += stripped;
    out.push(current);
    current = undefined;
  }
  if (current !== undefined) out.push(current);
  return out;
}

function stripLeadingBlanks(s: string): string {
  let i = 0;
  while (i < s.length && BLANK.has(s[i]!)) i++;
  return s.slice(i);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The key ends at the first unescaped '=', ':' or blank; one separator and blanks around it are skipped. */
function splitKeyValue(line: string): [string, string] {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') i += 2;
    else if (c === '=' || c === ':' || BLANK.has(c)) break;
    else i++;
  }
  const key = line.slice(0, Math.min(i, line.length));
  let j = i;
  while (j < line.length && BLANK.has(line[j]!)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && BLANK.has(line[j]!)) j++;
  return [key, line.slice(j)];
}

function unescape(s: string, lineNumber: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(`malformed \\uXXXX escape '\\u${hex}'`, lineNumber);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}

/**
 * Writes `key=value` lines, escaped so that parseProperties reads the same strings back.
 * @returns the text.
 */
export function stringifyProperties(values: Readonly<Record<string, string | number | boolean>>): string {
  return Object.entries(values).map(([k, v]) => `${escapeText(k, true)}=${escapeText(String(v), false)}\n`).join('');
}

function escapeText(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') out += '\\\\';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    // Blanks: everywhere in a key, leading in a value (they would be skipped on reading).
    else if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else if ((c === '=' || c === ':') && isKey) out += `\\${c}`;
    else if ((c === '#' || c === '!') && i === 0) out += `\\${c}`;
    else out += c;
  }
  return out;
}
