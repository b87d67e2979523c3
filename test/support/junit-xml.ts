// Reads the test cases out of a JUnit XML report as pytest writes it (--junitxml): each <testcase> with its
// classname, name and outcome. Only that shape is understood; anything else is an error, not a guess. The
// report is bounded in size before it is read, and every message is cut to a bounded length.
import { assertNever } from '../../protocol/assert-never.js';

/** Larger reports are refused: Kazoo's suite writes well under 1 MB. */
export const JUNIT_REPORT_BYTES_MAX = 32 * 1024 * 1024;
const MESSAGE_CHARS_MAX = 2_000;

export type JunitOutcome =
  | { kind: 'passed' }
  | { kind: 'skipped'; message: string }
  | { kind: 'failed'; message: string }
  | { kind: 'error'; message: string };

export interface JunitCase {
  classname: string;
  name: string;
  timeSeconds: number;
  outcome: JunitOutcome;
}

export class JunitFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JunitFormatError';
  }
}

const TESTCASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
const ATTRIBUTE = /([A-Za-z_][\w.-]*)="([^"]*)"/g;
const ENTITY = /&(amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9A-Fa-f]{1,6});/g;
const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** The child elements that give a case its outcome, strongest first: pytest writes a teardown error after a failure or skip. */
const OUTCOME_CHILDREN = ['error', 'failure', 'skipped'] as const;
type OutcomeChild = (typeof OUTCOME_CHILDREN)[number];

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_, e: string) => {
    if (!e.startsWith('#')) return NAMED_ENTITIES[e]!;
    const code = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(ATTRIBUTE)) out.set(m[1]!, decodeEntities(m[2]!));
  return out;
}

function outcomeOf(body: string | undefined): JunitOutcome {
  if (body === undefined) return { kind: 'passed' };
  for (const child of OUTCOME_CHILDREN) {
    const m = new RegExp(`<${child}\\b([^>]*?)\\/?>`).exec(body);
    if (m === null) continue;
    const message = (attributes(m[1]!).get('message') ?? '').slice(0, MESSAGE_CHARS_MAX);
    return withMessage(child, message);
  }
  return { kind: 'passed' };
}

function withMessage(child: OutcomeChild, message: string): JunitOutcome {
  switch (child) {
    case 'error':
      return { kind: 'error', message };
    case 'failure':
      return { kind: 'failed', message };
    case 'skipped':
      return { kind: 'skipped', message };
    default:
      return assertNever(child, 'junit outcome element');
  }
}

/** Every test case in the report, in its order. */
export function parseJunitCases(xml: string): JunitCase[] {
  if (xml.length > JUNIT_REPORT_BYTES_MAX) throw new JunitFormatError(`the report is over ${JUNIT_REPORT_BYTES_MAX} characters`);
  if (!/<testsuites?\b/.test(xml)) throw new JunitFormatError('no <testsuite> in the report');
  const cases: JunitCase[] = [];
  for (const m of xml.matchAll(TESTCASE)) {
    const attrs = attributes(m[1]!);
    const classname = attrs.get('classname');
    const name = attrs.get('name');
    const timeSeconds = Number(attrs.get('time') ?? '0');
    if (classname === undefined || name === undefined || !Number.isFinite(timeSeconds)) {
      throw new JunitFormatError(`a <testcase> without classname, name or a numeric time: ${m[1]!.slice(0, 200)}`);
    }
    cases.push({ classname, name, timeSeconds, outcome: outcomeOf(m[3]) });
  }
  return cases;
}
