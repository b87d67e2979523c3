// Shape checks for messages that arrive from other servers. Links are only accepted from configured
// members, but without peer authentication a link is no proof of who is at the other end, and a member
// may be buggy: every field the peer (and the driver behind it) will use is checked before any of it is
// trusted, so a malformed message is dropped (and counted by the caller) instead of tripping an
// invariant, crashing the server, or reaching the state machine.
//
// The checks never throw and never call anything on a wire value: only typeof, Array.isArray,
// instanceof Uint8Array, Object.getPrototypeOf and own-property reads (Object.hasOwn), so a key like
// `toString`, `__proto__` or `constructor` cannot lead anywhere. Maps must be plain maps: an array, a
// binary, a Date, a Set or a map with a hostile key is refused wherever a map belongs, and an integer
// field accepts only an integral number in its range (not a bigint, NaN, a fraction, or a string).
//
// What is checked is the shape the receiver relies on, not whether the message makes sense in the
// protocol's current state (a DIFF from the wrong zxid, say): that is the peer's job. The peer is generic
// over the snapshot a SNAP carries; the check of its shape is a parameter, by default the tree's.
import {
  MAX_ACL_ENTRIES, MAX_EPOCH, MAX_MULTI_OPS, MAX_TTL_MS, isSafeMap, isWireData, ownField, pathProblem,
  type MultiSubTxn, type WireMap, type NodeKind, type TxnBody,
} from '../../protocol/index.js';
import type { PeerMessage, PeerState, ServerId, SyncMode } from './types.js';
import { peerMessageFromWire, type WirePeerMessage } from './wire-form.js';

/** Why a value is refused (names fields and indexes only, never quotes the value), or undefined. */
type Problem = string | undefined;

/** Server ids of the configuration (server.N, 1 to 255). */
const SERVER_ID_MIN = 1;
const SERVER_ID_MAX = 255;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Learner session ids are drawn below 2^48 (core.randomSession); seq numbers count up from 0. */
const SESSION_MAX = 2 ** 48;
/** Real abort reasons are a sentence or two; a longer one is not from a peer we know. */
const ABORT_REASON_CHARS_MAX = 1024;
/** A session password is 16 bytes; this leaves room without accepting anything large. */
const PASSWD_BYTES_MAX = 64;
const ACL_SCHEME_CHARS_MAX = 256;
const ACL_ID_CHARS_MAX = 1024;
const STATES: ReadonlySet<unknown> = new Set<PeerState>(['looking', 'following', 'leading']);
const MODES: ReadonlySet<unknown> = new Set<SyncMode>(['diff', 'trunc', 'snap']);
const KINDS: ReadonlySet<unknown> = new Set<NodeKind>(['persistent', 'ephemeral', 'container', 'ttl']);

// ---- primitives ----

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Checks own integer fields against one range. */
function intsIn(o: WireMap, keys: readonly string[], min: number, max: number): Problem {
  for (const k of keys) if (!isIntIn(ownField(o, k), min, max)) return `${k} is not an integer in [${min}, ${max}]`;
  return undefined;
}

const zxids = (o: WireMap, keys: readonly string[]): Problem => intsIn(o, keys, 0, Number.MAX_SAFE_INTEGER);
const epochs = (o: WireMap, keys: readonly string[]): Problem => intsIn(o, keys, 0, MAX_EPOCH);
const nonNegative = (o: WireMap, keys: readonly string[]): Problem => intsIn(o, keys, 0, Number.MAX_SAFE_INTEGER);

function inSession(m: WireMap): Problem {
  return intsIn(m, ['session'], 0, SESSION_MAX) ?? intsIn(m, ['seq'], 0, Number.MAX_SAFE_INTEGER);
}

function pathField(o: WireMap, key = 'path'): Problem {
  const p = ownField(o, key);
  return pathProblem(p) === undefined ? undefined : `${key} is not a valid path`;
}

function bytesField(o: WireMap, key: string, bytesMax = Number.MAX_SAFE_INTEGER): Problem {
  const v = ownField(o, key);
  return v instanceof Uint8Array && v.byteLength <= bytesMax ? undefined : `${key} is not binary${bytesMax < Number.MAX_SAFE_INTEGER ? ` of at most ${bytesMax} bytes` : ''}`;
}

/** A znode's data: binary, or nil for null data (the only place a txn or a snapshot node may hold nil). */
function dataField(o: WireMap): Problem {
  return isWireData(ownField(o, 'data')) ? undefined : 'data is not binary or nil';
}

