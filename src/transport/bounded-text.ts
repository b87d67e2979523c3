// Text that leaves this process (a close or refusal reason) or reaches a log line has a bound, whatever
// a peer sent: a reason is cut to the protocol's byte limit, a peer's own text is clipped before logging.
import { TRANSPORT_LIMITS } from './types.js';

const encoder = new TextEncoder();

/**
 * The longest prefix of text whose UTF-8 encoding fits in bytesMax. One pass, never more than bytesMax
 * bytes of work: encodeInto stops before the first character that would not fit whole (it never splits
 * a character or a surrogate pair), and `read` says where in the string that was.
 */
export function cutToUtf8Bytes(text: string, bytesMax: number): string {
  // A UTF-16 code unit never takes more than 3 bytes: short text needs no encoding at all.
  if (text.length * 3 <= bytesMax) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(bytesMax));
  return text.slice(0, read);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** A peer's text as it may appear in a log line: at most `chars` code units (and a marker that it was cut). */
export function clipForLog(text: string, chars: number = TRANSPORT_LIMITS.logTextCharsMax): string {
  if (text.length <= chars) return text;
  // Do not leave half of a surrogate pair at the end.
  const end = isHighSurrogate(text.charCodeAt(chars - 1)) ? chars - 1 : chars;
  return `${text.slice(0, end)}…`;
}

/** Printable ASCII only, for a value that goes into an HTTP header (a refusal reason) or comes out of one. */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
