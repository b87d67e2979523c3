// The auth ids of one client connection (ZooKeeper's ServerCnxn authInfo) and the auth providers that add
// them. Pure apart from hashing: no I/O, no clock.
//
// Invariants: the implicit `ip` id is always first and never removed; ids are unique by (scheme, id); at
// most `maxAddedIds` ids are added on top of the ip one. Ids belong to the connection: a client that
// reconnects starts with only its ip id and re-sends its auth info.
//
// Providers, as in ZooKeeper 3.9's default registry:
// - digest: the auth bytes are `user:password` (UTF-8); the id is `user:base64(sha1(auth))`, the form
//   digest ACL ids take. Like ZooKeeper, an auth without ':' is accepted (the whole text is the user).
// - ip: every connection already has it; adding it again succeeds and changes nothing (the auth bytes
//   are ignored, as ZooKeeper's IP provider ignores them).
// - anything else (world, super, sasl, ...): no provider, AUTHFAILED.
import { createHash } from 'node:crypto';
import { ErrorCode } from '../../../protocol/index.js';
import type { ClientInfo, Id } from '../../../protocol/index.js';

/** Ids a connection may add on top of its ip id; one more is refused with QUOTAEXCEEDED. */
export const AUTH_IDS_PER_CONNECTION_MAX = 64;

export const AuthScheme = {
  digest: 'digest',
  ip: 'ip',
} as const;

const IPV4_MAPPED_PREFIX = '::ffff:';

/** The `ip` id of a remote address: an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is shown as IPv4. */
export function ipId(remoteAddress: string): string {
  if (remoteAddress.toLowerCase().startsWith(IPV4_MAPPED_PREFIX)) {
    const rest = remoteAddress.slice(IPV4_MAPPED_PREFIX.length);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(rest)) return rest;
  }
  return remoteAddress;
}

/** `user:base64(sha1("user:password"))` for the auth text `user:password` (the part before the first ':' is the user). */
export function digestId(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  const hash = createHash('sha1').update(userPassword, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/** The user name whoAmI reports for an id (ZooKeeper's getUserName): the user part of a digest id, else the id. */
export function userName(id: Id): string {
  if (id.scheme === AuthScheme.digest) {
    const colon = id.id.indexOf(':');
    return colon < 0 ? id.id : id.id.slice(0, colon);
  }
  return id.id;
}

const utf8 = new TextDecoder('utf-8');

/** The id a provider grants for the auth bytes, or undefined when no provider accepts them (AUTHFAILED). */
export function authenticate(scheme: string, auth: Uint8Array, remoteAddress: string): Id | undefined {
  switch (scheme) {
    case AuthScheme.digest:
      // Invalid UTF-8 decodes to U+FFFD, as Java's new String(bytes) does; the digest is over that text.
      return { scheme, id: digestId(utf8.decode(auth)) };
    case AuthScheme.ip:
      return { scheme, id: ipId(remoteAddress) };
    default:
      return undefined;
  }
}

export class ConnectionAuth {
  private readonly idList: Id[];
  private readonly keys = new Set<string>();

  constructor(private readonly remoteAddress: string, private readonly maxAddedIds = AUTH_IDS_PER_CONNECTION_MAX) {
    const ip: Id = { scheme: AuthScheme.ip, id: ipId(remoteAddress) };
    this.idList = [ip];
    this.keys.add(keyOf(ip));
  }

  /** Every id of the connection: the ip one first, then those added, in the order they were added. */
  get ids(): readonly Id[] {
    return this.idList;
  }

  /** OK (also when the id was already there), AUTHFAILED (no provider accepts it) or QUOTAEXCEEDED (too many ids). */
  add(scheme: string, auth: Uint8Array): ErrorCode {
    const id = authenticate(scheme, auth, this.remoteAddress);
    if (id === undefined) return ErrorCode.AUTHFAILED;
    const key = keyOf(id);
    if (this.keys.has(key)) return ErrorCode.OK;
    if (this.idList.length - 1 >= this.maxAddedIds) return ErrorCode.QUOTAEXCEEDED;
    this.keys.add(key);
    this.idList.push(id);
    return ErrorCode.OK;
  }

  /** What whoAmI answers. */
  clientInfo(): ClientInfo[] {
    return this.idList.map((id) => ({ authScheme: id.scheme, user: userName(id) }));
  }
}

function keyOf(id: Id): string {
  // Schemes come only from the providers above, so the separator cannot be part of one.
  return `${id.scheme}\u0000${id.id}`;
}
