// Seeded op sequences for the ZooKeeper differential test (zk-door-differential): what node-zookeeper-client
// sends to Apache ZooKeeper and to Canopy's ZooKeeper door, one op at a time in the same order. A sequence
// depends on its seed only, never on what a server answered, so both systems get exactly the same ops and a
// failing seed replays. Paths are relative to the run's root ('' is the root itself) and few, so ops collide:
// NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, NOCHILDRENFOREPHEMERALS, NOAUTH and INVALIDACL all happen.
import { assertNever } from '../../protocol/assert-never.js';
import { Prng } from '../sim/prng.js';

/** Sessions interleaved in one run; each has its own connection (on an ensemble, its own member). */
export const DIFF_SESSIONS = 3;

/**
 * The four modes, and two flags sent with create's own opcode: CONTAINER's (4), which ZooKeeper accepts there,
 * and PERSISTENT_WITH_TTL's (5), which it refuses there (BADARGUMENTS: a TTL needs createTTL).
 */
export type DiffCreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential' | 'container-flag' | 'ttl-flag';

/**
 * ACLs by name. None takes READ away from this client: Debian's ZooKeeper 3.8.0 answers exists on a node
 * without READ with OK (and sets the watch), where Canopy, like ZooKeeper 3.8.4 / 3.9.2 and later
 * (ZOOKEEPER-2590), answers NOAUTH. That difference is documented (README, "Differences from ZooKeeper's ACL
 * behaviour"), so the generator does not produce it rather than hide it in the comparison.
 */
export type DiffAclName = 'open' | 'read-only' | 'no-write' | 'no-create' | 'no-delete' | 'no-admin' | 'ip-local' | 'unknown-scheme' | 'auth-without-identity';

export type DiffMultiOp =
  | { kind: 'create'; path: string; data: string; mode: DiffCreateMode }
  | { kind: 'remove'; path: string; version: number }
  | { kind: 'setData'; path: string; data: string; version: number }
  | { kind: 'check'; path: string; version: number };

/** One op of a sequence, issued by session `session`. */
export type DiffOp = { session: number } & (
  | { kind: 'create'; path: string; data: string | null; mode: DiffCreateMode; acl: DiffAclName }
  | { kind: 'createContainer'; path: string; data: string }
  | { kind: 'remove'; path: string; version: number }
  | { kind: 'setData'; path: string; data: string; version: number }
  | { kind: 'getData'; path: string; watch: boolean }
  | { kind: 'exists'; path: string; watch: boolean }
  | { kind: 'getChildren'; path: string; watch: boolean }
  | { kind: 'multi'; ops: DiffMultiOp[] }
  | { kind: 'sync'; path: string }
  | { kind: 'getACL'; path: string }
  | { kind: 'setACL'; path: string; acl: DiffAclName; version: number }
  /** Closes the session (its ephemerals go, others' watches fire) and opens a new one in its place. */
  | { kind: 'reopen' }
);

/**
 * Nodes ops aim at, so that they meet: shallow ones more often (a deep path mostly finds no parent), the
 * sequential names the parents' counters will give, and the root. A path listed twice is picked twice as often.
 */
const PATHS = [
  '', 'a', 'a', 'a', 'b', 'b', 'b', 'e', 'e', 'a/x', 'a/x', 'a/x', 'a/y', 'a/y', 'b/x', 'b/x', 'e/x', 'e/x', 'a/x/z',
  'a/s-0000000000', 'a/s-0000000001', 'a/s-0000000002', 'a/s-0000000003', 'b/s-0000000000', 'b/s-0000000001', 's-0000000003', 's-0000000004',
] as const;
/** Nodes that exist most of the time: reads and writes aim here often, so watches get set and then fire. */
const HOT_PATHS = ['', 'a', 'b', 'a/x', 'a/x', 'b/x', 'b/x', 'e', 'e/x'] as const;
const HOT_CHANCE = 0.6;
/** Where creates aim (every path but the root). */
const CREATE_PATHS = PATHS.filter((p) => p !== '');
/** Every sequence starts by making these (session 0), so that most ops find their parent. */
const PRELUDE: readonly DiffOp[] = [
  { session: 0, kind: 'create', path: 'a', data: 'a0', mode: 'persistent', acl: 'open' },
  { session: 0, kind: 'create', path: 'b', data: 'b0', mode: 'persistent', acl: 'open' },
  { session: 1, kind: 'create', path: 'a/x', data: 'x0', mode: 'persistent', acl: 'open' },
  { session: 2, kind: 'create', path: 'e', data: 'e0', mode: 'ephemeral', acl: 'open' },
];
const SEQUENTIAL_PREFIXES = ['a/s-', 'b/s-', 's-', 'a/x/s-'] as const;
const DATA = ['', 'v', 'value-2', 'ü-utf8'] as const;
const VERSIONS = [-1, -1, -1, 0, 0, 1, 2] as const;
const CREATE_MODES: readonly DiffCreateMode[] = [
  'persistent', 'persistent', 'persistent', 'persistent', 'persistent', 'persistent', 'ephemeral', 'ephemeral', 'ephemeral', 'ephemeral',
  'persistent-sequential', 'persistent-sequential', 'ephemeral-sequential', 'ephemeral-sequential', 'container-flag', 'ttl-flag',
];
const CREATE_ACLS: readonly DiffAclName[] = ['open', 'open', 'open', 'open', 'open', 'open', 'no-create', 'no-delete', 'read-only', 'ip-local', 'unknown-scheme'];
const SET_ACLS: readonly DiffAclName[] = ['open', 'read-only', 'no-write', 'no-create', 'no-delete', 'no-admin', 'ip-local', 'unknown-scheme', 'auth-without-identity'];

