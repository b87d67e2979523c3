// The shape check of messages between peers (src/zab/validate.ts). Two halves:
// - it accepts every message the real peer produces: all messages of simulator runs (faults, elections,
//   DIFF/TRUNC/SNAP, forwarded payloads), as sent and after the transport's msgpack round trip, and
//   txns of every body variant as the server's prep makes them, with a snapshot of the tree they build;
// - it refuses, without ever throwing, any message with a hostile value in any field: each field of each
//   message type is replaced in turn by values that broke checks before (a map with its own toString,
//   bigints, NaN, extension types, prototype keys, inherited fields), and by values out of range.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_ACL_ENTRIES, MAX_EPOCH, MAX_TTL_MS, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, isSafeMap, ownField, type ACL, type Txn, type TxnBody,
} from '../../protocol/index.js';
import { decodeFrame, encodeBatch, encodeMessage } from '../../src/transport/codec.js';
import { DataTree, ZnodeRecord, type TreeSnapshot } from '../../src/tree/index.js';
import { asPeerMessage, peerMessageProblem, type SnapshotProblem } from '../../src/zab/validate.js';
import type { PeerMessage } from '../../src/zab/index.js';
import { Cluster } from '../sim/cluster.js';
import { makeConfig } from '../sim/config.js';
import { faultHook } from '../sim/faults.js';
import { Prng, deriveSeed } from '../sim/prng.js';
import { healAndConverge } from '../sim/simulate.js';
import { bytes, create } from '../support/tree-txns.js';

const roundTrip = (m: unknown): unknown => (decodeFrame(encodeBatch([encodeMessage(m)])) as unknown[])[0];

/** A SNAP sent holds the tree's records, which serialize as SnapshotNodes (toJSON): checked as those. */
function asSerialized(m: unknown): unknown {
  const snapshot = (m as { snapshot?: TreeSnapshot }).snapshot;
  if (snapshot === undefined) return m;
  const nodes = snapshot.nodes.map((n) => (n instanceof ZnodeRecord ? n.toSnapshotNode() : n));
  return { ...(m as object), snapshot: { ...snapshot, nodes } };
}

function assertAccepted(m: unknown, what: string): void {
  assert.equal(peerMessageProblem(asSerialized(m)), undefined, `${what} as sent`);
  assert.equal(peerMessageProblem(roundTrip(m)), undefined, `${what} after the msgpack round trip`);
}

// ---- messages as the server makes them ----

const DIGEST_ACL: ACL[] = [{ perms: 31, id: { scheme: 'digest', id: 'alice:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cQ==' } }, { perms: 1, id: { scheme: 'ip', id: '10.0.0.1' } }];
/** Session ids are serverId * 2^44 + a counter (src/server/session-ids.ts). */
const SESSION = 3 * 2 ** 44 + 12_345;
const PASSWD = new Uint8Array(16).fill(7);

/** One txn body of every variant and kind, as prep makes them. */
function preppedBodies(): TxnBody[] {
  return [
    { type: 'createSession', sessionId: SESSION, timeoutMs: 30_000, passwd: PASSWD },
    create('/app', { data: bytes('config'), acl: DIGEST_ACL }),
    create('/app/seq-0000000000', { acl: [...READ_ACL_UNSAFE] }),
    create('/app/eph', { kind: 'ephemeral', ephemeralOwner: SESSION }),
    create('/app/ttl', { kind: 'ttl', ttlMs: MAX_TTL_MS }),
    create('/app/box', { kind: 'container' }),
    { type: 'setData', path: '/app', data: new Uint8Array(1024).fill(1) },
    { type: 'setACL', path: '/app/ttl', acl: [...OPEN_ACL_UNSAFE] },
    { type: 'check', path: '/app' },
    { type: 'multi', txns: [create('/app/m1'), { type: 'setData', path: '/app/m1', data: bytes('x') }, { type: 'check', path: '/app/m1' }, { type: 'delete', path: '/app/m1' }] },
    { type: 'multi', txns: [] },
    { type: 'delete', path: '/app/box' },
    { type: 'closeSession', sessionId: SESSION },
  ];
}

