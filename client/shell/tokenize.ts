// Splits an interactive line into words like zkCli: whitespace separates, "double" or 'single' quotes
// group (quotes removed); inside double quotes \" and \\ escape.
import { UsageError } from './errors.js';

export const MAX_LINE_CHARS = 1_048_576 * 2;

export function tokenize(line: string): string[] {
  if (line.length > MAX_LINE_CHARS) throw new UsageError(`line longer than ${MAX_LINE_CHARS} characters`, '');
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (quote === '"' && ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new UsageError(`unterminated ${quote} quote`, '');
  if (inWord) words.push(word);
  return words;
}