type Kind = DiffOp['kind'];
/** Relative weights of op kinds: writes a little more than reads so the tree keeps changing. */
const KIND_WEIGHTS: ReadonlyArray<readonly [Kind, number]> = [
  ['create', 18], ['remove', 10], ['setData', 12], ['getData', 10], ['exists', 10], ['getChildren', 10],
  ['multi', 10], ['sync', 4], ['getACL', 4], ['setACL', 4], ['createContainer', 3], ['reopen', 2],
];
const KIND_WEIGHT_TOTAL = KIND_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
const MULTI_OPS_MAX = 4;
const WATCH_CHANCE = 0.8;
const NULL_DATA_CHANCE = 0.1;

function pickKind(rng: Prng): Kind {
  let at = rng.next() * KIND_WEIGHT_TOTAL;
  for (const [kind, weight] of KIND_WEIGHTS) {
    at -= weight;
    if (at < 0) return kind;
  }
  return KIND_WEIGHTS[KIND_WEIGHTS.length - 1]![0];
}

function isSequential(mode: DiffCreateMode): boolean {
  return mode === 'persistent-sequential' || mode === 'ephemeral-sequential';
}

function targetPath(rng: Prng): string {
  return rng.chance(HOT_CHANCE) ? rng.pick(HOT_PATHS) : rng.pick(PATHS);
}

function createTarget(rng: Prng, mode: DiffCreateMode): string {
  return isSequential(mode) ? rng.pick(SEQUENTIAL_PREFIXES) : rng.pick(CREATE_PATHS);
}

/**
 * Multis leave out both flags sent with create's opcode. With the TTL flag, ZooKeeper fails the whole multi
 * with MARSHALLINGERROR (it builds a createTTL op from a create record and its prep casts one to the other);
 * Canopy answers BADARGUMENTS, as both do for that create outside a multi (docs/differences-from-zookeeper.md).
 * With the CONTAINER flag, both answer that op as create2 (path and Stat), which node-zookeeper-client 1.x
 * cannot read: it throws in its socket handler, which would end the test process.
 */
const MULTI_CREATE_MODES = CREATE_MODES.filter((m) => m !== 'ttl-flag' && m !== 'container-flag');

function multiOp(rng: Prng): DiffMultiOp {
  const kind = rng.pick(['create', 'create', 'remove', 'setData', 'check'] as const);
  switch (kind) {
    case 'create': {
      const mode = rng.pick(MULTI_CREATE_MODES);
      return { kind, path: createTarget(rng, mode), data: rng.pick(DATA), mode };
    }
    case 'remove': return { kind, path: targetPath(rng), version: rng.pick(VERSIONS) };
    case 'setData': return { kind, path: targetPath(rng), data: rng.pick(DATA), version: rng.pick(VERSIONS) };
    case 'check': return { kind, path: targetPath(rng), version: rng.pick(VERSIONS) };
    default: return assertNever(kind, 'multi op kind');
  }
}

function nextOp(rng: Prng): DiffOp {
  const session = rng.int(0, DIFF_SESSIONS - 1);
  const kind = pickKind(rng);
  switch (kind) {
    case 'create': {
      const mode = rng.pick(CREATE_MODES);
      const data = rng.chance(NULL_DATA_CHANCE) ? null : rng.pick(DATA);
      return { session, kind, path: createTarget(rng, mode), data, mode, acl: rng.pick(CREATE_ACLS) };
    }
    case 'createContainer': return { session, kind, path: rng.pick(CREATE_PATHS), data: rng.pick(DATA) };
    case 'remove': return { session, kind, path: targetPath(rng), version: rng.pick(VERSIONS) };
    case 'setData': return { session, kind, path: targetPath(rng), data: rng.pick(DATA), version: rng.pick(VERSIONS) };
    case 'getData':
    case 'exists':
    case 'getChildren': return { session, kind, path: targetPath(rng), watch: rng.chance(WATCH_CHANCE) };
    case 'multi': return { session, kind, ops: Array.from({ length: rng.int(1, MULTI_OPS_MAX) }, () => multiOp(rng)) };
    case 'sync':
    case 'getACL': return { session, kind, path: rng.pick(PATHS) };
    case 'setACL': return { session, kind, path: targetPath(rng), acl: rng.pick(SET_ACLS), version: rng.pick(VERSIONS) };
    case 'reopen': return { session, kind };
    default: return assertNever(kind, 'op kind');
  }
}

/** The op sequence of a seed: the prelude, then random ops up to opCount, the same on every call. */
export function diffOps(seed: number, opCount: number): DiffOp[] {
  const rng = new Prng(seed);
  const ops = PRELUDE.slice(0, opCount);
  while (ops.length < opCount) ops.push(nextOp(rng));
  return ops;
}