/** Every element passes check; the problem names the first index that does not. */
function each(list: readonly unknown[], what: string, check: (v: unknown) => Problem): Problem {
  for (let i = 0; i < list.length; i++) {
    const p = check(list[i]);
    if (p !== undefined) return `${what} ${i}: ${p}`;
  }
  return undefined;
}

// ---- ACLs, txn bodies, txns ----

function aclEntryProblem(v: unknown): Problem {
  if (!isSafeMap(v)) return 'not a map';
  const id = ownField(v, 'id');
  if (!isIntIn(ownField(v, 'perms'), 0, 31)) return 'perms is not an integer in [0, 31]';
  if (!isSafeMap(id)) return 'id is not a map';
  const scheme = ownField(id, 'scheme');
  const ident = ownField(id, 'id');
  if (typeof scheme !== 'string' || scheme.length === 0 || scheme.length > ACL_SCHEME_CHARS_MAX) return 'id.scheme is not a scheme name';
  if (typeof ident !== 'string' || ident.length > ACL_ID_CHARS_MAX) return 'id.id is not a string';
  return undefined;
}

function aclField(o: WireMap): Problem {
  const acl = ownField(o, 'acl');
  if (!Array.isArray(acl) || acl.length === 0 || acl.length > MAX_ACL_ENTRIES) return `acl is not a list of 1 to ${MAX_ACL_ENTRIES} entries`;
  return each(acl, 'acl entry', aclEntryProblem);
}

/** kind, ephemeralOwner and ttlMs agree, as prep makes them: an owner only for ephemerals, a TTL only for ttl nodes. */
function lifetimeFields(o: WireMap): Problem {
  const kind = ownField(o, 'kind');
  if (!KINDS.has(kind)) return 'kind is not a node kind';
  const owner = ownField(o, 'ephemeralOwner');
  const ttlMs = ownField(o, 'ttlMs');
  if (kind === 'ephemeral' ? !isIntIn(owner, 1, Number.MAX_SAFE_INTEGER) : owner !== 0) return 'ephemeralOwner does not match the kind';
  if (kind === 'ttl' ? !isIntIn(ttlMs, 1, MAX_TTL_MS) : ttlMs !== 0) return 'ttlMs does not match the kind';
  return undefined;
}

function createProblem(b: WireMap): Problem {
  if (ownField(b, 'path') === '/') return 'path is the root';
  return pathField(b) ?? dataField(b) ?? aclField(b) ?? lifetimeFields(b);
}

function sessionFields(o: WireMap): Problem {
  return intsIn(o, ['sessionId'], 1, Number.MAX_SAFE_INTEGER) ?? intsIn(o, ['timeoutMs'], 1, INT32_MAX) ?? bytesField(o, 'passwd', PASSWD_BYTES_MAX);
}

type BodyCheck = (b: WireMap) => Problem;

/** The sub-txns a multi may hold. */
const SUB_TXN_CHECKS: ReadonlyMap<unknown, BodyCheck> = new Map<MultiSubTxn['type'], BodyCheck>([
  ['create', createProblem],
  ['delete', (b) => pathField(b)],
  ['setData', (b) => pathField(b) ?? dataField(b)],
  ['check', (b) => pathField(b)],
]);

function subTxnProblem(v: unknown): Problem {
  if (!isSafeMap(v)) return 'not a map';
  const check = SUB_TXN_CHECKS.get(ownField(v, 'type'));
  return check === undefined ? 'type is not a multi sub-txn type' : check(v);
}

/** Every variant of TxnBody, and every field of each: the record's type makes the list exhaustive. */
const BODY_CHECKS: Readonly<Record<TxnBody['type'], BodyCheck>> = {
  create: createProblem,
  delete: (b) => pathField(b),
  setData: (b) => pathField(b) ?? dataField(b),
  setACL: (b) => pathField(b) ?? aclField(b),
  check: (b) => pathField(b),
  createSession: sessionFields,
  closeSession: (b) => intsIn(b, ['sessionId'], 1, Number.MAX_SAFE_INTEGER),
  multi: (b) => {
    const txns = ownField(b, 'txns');
    if (!Array.isArray(txns) || txns.length > MAX_MULTI_OPS) return `txns is not a list of at most ${MAX_MULTI_OPS} sub-txns`;
    return each(txns, 'sub-txn', subTxnProblem);
  },
};
const BODY_CHECK_BY_TYPE: ReadonlyMap<unknown, BodyCheck> = new Map(Object.entries(BODY_CHECKS));