/** The prepped bodies as consecutive txns of epoch 5: client xids may be any int32, the server's own are 0. */
function preppedTxns(): Txn[] {
  const xids = [1, -7, 2 ** 31 - 1, -(2 ** 31), 0];
  return preppedBodies().map((body, i) => ({ zxid: 5 * 2 ** 32 + 1 + i, time: 1_700_000_000_000 + i, sessionId: i % 3 === 0 ? 0 : SESSION, xid: xids[i % xids.length]!, body }));
}

/** A tree that applied the prepped txns (and so holds nodes of every kind and a session). */
function preppedTree(): DataTree {
  const tree = new DataTree();
  for (const t of preppedTxns().slice(0, -1)) tree.apply(t);
  return tree;
}

/** One message of every type, with the fields the real peer fills in. */
function corpus(): PeerMessage[] {
  const txns = preppedTxns();
  const tree = preppedTree();
  const s = { session: 2 ** 48, seq: 3 };
  return [
    { type: 'vote', vote: { leader: 255, zxid: txns[2]!.zxid, peerEpoch: MAX_EPOCH }, electionEpoch: 4, state: 'looking' },
    { type: 'abort', session: 17, reason: 'follower leaving: the leader ended the session: learner went silent' },
    { type: 'followerInfo', ...s, acceptedEpoch: 5, currentEpoch: 4, lastZxid: 4 * 2 ** 32 + 9 },
    { type: 'ackEpoch', ...s, currentEpoch: 4, lastZxid: 0 },
    { type: 'ackNewLeader', ...s, zxid: txns[0]!.zxid },
    { type: 'ack', ...s, zxid: Number.MAX_SAFE_INTEGER },
    { type: 'pong', ...s },
    { type: 'request', ...s, payload: { kind: 'sync', id: 9 } },
    { type: 'leaderInfo', ...s, epoch: 6 },
    { type: 'sync', ...s, epoch: 6, mode: 'diff', fromZxid: 0, commitZxid: txns[1]!.zxid, txns },
    { type: 'sync', ...s, epoch: 6, mode: 'trunc', fromZxid: txns[0]!.zxid, commitZxid: 0, txns: txns.slice(1) },
    { type: 'sync', ...s, epoch: 6, mode: 'snap', fromZxid: tree.lastZxid, snapshot: tree.snapshot(), commitZxid: tree.lastZxid, txns: txns.slice(-1) },
    { type: 'proposal', ...s, txns },
    { type: 'commit', ...s, zxid: txns[3]!.zxid },
    { type: 'upToDate', ...s, commitZxid: 7 },
    { type: 'ping', ...s },
    { type: 'reply', ...s, payload: undefined },
  ];
}

// ---- hostile values ----

const DELETE = Symbol('delete');

/** Values that are wrong for every typed field of every message (strings and binaries are tried apart). */
function hostileValues(): unknown[] {
  return [
    DELETE, undefined, null, true, NaN, Infinity, -Infinity, 1.5, 2 ** 53 + 2, 10n ** 20n, '1', new Uint8Array(1),
    { toString: 1 }, { toString: 1, valueOf: 1 }, { [Symbol.toPrimitive]: 1 }, Object.create(null), JSON.parse('{"__proto__": {"type": "ping"}}'),
    [{ toString: 1 }], new Date(0), new Set([1]), new Map([['type', 'ping']]), new Error('boom'), /re/, Symbol('s'),
  ];
}

type Key = string | number;

