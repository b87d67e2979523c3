// One authentication scheme (ZooKeeper's AuthenticationProvider): how a connection gains ids of the scheme
// and how such an id matches the id of an ACL entry. A new scheme is one file that implements this and one
// line in the registry (registry.ts). Providers are pure apart from hashing and certificate parsing: no
// I/O, no clock, so the replica that holds them stays deterministic.
import type { Id } from '../../../protocol/index.js';

/** What a provider may know about the connection it authenticates. */
export interface ConnectionFacts {
  /** The remote address as the socket reports it (IPv4-mapped IPv6 included). */
  readonly remoteAddress: string;
  /** The client's TLS certificate (DER) when it presented one that the TLS layer verified; else undefined. */
  readonly certificate?: Uint8Array;
}

export interface AuthProvider {
  /** The scheme name, as in an ACL entry's `id.scheme` and in addAuth. */
  readonly scheme: string;
  /**
   * Ids granted when a connection opens, before any addAuth (ip gives the remote address; x509 gives the
   * certificate's identity). Empty when the scheme grants nothing by itself.
   */
  connectionIds(conn: ConnectionFacts): Id[];
  /**
   * The ids an addAuth of this scheme grants (a super user gets `super` besides its own id), or undefined
   * when the auth bytes do not authenticate (AUTHFAILED). The bytes are hostile: any length, any content.
   */
  authenticate(auth: Uint8Array, conn: ConnectionFacts): Id[] | undefined;
  /** Whether a connection id of this scheme (`id`) matches the ACL entry's id (`aclId`) of the same scheme. */
  matches(id: string, aclId: string): boolean;
  /** Whether `aclId` is a well-formed ACL id of this scheme (else the ACL is INVALIDACL). */
  isValid(aclId: string): boolean;
  /**
   * Whether the scheme's ids name an authenticated principal: only such ids are what an `auth` ACL entry
   * expands to (ZooKeeper's isAuthenticated; ip is not, digest and x509 are).
   */
  readonly isAuthenticated: boolean;
}
