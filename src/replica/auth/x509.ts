// The x509 scheme (ZooKeeper's X509AuthenticationProvider): a connection that presented a client
// certificate the TLS layer verified has the id of that certificate, given when the connection opens and
// again by an addAuth of x509 (whose bytes are ignored, as in ZooKeeper); without one, addAuth x509 is
// AUTHFAILED. The id is the subject as Java's X500Principal.getName() prints it (RFC 2253), or, with a SAN
// mapping, a part of one subject alternative name (the ssl.clientCertId* keys of LinkedIn's ZooKeeper,
// falling back to the subject when the mapping finds nothing, as there). A certificate whose id equals
// the configured superUser also gets ('super', id), which passes every ACL check.
//
// The certificate's fields come from the client: they are read with bounds (x509-cert.ts) and nothing
// here throws. The regexes come from the operator's config and only ever see bounded text.
import { X509Certificate } from 'node:crypto';
import type { Id } from '../../../protocol/index.js';
import { SUPER_SCHEME } from './digest.js';
import type { AuthProvider, ConnectionFacts } from './provider.js';
import { certificateNames } from './x509-cert.js';
import type { CertificateNames } from './x509-cert.js';

export const X509_SCHEME = 'x509';

/** ssl.clientCertIdType=SAN: which subject alternative name gives the id, and which part of it. */
export interface SanMapping {
  /** The GeneralName type (0-8; 1 email, 2 DNS, 4 directory name, 6 URI, 7 IP address, 8 registered id). */
  readonly type: number;
  /** Exactly one SAN of the type must contain a match (search, as Java's Matcher.find()). */
  readonly matchRegex: RegExp;
  /** Searched in that SAN; the id is the capture group `groupIndex` (0: the whole match). */
  readonly extractRegex: RegExp;
  readonly groupIndex: number;
}

export interface X509ProviderOptions {
  /** ZooKeeper's zookeeper.X509AuthenticationProvider.superUser: the id of a super user. */
  readonly superUser?: string;
  /** Take the id from a subject alternative name instead of the subject. */
  readonly san?: SanMapping;
}

/** The id of one SAN per the mapping, or undefined when none, or more than one, qualifies. */
export function sanId(names: CertificateNames, mapping: SanMapping): string | undefined {
  if (names.altNames === undefined) return undefined;
  let chosen: string | undefined;
  for (const name of names.altNames) {
    // Java's mapping casts the value to text: the byte-valued types fail, so they never give an id.
    if (name.type !== mapping.type) continue;
    if (name.value === undefined) return undefined;
    if (!mapping.matchRegex.test(name.value)) continue;
    if (chosen !== undefined) return undefined;
    chosen = name.value;
  }
  if (chosen === undefined) return undefined;
  const group = mapping.extractRegex.exec(chosen)?.[mapping.groupIndex];
  return group === undefined || group === '' ? undefined : group;
}

/** The identity of a DER certificate: the mapped SAN, else the subject; undefined when it cannot be read. */
export function x509Id(der: Uint8Array, options: X509ProviderOptions = {}): string | undefined {
  try {
    // Node's parser vouches that this is one whole certificate before our reader walks it.
    if (new X509Certificate(der).raw.byteLength !== der.byteLength) return undefined;
    const names = certificateNames(der);
    if (names === undefined) return undefined;
    const id = (options.san !== undefined ? sanId(names, options.san) : undefined) ?? names.subject;
    return id === '' ? undefined : id;
  } catch {
    // Nothing above should throw on any input; a provider must not, whatever a certificate holds.
    return undefined;
  }
}

/** A regex without state between calls: 'g' and 'y' would make test() and exec() depend on the last call. */
function stateless(regex: RegExp): RegExp {
  return new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
}

export function x509Provider(given: X509ProviderOptions = {}): AuthProvider {
  const san = given.san;
  const options: X509ProviderOptions = san === undefined ? given
    : { ...given, san: { ...san, matchRegex: stateless(san.matchRegex), extractRegex: stateless(san.extractRegex) } };
  const superUser = options.superUser;
  const ids = (conn: ConnectionFacts): Id[] => {
    if (conn.certificate === undefined) return [];
    const id = x509Id(conn.certificate, options);
    if (id === undefined) return [];
    const own: Id = { scheme: X509_SCHEME, id };
    return id === superUser ? [{ scheme: SUPER_SCHEME, id }, own] : [own];
  };
  return {
    scheme: X509_SCHEME,
    isAuthenticated: true,
    connectionIds: ids,
    authenticate(_auth: Uint8Array, conn: ConnectionFacts): Id[] | undefined {
      const granted = ids(conn);
      return granted.length > 0 ? granted : undefined;
    },
    // As in ZooKeeper, the super user's id also matches every x509 ACL entry.
    matches: (id, aclId) => id === aclId || (superUser !== undefined && id === superUser),
    isValid: (aclId) => aclId.length > 0,
  };
}
