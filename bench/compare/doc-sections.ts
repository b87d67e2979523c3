// docs/performance.md holds the main comparison, which `bench:compare --write-doc` writes whole, and
// sections that other plans write between markers of their own. Rewriting one part keeps every other part
// exactly as it was, so that the figures of one plan never vanish because another plan ran.
import { BenchError } from '../errors.js';

export interface SectionMarkers {
  readonly begin: string;
  readonly end: string;
}

/** Markers naming the command that owns the section; `name` is ours (a plan name), never a reader's text. */
export function sectionMarkers(name: string): SectionMarkers {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(name)) throw new RangeError('a section name is lower-case letters, digits and dashes');
  return {
    begin: `<!-- section ${name}: generated, do not edit by hand -->`,
    end: `<!-- end of section ${name} -->`,
  };
}

/** Where the section is in text, markers included; undefined when it is not there. */
function locate(text: string, markers: SectionMarkers): { start: number; end: number } | undefined {
  const start = text.indexOf(markers.begin);
  const endAt = text.indexOf(markers.end);
  if (start === -1 && endAt === -1) return undefined;
  if (start === -1 || endAt < start || text.indexOf(markers.begin, start + 1) !== -1) {
    throw new BenchError(`the page's markers "${markers.begin}" and "${markers.end}" are not one pair in order: mend them by hand`);
  }
  return { start, end: endAt + markers.end.length };
}

/** The section with its markers, or undefined when text has none. */
export function findSection(text: string, markers: SectionMarkers): string | undefined {
  const at = locate(text, markers);
  return at === undefined ? undefined : text.slice(at.start, at.end);
}

/** The section (its body between the markers) put in place of the old one, or appended after a blank line. */
export function replaceSection(text: string, markers: SectionMarkers, body: string): string {
  const section = wrapSection(markers, body);
  const at = locate(text, markers);
  if (at === undefined) return `${text.replace(/\n*$/, '')}\n\n${section}\n`;
  return `${text.slice(0, at.start)}${section}${text.slice(at.end)}`;
}

export function wrapSection(markers: SectionMarkers, body: string): string {
  return `${markers.begin}\n${body.replace(/^\n+|\n+$/g, '')}\n${markers.end}`;
}
