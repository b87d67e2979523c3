// Who acts in the ACL matrix: the connections (callers) with the auth infos they add, and the ACL rows
// (one per scheme form) with the entry a node gets, who sets it up, and which caller has the identity the
// entry names and which does not.
//
// The digest ids are computed here, not with Canopy's own digest code: the matrix is the oracle for that
// code, and the ZooKeeper run checks these values against ZooKeeper's DigestAuthenticationProvider.
import { createHash } from 'node:crypto';
import type { ACL } from '../../../protocol/index.js';

/** ZooKeeper's DigestAuthenticationProvider.generateDigest: `user:base64(sha1("user:password"))`. */
export function zookeeperDigest(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64')}`;
}

export const SUPER_USER = 'super';
export const SUPER_PASSWORD = 'matrix-super-secret';
/** What a server is configured with (ZooKeeper's zookeeper.DigestAuthenticationProvider.superDigest). */
export const SUPER_DIGEST = zookeeperDigest(SUPER_USER, SUPER_PASSWORD);

/** x509 subjects as ZooKeeper's X509AuthenticationProvider names them (X500Principal.getName(), RFC 2253). */
export const X509_SUBJECT = {
  alice: 'CN=alice,O=Canopy ACL Matrix',
  bob: 'CN=bob,O=Canopy ACL Matrix',
} as const;

export type CallerName = 'anon' | 'carol' | 'dave' | 'daveWrongPassword' | 'carolDaveIp' | 'super' | 'x509Alice' | 'x509Bob';

export interface Caller {
  readonly name: CallerName;
  /** addAuthInfo calls made right after connecting, in order: [scheme, credential]. */
  readonly auth: ReadonlyArray<readonly [string, string]>;
  /** Authenticated as the super user: passes every ACL check. */
  readonly isSuper: boolean;
  /** Needs a client certificate (client TLS): x509 rows run only when TLS is set up. */
  readonly needsTls: boolean;
}

function caller(name: CallerName, auth: Array<[string, string]>, extra: Partial<Pick<Caller, 'isSuper' | 'needsTls'>> = {}): Caller {
  return { name, auth, isSuper: extra.isSuper ?? false, needsTls: extra.needsTls ?? false };
}

export const CALLERS: Readonly<Record<CallerName, Caller>> = {
  /** Only the implicit ip id (127.0.0.1): every client has it. */
  anon: caller('anon', []),
  carol: caller('carol', [['digest', 'carol:carol-pw']]),
  dave: caller('dave', [['digest', 'dave:dave-pw']]),
  /** dave's user name with another password: a different digest id, so none of dave's rights. */
  daveWrongPassword: caller('daveWrongPassword', [['digest', 'dave:not-dave-pw']]),
  /** Two digest ids and an ip addAuth: what an `auth` ACL entry expands to when a caller has several ids. */
  carolDaveIp: caller('carolDaveIp', [['digest', 'carol:carol-pw'], ['digest', 'dave:dave-pw'], ['ip', 'ignored']]),
  super: caller('super', [['digest', `${SUPER_USER}:${SUPER_PASSWORD}`]], { isSuper: true }),
  x509Alice: caller('x509Alice', [], { needsTls: true }),
  x509Bob: caller('x509Bob', [], { needsTls: true }),
};

/** The digest ids the digest callers authenticate as. */
export const DIGEST_ID = {
  carol: zookeeperDigest('carol', 'carol-pw'),
  dave: zookeeperDigest('dave', 'dave-pw'),
  /** Named by the super rows' ACL: nobody connects as it, so only a super user gets past those nodes. */
  nobody: zookeeperDigest('nobody', 'nobody-pw'),
} as const;

export type RowName = 'world' | 'auth' | 'digest' | 'ip' | 'ipCidr' | 'ipOther' | 'super' | 'x509';

/** A caller paired with a row: `with` has the identity the row's entry names, `without` lacks it. */
export interface RowCaller {
  readonly who: 'with' | 'without';
  readonly caller: CallerName;
}

export interface AclRow {
  readonly name: RowName;
  /** The ACL entry the setup client sends for these perms. */
  entry(perms: number): ACL;
  /** The entry as ZooKeeper stores it (`auth` expands to the setup caller's digest id). */
  stored(perms: number): ACL;
  /** Who creates the row's nodes and changes their ACL (an `auth` entry expands to this caller's ids). */
  readonly setupAs: CallerName;
  readonly callers: readonly RowCaller[];
  readonly needsTls: boolean;
}

function entry(perms: number, scheme: string, id: string): ACL {
  return { perms, id: { scheme, id } };
}

function row(name: RowName, scheme: string, id: string, callers: RowCaller[], extra: Partial<Pick<AclRow, 'setupAs' | 'needsTls'>> & { storedId?: readonly [string, string] } = {}): AclRow {
  const [storedScheme, storedId] = extra.storedId ?? [scheme, id];
  return {
    name,
    entry: (perms) => entry(perms, scheme, id),
    stored: (perms) => entry(perms, storedScheme, storedId),
    setupAs: extra.setupAs ?? 'super',
    callers,
    needsTls: extra.needsTls ?? false,
  };
}

const WITH = (c: CallerName): RowCaller => ({ who: 'with', caller: c });
const WITHOUT = (c: CallerName): RowCaller => ({ who: 'without', caller: c });

/** Every ACL row; the test client connects from 127.0.0.1. */
export const ROWS: readonly AclRow[] = [
  row('world', 'world', 'anyone', [WITH('anon')]),
  // Created by carol alone, so that `auth` expands to exactly her digest id.
  row('auth', 'auth', '', [WITH('carol'), WITHOUT('anon')], { setupAs: 'carol', storedId: ['digest', DIGEST_ID.carol] }),
  row('digest', 'digest', DIGEST_ID.dave, [WITH('dave'), WITHOUT('daveWrongPassword')]),
  row('ip', 'ip', '127.0.0.1', [WITH('anon')]),
  row('ipCidr', 'ip', '127.0.0.0/8', [WITH('anon')]),
  row('ipOther', 'ip', '10.0.0.0/8', [WITHOUT('anon')]),
  row('super', 'digest', DIGEST_ID.nobody, [WITH('super'), WITHOUT('anon')]),
  row('x509', 'x509', X509_SUBJECT.alice, [WITH('x509Alice'), WITHOUT('x509Bob')], { needsTls: true }),
];

/** canopy-server flags that make SUPER_USER a super user (the `superDigest` config key). */
export const CANOPY_SUPER_FLAGS: readonly string[] = ['--superDigest', SUPER_DIGEST];
