// ACL lists a create or setACL sends, and what ZooKeeper's fixupACL makes of them: INVALIDACL, or the
// list it stores (duplicates dropped, `auth` expanded to the caller's authenticated ids: digest and x509,
// never ip or super). Two cases are Canopy's on purpose (IPv6 ip entries, perms outside 0–31); the
// ZooKeeper run lists them in differences.ts.
import type { ACL } from '../../../protocol/index.js';
import { DIGEST_ID, X509_SUBJECT, type CallerName } from './identities.js';

export type ValidationTarget = 'open' | 'locked' | 'missing';

export interface ValidationCase {
  readonly name: string;
  readonly acl: ACL[];
  /** Who sends it (default anon): only `auth` depends on the caller's ids. */
  readonly callers?: readonly CallerName[];
  /**
   * Where it is sent: under / on an open node (default), under / on a node that grants nothing (INVALIDACL
   * comes first), or under / on a node that does not exist (INVALIDACL comes before NONODE).
   */
  readonly target?: ValidationTarget;
  /** Only meaningful on a server without client TLS (with TLS, an x509 provider exists). */
  readonly withoutTlsOnly?: boolean;
  /** The stored list, or INVALIDACL; by caller. */
  readonly expect: (caller: CallerName) => ACL[] | 'INVALIDACL';
}

const e = (perms: number, scheme: string, id: string): ACL => ({ perms, id: { scheme, id } });
const invalid = (): 'INVALIDACL' => 'INVALIDACL';
const stored = (acl: ACL[]) => (): ACL[] => acl;

function authExpansion(perms: number) {
  return (caller: CallerName): ACL[] | 'INVALIDACL' => {
    // ip is not an authenticated scheme: carolDaveIp's ip addAuth adds nothing to the expansion.
    if (caller === 'carol') return [e(perms, 'digest', DIGEST_ID.carol)];
    if (caller === 'carolDaveIp') return [e(perms, 'digest', DIGEST_ID.carol), e(perms, 'digest', DIGEST_ID.dave)];
    return 'INVALIDACL';
  };
}

const AUTH_CALLERS: CallerName[] = ['anon', 'carol', 'carolDaveIp'];

export const VALIDATION_CASES: readonly ValidationCase[] = [
  { name: 'emptyList', acl: [], expect: invalid },
  { name: 'unknownScheme', acl: [e(31, 'foo', 'bar')], expect: invalid },
  { name: 'worldBob', acl: [e(31, 'world', 'bob')], expect: invalid },
  { name: 'worldPerms0', acl: [e(0, 'world', 'anyone')], expect: stored([e(0, 'world', 'anyone')]) },
  { name: 'worldPerms32', acl: [e(32, 'world', 'anyone')], expect: invalid },
  { name: 'worldPermsNegative', acl: [e(-1, 'world', 'anyone')], expect: invalid },
  { name: 'digestNoHash', acl: [e(31, 'digest', 'nohash')], expect: invalid },
  // ZooKeeper's digest isValid only asks for two ':'-separated parts: the hash is not decoded.
  { name: 'digestNotBase64', acl: [e(31, 'digest', 'u:!!!notbase64')], expect: stored([e(31, 'digest', 'u:!!!notbase64')]) },
  { name: 'digestEmptyHash', acl: [e(31, 'digest', 'u:')], expect: invalid },
  { name: 'digestEmptyUser', acl: [e(31, 'digest', ':abc')], expect: stored([e(31, 'digest', ':abc')]) },
  { name: 'digestThreeParts', acl: [e(31, 'digest', 'a:b:c')], expect: invalid },
  { name: 'ipNotAnIp', acl: [e(31, 'ip', 'not-an-ip')], expect: invalid },
  { name: 'ipPrefix99', acl: [e(31, 'ip', '10.0.0.0/99')], expect: invalid },
  { name: 'ipOctet256', acl: [e(31, 'ip', '10.0.0.256')], expect: invalid },
  { name: 'ipPrefix33', acl: [e(31, 'ip', '10.0.0.1/33')], expect: invalid },
  { name: 'ipEmpty', acl: [e(31, 'ip', '')], expect: invalid },
  { name: 'ipCidrV4', acl: [e(31, 'ip', '10.0.0.0/8')], expect: stored([e(31, 'ip', '10.0.0.0/8')]) },
  { name: 'ipPrefix0', acl: [e(31, 'ip', '10.0.0.1/0')], expect: stored([e(31, 'ip', '10.0.0.1/0')]) },
  { name: 'ipV6', acl: [e(31, 'ip', '::1')], expect: stored([e(31, 'ip', '::1')]) },
  { name: 'ipV6Cidr', acl: [e(31, 'ip', '::1/64')], expect: stored([e(31, 'ip', '::1/64')]) },
  { name: 'ipV6Prefix129', acl: [e(31, 'ip', 'fe80::/129')], expect: invalid },
  { name: 'superScheme', acl: [e(31, 'super', 'x')], expect: invalid },
  // No x509 provider without client TLS (ZooKeeper registers it only with an SSL setup).
  { name: 'x509WithoutTls', acl: [e(31, 'x509', X509_SUBJECT.alice)], withoutTlsOnly: true, expect: invalid },
  { name: 'duplicates', acl: [e(31, 'world', 'anyone'), e(31, 'world', 'anyone')], expect: stored([e(31, 'world', 'anyone')]) },
  { name: 'oneBadEntry', acl: [e(31, 'world', 'anyone'), e(31, 'foo', 'x')], expect: invalid },
  { name: 'auth', acl: [e(31, 'auth', '')], callers: AUTH_CALLERS, expect: authExpansion(31) },
  { name: 'authIdIgnored', acl: [e(5, 'auth', 'whatever')], callers: AUTH_CALLERS, expect: authExpansion(5) },
  { name: 'invalidBeforeNoauth', acl: [e(31, 'foo', 'bar')], target: 'locked', expect: invalid },
  { name: 'invalidBeforeNonode', acl: [e(31, 'foo', 'bar')], target: 'missing', expect: invalid },
];
