// Where Debian's ZooKeeper 3.8.0 (3.8.0-11+deb12u2) answers a matrix cell differently from what Canopy
// must answer, and why. The one place these are listed (the README's list is copied from here):
// - `version`: 3.8.0 predates a ZooKeeper rule that 3.8.4 / 3.9.2 and later follow, and Canopy follows;
// - `intended`: Canopy differs from ZooKeeper on purpose.
// Every entry must cover at least one cell and ZooKeeper must answer as it says: a stale entry fails.
import type { Cell } from './cells.js';
import { formatAcl } from './outcome.js';
import { VALIDATION_CASES } from './validation.js';

export interface ZooKeeperDifference {
  readonly name: string;
  readonly kind: 'version' | 'intended';
  readonly applies: (cell: Cell) => boolean;
  /** What ZooKeeper 3.8.0 answers for such a cell. */
  readonly zookeeper: (cell: Cell) => string;
  readonly reason: string;
}

function requestedAcl(cell: Cell): string {
  const c = VALIDATION_CASES.find((v) => v.name === cell.row);
  if (c === undefined) throw new Error(`no validation case ${cell.row}`);
  return `OK ${formatAcl(c.acl)}`;
}

export const ZOOKEEPER_DIFFERENCES: readonly ZooKeeperDifference[] = [
  {
    name: 'exists-without-read',
    kind: 'version',
    applies: (c) => c.family === 'request' && c.op === 'exists' && c.expected === 'NOAUTH',
    zookeeper: () => 'OK',
    reason: 'exists on a node the caller may not READ is NOAUTH from ZooKeeper 3.8.4 and 3.9.2 on (ZOOKEEPER-2590); '
      + "3.8.0 checks nothing for exists, and Debian's 3.8.0-11+deb12u2 does not carry that change.",
  },
  {
    name: 'addwatch-without-read',
    kind: 'intended',
    applies: (c) => c.family === 'request' && (c.op === 'addWatch' || c.op === 'addWatchRecursive') && c.expected === 'NOAUTH',
    zookeeper: () => 'OK',
    reason: 'Canopy refuses a persistent (recursive) watch on a node the caller may not READ with NOAUTH, as exists and '
      + 'getData are refused; ZooKeeper registers it and only withholds its events, which tells the caller nothing was wrong.',
  },
  {
    name: 'perms-out-of-range',
    kind: 'intended',
    applies: (c) => c.family === 'validation' && (c.row === 'worldPerms32' || c.row === 'worldPermsNegative'),
    zookeeper: requestedAcl,
    reason: "Canopy refuses ACL perms outside 0–31 with INVALIDACL (the codec validates every entry); ZooKeeper's "
      + 'fixupACL does not look at perms and stores any int.',
  },
  {
    name: 'ipv6-ip-entries',
    kind: 'intended',
    applies: (c) => c.family === 'validation' && (c.row === 'ipV6' || c.row === 'ipV6Cidr'),
    zookeeper: () => 'INVALIDACL',
    reason: "Canopy's ip scheme takes IPv6 addresses and CIDR masks (issue 13); ZooKeeper's IPAuthenticationProvider "
      + 'reads IPv4 only until ZOOKEEPER-4240 (2025), so 3.8.0 answers INVALIDACL.',
  },
];

/** Cells the ZooKeeper run leaves out, and why. */
export const NOT_RUN_ON_ZOOKEEPER = [
  'x509 rows: they need ZooKeeper with client TLS (Netty, key stores, an X509AuthenticationProvider); they run on Canopy only.',
] as const;

/** What ZooKeeper 3.8.0 should answer for a cell, and the difference that explains it if it is not `expected`. */
export function zookeeperExpected(cell: Cell): { expected: string; difference?: ZooKeeperDifference } {
  const difference = ZOOKEEPER_DIFFERENCES.find((d) => d.applies(cell));
  return difference === undefined ? { expected: cell.expected } : { expected: difference.zookeeper(cell), difference };
}