function bodyProblem(v: unknown): Problem {
  if (!isSafeMap(v)) return 'body is not a map';
  const check = BODY_CHECK_BY_TYPE.get(ownField(v, 'type'));
  if (check === undefined) return 'body type is not a txn type';
  const p = check(v);
  return p === undefined ? undefined : `body: ${p}`;
}

function txnProblem(v: unknown): Problem {
  if (!isSafeMap(v)) return 'not a map';
  return intsIn(v, ['zxid'], 1, Number.MAX_SAFE_INTEGER) ?? nonNegative(v, ['time', 'sessionId'])
    // xid is the client's request xid: any 32-bit integer (the server's own txns use 0).
    ?? intsIn(v, ['xid'], INT32_MIN, INT32_MAX) ?? bodyProblem(ownField(v, 'body'));
}

/** A list of txns with strictly ascending zxids, all above afterZxid (the log they extend ends there). */
function txnsField(m: WireMap, afterZxid: number): Problem {
  const txns = ownField(m, 'txns');
  if (!Array.isArray(txns)) return 'txns is not a list';
  let last = afterZxid;
  for (let i = 0; i < txns.length; i++) {
    const p = txnProblem(txns[i]);
    if (p !== undefined) return `txn ${i}: ${p}`;
    const zxid = (txns[i] as { zxid: number }).zxid;
    if (zxid <= last) return `txn ${i}: zxid does not ascend`;
    last = zxid;
  }
  return undefined;
}

// ---- a SNAP's snapshot, by default the tree's: what DataTree.fromSnapshot and storage rely on ----

const NODE_ZXIDS = ['czxid', 'mzxid', 'pzxid'] as const;
const NODE_COUNTS = ['ctime', 'mtime', 'version', 'cversion', 'aversion'] as const;

