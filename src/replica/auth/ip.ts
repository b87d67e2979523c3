// The ip scheme: every connection has the id of its remote address; an ACL id is an address with an
// optional CIDR mask (`10.0.0.0/8`, `fe80::/10`). IPv4 and IPv6 never match each other, as in ZooKeeper,
// except that an IPv4-mapped IPv6 remote address (`::ffff:1.2.3.4`) is the IPv4 address it maps.
import type { Id } from '../../../protocol/index.js';
import type { AuthProvider, ConnectionFacts } from './provider.js';

export const IP_SCHEME = 'ip';

const IPV4_MAPPED_PREFIX = '::ffff:';
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
/** Longer text cannot be an address with a mask; checked before any parsing. */
const ADDRESS_CHARS_MAX = 64;

/** The `ip` id of a remote address: an IPv4-mapped IPv6 address is shown as IPv4. */
export function ipId(remoteAddress: string): string {
  if (remoteAddress.toLowerCase().startsWith(IPV4_MAPPED_PREFIX)) {
    const rest = remoteAddress.slice(IPV4_MAPPED_PREFIX.length);
    if (IPV4.test(rest)) return rest;
  }
  return remoteAddress;
}

function ipv4Bytes(text: string): number[] | undefined {
  const m = IPV4.exec(text);
  if (m === null) return undefined;
  const bytes = [m[1], m[2], m[3], m[4]].map((p) => Number(p));
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function groupsBytes(groups: string[]): number[] | undefined {
  const bytes: number[] = [];
  for (const g of groups) {
    if (!HEX_GROUP.test(g)) return undefined;
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 0xff);
  }
  return bytes;
}

/** The 16 bytes of an IPv6 address in any of its text forms (`::` compression, an IPv4 tail); no zone ids. */
function ipv6Bytes(text: string): number[] | undefined {
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4;
    const prefix = text.slice(0, lastColon + 1);
    // `a::1.2.3.4` keeps its `::`; `a:b:c:d:e:f:1.2.3.4` drops the colon that led to the IPv4 part.
    head = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsBytes(split(halves[0]!));
  const right = halves.length === 2 ? groupsBytes(split(halves[1]!)) : [];
  if (left === undefined || right === undefined) return undefined;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1) return known === 16 ? [...left, ...tail] : undefined;
  if (known > 14) return undefined;
  return [...left, ...new Array<number>(16 - known).fill(0), ...right, ...tail];
}

/** The bytes of an IPv4 or IPv6 address, or undefined when it is neither. */
export function addressBytes(text: string): number[] | undefined {
  if (text.length === 0 || text.length > ADDRESS_CHARS_MAX) return undefined;
  return text.includes(':') ? ipv6Bytes(text) : ipv4Bytes(text);
}

interface Cidr {
  bytes: number[];
  bits: number;
}

/** `address` or `address/bits`, with bits within the address's length. */
export function parseCidr(text: string): Cidr | undefined {
  if (text.length > ADDRESS_CHARS_MAX) return undefined;
  const slash = text.indexOf('/');
  const bytes = addressBytes(slash < 0 ? text : text.slice(0, slash));
  if (bytes === undefined) return undefined;
  if (slash < 0) return { bytes, bits: bytes.length * 8 };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  return bits <= bytes.length * 8 ? { bytes, bits } : undefined;
}

function matchesCidr(address: number[], cidr: Cidr): boolean {
  if (address.length !== cidr.bytes.length) return false;
  let bits = cidr.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

export const ipProvider: AuthProvider = {
  scheme: IP_SCHEME,
  isAuthenticated: false,
  connectionIds(conn: ConnectionFacts): Id[] {
    return [{ scheme: IP_SCHEME, id: ipId(conn.remoteAddress) }];
  },
  // Adding ip auth changes nothing: the connection has its address already (ZooKeeper ignores the bytes too).
  authenticate(_auth: Uint8Array, conn: ConnectionFacts): Id[] {
    return this.connectionIds(conn);
  },
  matches(id: string, aclId: string): boolean {
    const address = addressBytes(id);
    const cidr = parseCidr(aclId);
    return address !== undefined && cidr !== undefined && matchesCidr(address, cidr);
  },
  isValid(aclId: string): boolean {
    return parseCidr(aclId) !== undefined;
  },
};