function clone(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(clone);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

/** Paths to every field and element, except inside the opaque payloads. */
function fieldPaths(v: unknown, path: Key[] = [], out: Key[][] = []): Key[][] {
  if (v instanceof Uint8Array || typeof v !== 'object' || v === null) return out;
  const entries: Array<[Key, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  for (const [k, x] of entries) {
    if (k === 'payload') continue;
    out.push([...path, k]);
    fieldPaths(x, [...path, k], out);
  }
  return out;
}

/** Paths to every map (the message itself included), except inside the opaque payloads. */
function mapPaths(v: unknown, path: Key[] = [], out: Key[][] = []): Key[][] {
  if (v instanceof Uint8Array || typeof v !== 'object' || v === null) return out;
  if (!Array.isArray(v)) out.push(path);
  for (const [k, x] of Object.entries(v)) if (k !== 'payload') mapPaths(x, [...path, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

function at(root: unknown, path: readonly Key[]): unknown {
  let v = root;
  for (const k of path) v = (v as Record<Key, unknown>)[k];
  return v;
}

/** A copy of root with the value at path replaced (or the key removed, for DELETE). */
function replaced(root: unknown, path: readonly Key[], value: unknown): unknown {
  const copy = clone(root);
  const parent = at(copy, path.slice(0, -1)) as Record<Key, unknown>;
  const key = path[path.length - 1]!;
  if (value === DELETE) delete parent[key];
  else parent[key] = value;
  return copy;
}

/** A copy of root with the map at path rebuilt by make (which gets the map's own fields). */
function rebuilt(root: unknown, path: readonly Key[], make: (fields: Record<string, unknown>) => unknown): unknown {
  const copy = clone(root);
  if (path.length === 0) return make(copy as Record<string, unknown>);
  const parent = at(copy, path.slice(0, -1)) as Record<Key, unknown>;
  const key = path[path.length - 1]!;
  parent[key] = make(parent[key] as Record<string, unknown>);
  return copy;
}

function describeValue(v: unknown): string {
  if (typeof v === 'symbol') return v === DELETE ? '(removed)' : 'a symbol';
  if (typeof v === 'bigint') return 'a bigint';
  if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v);
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : `${v as number}`;
}

function assertRefused(v: unknown, what: string): void {
  let problem: string | undefined;
  assert.doesNotThrow(() => { problem = peerMessageProblem(v); }, what);
  assert.notEqual(problem, undefined, `${what} must be refused`);
  assert.equal(asPeerMessage(v), undefined, what);
}

const typeOf = (m: unknown): string => `${(m as { type: string }).type}${(m as { mode?: string }).mode === undefined ? '' : `/${(m as { mode: string }).mode}`}`;

describe('asPeerMessage accepts what the real peer sends', () => {
  test('every message of simulator runs, as sent and after the msgpack round trip', () => {
    const types = new Set<string>();
    let checked = 0;
    for (const peers of [3, 5]) {
      for (let seed = 1; seed <= 12; seed++) {
        const config = makeConfig(seed, peers, { tuning: { historyTxnsMax: seed % 3 === 0 ? 2 : 30 } });
        const c = new Cluster(config);
        const send = c.send.bind(c);
        c.send = (from, to, message) => {
          assertAccepted(message, `seed ${seed} peers ${peers} step ${c.now}: ${typeOf(message)} from ${from} to ${to}`);
          types.add(typeOf(message));
          checked++;
          send(from, to, message);
        };
        c.start();
        const faults = faultHook(new Prng(deriveSeed(seed, peers, 4)));
        // The simulator drops forwarded payloads; drive some so request and reply travel too.
        c.hook = (cl) => {
          faults(cl);
          for (const n of cl.nodes) {
            if (n.state !== 'up' || !n.status.serving || cl.now % 17 !== 0) continue;
            if (n.status.state === 'following') n.input({ type: 'forward', payload: { kind: 'touch', sessions: [[SESSION, 30_000]] } });
            if (n.status.state === 'leading') for (const to of cl.voters) if (to !== n.id) n.input({ type: 'reply', to, payload: { kind: 'synced', id: 1, zxid: 2 } });
          }
        };
        while (c.now < config.faultSteps) c.step();
        healAndConverge(c, config);
      }
    }
    const expected = ['vote', 'abort', 'followerInfo', 'ackEpoch', 'ackNewLeader', 'ack', 'pong', 'request', 'leaderInfo',
      'sync/diff', 'sync/trunc', 'sync/snap', 'proposal', 'commit', 'upToDate', 'ping', 'reply'];
    assert.deepEqual(expected.filter((t) => !types.has(t)), [], 'every message type and sync mode was produced');
    assert.ok(checked > 10_000, `${checked} messages checked`);
  });

  test('txns of every body variant as prep makes them, and a snapshot of the tree they build', () => {
    for (const m of corpus()) assertAccepted(m, typeOf(m));
    // An undefined payload is not sent at all; either way the opaque payload is the server's to check.
    assert.deepEqual(roundTrip({ type: 'reply', session: 1, seq: 0, payload: undefined }), { type: 'reply', session: 1, seq: 0 });
    // The validator returns the message itself, not a copy.
    const m = corpus()[0]!;
    assert.equal(asPeerMessage(m), m);
  });

  test('a vote may be checked against the voters', () => {
    const vote = corpus()[0]!;
    assert.equal(peerMessageProblem(vote, [1, 2, 255]), undefined);
    assert.equal(peerMessageProblem(vote, [1, 2, 3]), 'vote.leader is not a voter');
  });

  test('the snapshot check is a parameter, the tree\'s by default: a SNAP comes out typed as what it vouches for', () => {
    interface Labelled { zxid: number; label: string }
    const labelled: SnapshotProblem = (v, fromZxid) =>
      (isSafeMap(v) && ownField(v, 'zxid') === fromZxid && typeof ownField(v, 'label') === 'string' ? undefined : 'not a labelled snapshot');
    const snap = { type: 'sync', session: 1, seq: 0, epoch: 2, mode: 'snap', fromZxid: 7, commitZxid: 7, txns: [], snapshot: { zxid: 7, label: 'x' } };
    assert.equal(peerMessageProblem(snap), 'snapshot nodes is not a list', 'the tree\'s check by default');
    const m = asPeerMessage<Labelled>(snap, undefined, labelled);
    assert.ok(m !== undefined && m.type === 'sync');
    const label: string | undefined = m.snapshot?.label;
    assert.equal(label, 'x');
    const treeSnap = corpus().find((c) => c.type === 'sync' && c.mode === 'snap');
    assert.equal(peerMessageProblem(treeSnap, undefined, labelled), 'not a labelled snapshot');
  });
});

describe('asPeerMessage refuses hostile messages without throwing', () => {
  test('a hostile value in any field of any message type', () => {
    let cases = 0;
    for (const m of corpus()) {
      for (const path of fieldPaths(m)) {
        const original = at(m, path);
        for (const bad of hostileValues()) {
          // A string field takes any string of its kind, a binary field any binary: those are tried apart.
          if (typeof original === 'string' && typeof bad === 'string') continue;
          if (original instanceof Uint8Array && bad instanceof Uint8Array) continue;
          // nil is a znode's null data where data goes (a txn's, a snapshot node's): null-data.test.ts tries it.
          if (bad === null && path[path.length - 1] === 'data') continue;
          assertRefused(replaced(m, path, bad), `${typeOf(m)} ${path.join('.')} = ${describeValue(bad)}`);
          cases++;
        }
      }
    }
    assert.ok(cases > 5_000, `${cases} cases`);
  });

  test('a prototype key, or a field inherited instead of own, in any map of any message', () => {
    for (const m of corpus()) {
      for (const path of mapPaths(m)) {
        const where = `${typeOf(m)} at ${path.join('.') || 'the top'}`;
        for (const key of ['__proto__', '__proto_', 'constructor', 'prototype']) {
          assertRefused(rebuilt(m, path, (fields) => Object.defineProperty({ ...fields }, key, { value: {}, enumerable: true })), `${where}: own key ${key}`);
        }
        // Every field moved to a prototype: the map looks the same through a property read.
        assertRefused(rebuilt(m, path, (fields) => Object.create(fields)), `${where}: inherited fields`);
        for (const k of Object.keys(at(m, path) as object)) {
          if (k === 'payload' || (k === 'snapshot' && (at(m, path) as { mode?: string }).mode !== 'snap')) continue;
          assertRefused(rebuilt(m, path, (fields) => {
            const { [k]: moved, ...rest } = fields;
            return Object.assign(Object.create({ [k]: moved }), rest);
          }), `${where}: ${k} inherited`);
        }
      }
    }
  });

  test('names of types, modes, states and kinds are matched exactly, never looked up', () => {
    for (const name of ['x', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'VOTE']) {
      for (const m of corpus()) assertRefused({ ...m, type: name }, `type ${name}`);
      const [vote, , , , , , , , , diff, , , proposal] = corpus();
      assertRefused({ ...vote!, state: name }, `state ${name}`);
      assertRefused({ ...diff!, mode: name }, `mode ${name}`);
      const txns = (proposal as { txns: Txn[] }).txns;
      assertRefused({ ...proposal!, txns: [{ ...txns[0]!, body: { ...txns[0]!.body, type: name } }] }, `body type ${name}`);
      assertRefused({ ...proposal!, txns: [{ ...txns[1]!, body: { ...txns[1]!.body, kind: name } }] }, `kind ${name}`);
    }
  });

  test('values of the right type but out of range or inconsistent', () => {
    const all = corpus();
    const [vote, abort, followerInfo, , , ack, , , leaderInfo, diff, , snap, proposal] = all;
    const txns = (proposal as { txns: Txn[] }).txns;
    const withTxn = (i: number, change: (t: Txn) => unknown): unknown => ({ ...proposal!, txns: txns.map((t, j) => (j === i ? change(t) : t)) });
    const withBody = (i: number, change: Record<string, unknown>): unknown => withTxn(i, (t) => ({ ...t, body: { ...t.body, ...change } }));
    const snapshot = (snap as { snapshot: ReturnType<DataTree['snapshot']> }).snapshot;
    const withSnapshot = (change: Record<string, unknown>): unknown => ({ ...snap!, snapshot: { ...snapshot, ...change } });
    const withNode = (i: number, change: Record<string, unknown>): unknown => withSnapshot({ nodes: snapshot.nodes.map((n, j) => (j === i ? { ...n, ...change } : n)) });
    const eph = snapshot.nodes.findIndex((n) => n.kind === 'ephemeral');
    const cases: Array<[string, unknown]> = [
      ['vote leader 0', { ...vote!, vote: { leader: 0, zxid: 1, peerEpoch: 1 } }],
      ['vote leader 256', { ...vote!, vote: { leader: 256, zxid: 1, peerEpoch: 1 } }],
      ['vote peerEpoch beyond MAX_EPOCH', { ...vote!, vote: { leader: 1, zxid: 1, peerEpoch: MAX_EPOCH + 1 } }],
      ['negative electionEpoch', { ...vote!, electionEpoch: -1 }],
      ['abort reason of 10k characters', { ...abort!, reason: 'x'.repeat(10_000) }],
      ['session beyond 2^48', { ...ack!, session: 2 ** 48 + 1 }],
      ['negative seq', { ...ack!, seq: -1 }],
      ['negative zxid', { ...ack!, zxid: -1 }],
      ['negative epoch', { ...leaderInfo!, epoch: -1 }],
      ['acceptedEpoch beyond MAX_EPOCH', { ...followerInfo!, acceptedEpoch: MAX_EPOCH + 1 }],
      ['proposal without txns', { ...proposal!, txns: [] }],
      ['txns not ascending', { ...proposal!, txns: [txns[1], txns[0]] }],
      ['txns repeating a zxid', { ...proposal!, txns: [txns[0], txns[0]] }],
      ['sync txns not after fromZxid', { ...diff!, fromZxid: txns[0]!.zxid }],
      ['a snapshot outside a SNAP', { ...diff!, snapshot: snapshot }],
      ['txn zxid 0', withTxn(0, (t) => ({ ...t, zxid: 0 }))],
      ['xid beyond int32', withTxn(0, (t) => ({ ...t, xid: 2 ** 31 }))],
      ['negative time', withTxn(0, (t) => ({ ...t, time: -1 }))],
      ['negative txn sessionId', withTxn(0, (t) => ({ ...t, sessionId: -1 }))],
      ['createSession with sessionId 0', withBody(0, { sessionId: 0 })],
      ['createSession timeout 0', withBody(0, { timeoutMs: 0 })],
      ['createSession passwd of 1 MiB', withBody(0, { passwd: new Uint8Array(1024 * 1024) })],
      ['create of the root', withBody(1, { path: '/' })],
      ['create of a relative path', withBody(1, { path: 'app' })],
      ['create of /a/../b', withBody(1, { path: '/a/../b' })],
      ['create of a path with a trailing /', withBody(1, { path: '/app/' })],
      ['create of a path with NUL', withBody(1, { path: '/a\u0000b' })],
      ['create of a path longer than the limit', withBody(1, { path: `/${'a'.repeat(5000)}` })],
      ['create with an empty acl', withBody(1, { acl: [] })],
      ['create with too many acl entries', withBody(1, { acl: Array.from({ length: MAX_ACL_ENTRIES + 1 }, () => OPEN_ACL_UNSAFE[0]) })],
      ['acl perms 32', withBody(1, { acl: [{ perms: 32, id: { scheme: 'world', id: 'anyone' } }] })],
      ['acl perms -1', withBody(1, { acl: [{ perms: -1, id: { scheme: 'world', id: 'anyone' } }] })],
      ['acl with an empty scheme', withBody(1, { acl: [{ perms: 1, id: { scheme: '', id: 'anyone' } }] })],
      ['acl id not a string', withBody(1, { acl: [{ perms: 1, id: { scheme: 'world', id: 5 } }] })],
      ['ephemeral without an owner', withBody(3, { ephemeralOwner: 0 })],
      ['persistent with an owner', withBody(1, { ephemeralOwner: 5 })],
      ['ttl node with ttl 0', withBody(4, { ttlMs: 0 })],
      ['ttl beyond MAX_TTL_MS', withBody(4, { ttlMs: MAX_TTL_MS + 1 })],
      ['container with a ttl', withBody(5, { ttlMs: 5 })],
      ['setACL without an acl', withBody(7, { acl: undefined })],
      ['a multi inside a multi', withBody(9, { txns: [{ type: 'multi', txns: [] }] })],
      ['a createSession inside a multi', withBody(9, { txns: [{ type: 'createSession', sessionId: 1, timeoutMs: 1, passwd: PASSWD }] })],
      ['a multi of 1001 ops', withBody(9, { txns: Array.from({ length: 1001 }, () => ({ type: 'check', path: '/a' })) })],
      ['closeSession of session 0', withBody(12, { sessionId: 0 })],
      ['snapshot zxid other than fromZxid', withSnapshot({ zxid: 1 })],
      ['snapshot without a root', withSnapshot({ nodes: snapshot.nodes.filter((n) => n.path !== '/') })],
      ['snapshot with a path twice', withSnapshot({ nodes: [...snapshot.nodes, snapshot.nodes[1]] })],
      ['snapshot node without its parent', withSnapshot({ nodes: snapshot.nodes.filter((n) => n.path !== '/app') })],
      ['snapshot node with an invalid path', withNode(1, { path: '/a//b' })],
      ['snapshot node with a negative version', withNode(1, { version: -1 })],
      ['snapshot node with data as a list', withNode(1, { data: [1, 2] })],
      ['snapshot ephemeral without an owner', withNode(eph, { ephemeralOwner: 0 })],
      ['snapshot session with a string id', withSnapshot({ sessions: [{ sessionId: '1', timeoutMs: 1, passwd: PASSWD }] })],
      ['snapshot sessions not a list', withSnapshot({ sessions: { 0: snapshot.sessions[0] } })],
    ];
    for (const [what, m] of cases) assertRefused(m, what);
  });

  test('random values never make it throw, and a proxy that throws on everything is refused', () => {
    const rng = new Prng(7);
    const leaves = [...hostileValues(), 0, 1, -1, 'vote', 'proposal', 'sync', 'snap', '/a', new Uint8Array(2)];
    const keys = ['type', 'vote', 'session', 'seq', 'txns', 'body', 'path', 'acl', 'snapshot', 'nodes', 'mode', 'zxid', 'id', 'toString', '__proto__'];
    const randomValue = (depth: number): unknown => {
      const r = rng.next();
      if (depth > 4 || r < 0.4) return rng.pick(leaves);
      if (r < 0.6) return Array.from({ length: rng.int(0, 3) }, () => randomValue(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--) Object.defineProperty(o, rng.pick(keys), { value: randomValue(depth + 1), enumerable: true, configurable: true, writable: true });
      return o;
    };
    for (let i = 0; i < 20_000; i++) {
      const v = randomValue(0);
      assert.doesNotThrow(() => peerMessageProblem(v));
    }
    const trap = (): never => { throw new Error('trap'); };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
    assert.equal(peerMessageProblem(proxy), 'unreadable value');
    assert.equal(peerMessageProblem({ type: 'ping', session: 1, seq: 1, __proto_: proxy }) !== undefined, true);
  });
});