function nodeProblem(v: unknown): Problem {
  if (!isSafeMap(v)) return 'not a map';
  return pathField(v) ?? dataField(v) ?? aclField(v) ?? zxids(v, NODE_ZXIDS) ?? nonNegative(v, NODE_COUNTS) ?? lifetimeFields(v);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The tree's own invariants on load (it throws on them): one node per path, a root, every parent present. */
function treeProblem(nodes: readonly WireMap[]): Problem {
  const paths = new Set<string>();
  for (const n of nodes) {
    const path = n.path as string;
    if (paths.has(path)) return 'a path appears twice';
    paths.add(path);
  }
  if (!paths.has('/')) return 'no root node';
  for (const path of paths) if (path !== '/' && !paths.has(parentOf(path))) return 'a node has no parent';
  return undefined;
}

/**
 * Why a SNAP's snapshot off the wire is not one the receiver can install at fromZxid, or undefined. Like
 * every check here it never throws, calls nothing on the value, and names fields, never values.
 */
export type SnapshotProblem = (v: unknown, fromZxid: number) => string | undefined;

/**
 * The default SnapshotProblem: the shape of the tree's snapshot (TreeSnapshot in src/tree: zxid, nodes,
 * sessions) and the invariants the tree checks when it loads one.
 */
export function treeSnapshotProblem(v: unknown, fromZxid: number): Problem {
  if (!isSafeMap(v)) return 'snapshot is not a map';
  if (ownField(v, 'zxid') !== fromZxid) return 'snapshot zxid is not fromZxid';
  const nodes = ownField(v, 'nodes');
  const sessions = ownField(v, 'sessions');
  if (!Array.isArray(nodes)) return 'snapshot nodes is not a list';
  if (!Array.isArray(sessions)) return 'snapshot sessions is not a list';
  const p = each(nodes, 'snapshot node', nodeProblem)
    ?? each(sessions, 'snapshot session', (s) => (isSafeMap(s) ? sessionFields(s) : 'not a map'))
    ?? treeProblem(nodes as WireMap[]);
  return p;
}

// ---- messages ----

function voteProblem(m: WireMap): Problem {
  const vote = ownField(m, 'vote');
  if (!isSafeMap(vote)) return 'vote is not a map';
  return intsIn(vote, ['leader'], SERVER_ID_MIN, SERVER_ID_MAX) ?? zxids(vote, ['zxid']) ?? epochs(vote, ['peerEpoch'])
    ?? nonNegative(m, ['electionEpoch']) ?? (STATES.has(ownField(m, 'state')) ? undefined : 'state is not a peer state');
}

function syncProblem(m: WireMap, snapshotProblem: SnapshotProblem): Problem {
  const mode = ownField(m, 'mode');
  const p = inSession(m) ?? epochs(m, ['epoch']) ?? zxids(m, ['fromZxid', 'commitZxid']) ?? (MODES.has(mode) ? undefined : 'mode is not a sync mode');
  if (p !== undefined) return p;
  const fromZxid = m.fromZxid as number;
  const snapshot = ownField(m, 'snapshot');
  return txnsField(m, fromZxid) ?? (mode === 'snap' ? snapshotProblem(snapshot, fromZxid) : snapshot === undefined ? undefined : 'snapshot outside a SNAP');
}

type MessageCheck = (m: WireMap, snapshotProblem: SnapshotProblem) => Problem;

/** Every message type, and every field the peer reads of it: the record's type makes the list exhaustive. */
const MESSAGE_CHECKS: Readonly<Record<PeerMessage['type'], MessageCheck>> = {
  vote: voteProblem,
  abort: (m) => intsIn(m, ['session'], 0, SESSION_MAX)
    ?? (typeof ownField(m, 'reason') === 'string' && (m.reason as string).length <= ABORT_REASON_CHARS_MAX ? undefined : 'reason is not a short string'),
  followerInfo: (m) => inSession(m) ?? epochs(m, ['acceptedEpoch', 'currentEpoch']) ?? zxids(m, ['lastZxid']),
  ackEpoch: (m) => inSession(m) ?? epochs(m, ['currentEpoch']) ?? zxids(m, ['lastZxid']),
  ackNewLeader: (m) => inSession(m) ?? zxids(m, ['zxid']),
  ack: (m) => inSession(m) ?? zxids(m, ['zxid']),
  pong: inSession,
  // The payload is opaque to the peer (and absent when undefined: the transport does not send undefined);
  // the server checks it (forwarding.ts) before using it.
  request: inSession,
  leaderInfo: (m) => inSession(m) ?? epochs(m, ['epoch']),
  sync: syncProblem,
  proposal: (m) => inSession(m) ?? txnsField(m, 0) ?? ((m.txns as unknown[]).length > 0 ? undefined : 'no txns'),
  commit: (m) => inSession(m) ?? zxids(m, ['zxid']),
  upToDate: (m) => inSession(m) ?? zxids(m, ['commitZxid']),
  ping: inSession,
  reply: inSession,
};
const MESSAGE_CHECK_BY_TYPE: ReadonlyMap<unknown, MessageCheck> = new Map(Object.entries(MESSAGE_CHECKS));

function messageProblem(v: unknown, voters: readonly ServerId[] | undefined, snapshotProblem: SnapshotProblem): Problem {
  if (!isSafeMap(v)) return 'not a map';
  const check = MESSAGE_CHECK_BY_TYPE.get(ownField(v, 'type'));
  if (check === undefined) return 'type is not a peer message type';
  const p = check(v, snapshotProblem);
  if (p !== undefined) return p;
  // A vote for a server outside the ensemble would be followed, and sent to, by a peer that adopted it.
  if (voters !== undefined && v.type === 'vote' && !voters.includes((v.vote as { leader: number }).leader)) return 'vote.leader is not a voter';
  return undefined;
}

/**
 * Why a value off the wire is not a PeerMessage the peer can take, or undefined when it is. The text
 * names fields and indexes only, never a wire value, so it may go into a log line as it is. With
 * `voters`, a vote must name one of them as leader. A SNAP's snapshot must pass `snapshotProblem`.
 */
export function peerMessageProblem(v: unknown, voters?: readonly ServerId[], snapshotProblem: SnapshotProblem = treeSnapshotProblem): string | undefined {
  try {
    return messageProblem(v, voters, snapshotProblem);
  } catch {
    // Unreachable for decoded msgpack (no getters, no proxies); the contract is "never throws" for any value.
    return 'unreadable value';
  }
}

/**
 * The value as a PeerMessage when its shape is one the peer can take, else undefined. S is the snapshot
 * type that `snapshotProblem` vouches for (the tree's TreeSnapshot for the default check). Txns that
 * carried null data as nil hold NULL_DATA again (wire-form.ts).
 */
export function asPeerMessage<S = unknown>(v: unknown, voters?: readonly ServerId[], snapshotProblem: SnapshotProblem = treeSnapshotProblem): PeerMessage<S> | undefined {
  return peerMessageProblem(v, voters, snapshotProblem) === undefined ? peerMessageFromWire(v as WirePeerMessage<S>) : undefined;
}
