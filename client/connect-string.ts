// ZooKeeper's connect string: "host:port,host:port[/chroot]". IPv6 hosts go in brackets ("[::1]:2181").
// A missing port means 2181. A `wss://` (or `ws://`) prefix chooses TLS for every server of the string;
// each entry may carry the prefix too ("ws://a:2181,ws://b:2181/app", as a list of URLs reads), as long
// as they agree, and a URL's own trailing slash ("ws://a:2181/,ws://b:2181/") is not a chroot. The first
// other slash starts the chroot, which may hold any path characters, commas included.
// Invalid strings fail loudly with a plain Error naming the problem.
import { pathProblem } from '../protocol/index.js';

export const DEFAULT_PORT = 2181;
/** Most servers one connect string may list. */
export const MAX_SERVERS = 256;

/** One server of a connect string. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** What a connect string says. */
export interface ParsedConnectString {
  servers: ServerAddress[];
  /** Prefix every path is resolved under, or undefined for none ('/'). */
  chroot: string | undefined;
  /** true for a `wss://` prefix, false for `ws://`, undefined without one. */
  secure: boolean | undefined;
}

/** Sticky: tried at each entry's start. */
const SCHEME_PREFIX = /(wss?):\/\//iy;
const ANY_SCHEME_PREFIX = /([a-z][a-z0-9+.-]*):\/\//iy;

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?$/;

/**
 * Reads a connect string: `host[:port],host[:port][/chroot]`, with an optional `ws://` or `wss://` prefix
 * for all its servers; IPv6 hosts in brackets; port 2181 when none is given.
 * @returns the servers, the chroot (undefined for none) and whether the prefix asked for TLS.
 * @throws {Error} naming the problem: an empty string, another scheme, an invalid host, port or chroot, an
 * empty entry, or more than 256 servers.
 */
export function parseConnectString(connectString: string): ParsedConnectString {
  if (typeof connectString !== 'string' || connectString.trim() === '') throw new Error('connect string is empty');
  const { entries, schemes, chrootText } = splitEntries(connectString.trim());
  if (entries.length === 1 && entries[0] === '' && chrootText === undefined) throw new Error(`connect string '${connectString}' names no server`);
  const chroot = chrootText === undefined ? undefined : parseChroot(chrootText);
  const servers = entries.map((entry) => parseServer(entry, connectString));
  const distinct = new Set(schemes);
  if (distinct.size > 1) throw new Error(`connect string '${connectString}' mixes ws:// and wss://`);
  const scheme = schemes[0];
  return { servers, chroot, secure: scheme === undefined ? undefined : scheme === 'wss' };
}

interface SplitConnectString {
  /** The host[:port] texts, trimmed, schemes removed. */
  entries: string[];
  /** The schemes given, lower case, in order (entries without one add nothing). */
  schemes: string[];
  chrootText: string | undefined;
}

/** One pass over the text: entries end at a comma or at the slash that starts the chroot. */
function splitEntries(text: string): SplitConnectString {
  const entries: string[] = [];
  const schemes: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    SCHEME_PREFIX.lastIndex = i;
    const scheme = SCHEME_PREFIX.exec(text);
    if (scheme !== null) {
      schemes.push(scheme[1]!.toLowerCase());
      i = SCHEME_PREFIX.lastIndex;
    } else {
      ANY_SCHEME_PREFIX.lastIndex = i;
      const other = ANY_SCHEME_PREFIX.exec(text);
      if (other !== null) throw new Error(`unsupported scheme '${other[1]}://' in connect string (use ws:// or wss://, or none)`);
    }
    let end = i;
    while (end < text.length && text[end] !== ',' && text[end] !== '/') end++;
    entries.push(text.slice(i, end).trim());
    if (entries.length > MAX_SERVERS) throw new Error(`connect string lists more than ${MAX_SERVERS} servers`);
    // A URL's own trailing slash before the next entry.
    if (scheme !== null && text[end] === '/' && text[end + 1] === ',') end++;
    if (text[end] !== ',') return { entries, schemes, chrootText: end < text.length ? text.slice(end) : undefined };
    i = end + 1;
  }
}

function parseChroot(chroot: string): string | undefined {
  if (chroot === '/') return undefined;
  const problem = pathProblem(chroot);
  if (problem !== undefined) throw new Error(`invalid chroot '${chroot}' in connect string: ${problem}`);
  return chroot;
}

function parseServer(entry: string, whole: string): ServerAddress {
  if (entry === '') throw new Error(`empty server entry in connect string '${whole}'`);
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) throw new Error(`unterminated IPv6 address in '${entry}'`);
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new Error(`unexpected '${rest}' after IPv6 address in '${entry}'`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (!IPV6.test(host)) throw new Error(`invalid IPv6 address '${host}' in '${entry}'`);
  } else {
    const colon = entry.lastIndexOf(':');
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
    if (!HOSTNAME.test(host)) throw new Error(`invalid host '${host}' in '${entry}' (IPv6 addresses need brackets)`);
  }
  return { host, port: portText === undefined ? DEFAULT_PORT : parsePort(portText, entry) };
}

function parsePort(text: string, entry: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new Error(`invalid port '${text}' in '${entry}'`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new Error(`port ${port} out of range in '${entry}'`);
  return port;
}

/** The WebSocket URL of a server. */
export function serverUrl(server: ServerAddress, secure: boolean): string {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `${secure ? 'wss' : 'ws'}://${host}:${server.port}/`;
}

/** A shuffled copy (Fisher-Yates), so that clients sharing a connect string spread over the servers. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
