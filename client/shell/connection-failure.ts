// One line that names why the shell has no connection: the SDK's typed cause, the server's address, and
// the runtime's own words where they help. Those words come from the network (a close reason, an HTTP
// status line), so they are cut to one printable line of bounded length before they are shown.
import type { ConnectionFailure } from '../index.js';
import { assertNever } from '../../protocol/assert-never.js';

const DETAIL_CHARS_MAX = 200;
/** What a TLS client sees when the port does not speak TLS. */
const PLAIN_PORT_SIGNS = /wrong version number|before secure TLS connection was established|packet length too long/;

/** Printable, one line, bounded: what a remote end said may hold anything. */
export function printableDetail(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > DETAIL_CHARS_MAX ? `${flat.slice(0, DETAIL_CHARS_MAX)}…` : flat;
}

/** host:port of a ws:// or wss:// URL (the SDK builds them), else the text as given. */
function addressOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** The runtime's words without the URL the SDK puts in front of them. */
function detailOf(failure: ConnectionFailure): string {
  const { url, message } = failure;
  const bare = message.startsWith(`${url}: `) ? message.slice(url.length + 2) : message.startsWith(`${url} `) ? message.slice(url.length + 1) : message;
  return printableDetail(bare);
}

function notCanopyDetail(detail: string): string {
  const status = /Unexpected server response: (\d{3})/.exec(detail);
  if (status !== null) return `it answered HTTP ${status[1]} instead of a WebSocket upgrade`;
  if (/Parse Error|HPE_/.test(detail)) return 'it answered with bytes that are not HTTP';
  return detail;
}

export function failureSentence(failure: ConnectionFailure): string {
  const address = printableDetail(addressOf(failure.url));
  const detail = detailOf(failure);
  switch (failure.cause) {
    case 'refused':
      return `connection refused: nothing listens at ${address} (is the server running, on this port?)`;
    case 'unreachable':
      return `cannot reach ${address}: ${detail}`;
    case 'not-canopy':
      return `not a Canopy server at ${address}: ${notCanopyDetail(detail)}`;
    case 'tls':
      return `TLS handshake with ${address} failed: ${detail}${PLAIN_PORT_SIGNS.test(detail) ? ' (a plain ws:// port?)' : ''}`;
    case 'timeout':
      return `connection timed out: no answer from ${address} (${detail})`;
    case 'rejected':
      return `${address} refused the session: ${detail}`;
    case 'closed': {
      // The SDK's own words for a close without an error: "closed the connection (code: reason)".
      const rest = detail.replace(/^closed the connection\s*/, '');
      return rest.startsWith('(') ? `${address} closed the connection ${rest}` : `${address} closed the connection: ${rest}`;
    }
    case 'unknown':
      return `cannot connect to ${address}: ${detail}`;
    default:
      return assertNever(failure.cause, 'connection failure cause');
  }
}
