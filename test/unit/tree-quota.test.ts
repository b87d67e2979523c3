// The tree's quota stats (ZooKeeper's zookeeper_stats nodes): kept as nodes below a quota are created,
// changed and deleted, the same however a replica got its state (applied txns, a snapshot, a leader's SNAP),
// and unharmed by what hostile clients write under /zookeeper/quota.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, quotaLimitPath, quotaStatPath, type TxnBody } from '../../protocol/index.js';
import { DataTree } from '../../src/tree/index.js';
import { apply, bytes, create } from '../support/tree-txns.js';

const text = (data: Uint8Array | undefined): string | undefined => (data === undefined ? undefined : new TextDecoder().decode(data));
const statsOf = (tree: DataTree, path: string): string | undefined => text(tree.getNode(quotaStatPath(path))?.data);

/** The nodes zkCli's setquota creates for a quota on path (path's quota dirs, limits, then stats). */
function quotaNodes(path: string, limits: string, stats = 'count=0,bytes=0'): TxnBody[] {
  const out: TxnBody[] = [];
  const segments = path.split('/').slice(1);
  for (let i = 1; i <= segments.length; i++) out.push(create(`/zookeeper/quota/${segments.slice(0, i).join('/')}`));
  out.push(create(quotaLimitPath(path), { data: bytes(limits) }), create(quotaStatPath(path), { data: bytes(stats) }));
  return out;
}

function build(bodies: TxnBody[]): DataTree {
  const tree = new DataTree();
  for (const b of bodies) assert.equal(apply(tree, b).err, ErrorCode.OK, JSON.stringify(b));
  return tree;
}

function roundTrip(tree: DataTree): DataTree {
  return DataTree.fromSnapshot(tree.snapshot());
}

describe('quota stats', () => {
  test('count the quota path and everything below it, with their data bytes', () => {
    const tree = build([create('/a', { data: bytes('x') }), create('/a/b', { data: bytes('hello') }), create('/other', { data: bytes('zzz') }), ...quotaNodes('/a', 'count=3,bytes=-1')]);
    assert.equal(statsOf(tree, '/a'), 'count=2,bytes=6');
    assert.deepEqual(tree.quotas.get('/a')?.usage, { count: 2, bytes: 6 });
    assert.deepEqual(tree.quotas.get('/a')?.limits, { count: 3, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
  });

  test('follow creates, setData and deletes below the quota, in place: no new version or mzxid', () => {
    const tree = build([create('/a'), ...quotaNodes('/a', 'count=10')]);
    const before = tree.statOf(quotaStatPath('/a'))!;
    apply(tree, create('/a/b', { data: bytes('1234') }));
    apply(tree, create('/a/b/c', { data: bytes('12') }));
    assert.equal(statsOf(tree, '/a'), 'count=3,bytes=6');
    apply(tree, { type: 'setData', path: '/a/b', data: bytes('1') });
    assert.equal(statsOf(tree, '/a'), 'count=3,bytes=3');
    apply(tree, { type: 'delete', path: '/a/b/c' });
    assert.equal(statsOf(tree, '/a'), 'count=2,bytes=1');
    apply(tree, { type: 'delete', path: '/a/b' });
    apply(tree, { type: 'delete', path: '/a' });
    assert.equal(statsOf(tree, '/a'), 'count=0,bytes=0');
    const after = tree.statOf(quotaStatPath('/a'))!;
    assert.equal(after.version, before.version);
    assert.equal(after.mzxid, before.mzxid);
    assert.equal(after.dataLength, 'count=0,bytes=0'.length);
  });

  test('change nothing outside the quota; a sibling with the same prefix is outside', () => {
    const tree = build([create('/a'), create('/ab'), ...quotaNodes('/a', 'count=10')]);
    apply(tree, create('/ab/c', { data: bytes('xx') }));
    apply(tree, create('/b'));
    assert.equal(statsOf(tree, '/a'), 'count=1,bytes=0');
  });

  test('follow the deletes of a closed session and the ops of a multi', () => {
    const tree = build([create('/a'), ...quotaNodes('/a', 'count=10'), { type: 'createSession', sessionId: 7, timeoutMs: 1000, passwd: new Uint8Array(16) }]);
    apply(tree, create('/a/e', { kind: 'ephemeral', ephemeralOwner: 7, data: bytes('eph') }));
    apply(tree, { type: 'multi', txns: [create('/a/m', { data: bytes('12') }), { type: 'setData', path: '/a/m', data: bytes('1234') }, create('/a/n')] });
    assert.equal(statsOf(tree, '/a'), 'count=4,bytes=7');
    apply(tree, { type: 'closeSession', sessionId: 7 });
    assert.equal(statsOf(tree, '/a'), 'count=3,bytes=4');
  });

  test('a quota set before its path exists starts at zero and counts the path once created', () => {
    const tree = build(quotaNodes('/later', 'count=5'));
    assert.equal(statsOf(tree, '/later'), 'count=0,bytes=0');
    apply(tree, create('/later', { data: bytes('abc') }));
    assert.equal(statsOf(tree, '/later'), 'count=1,bytes=3');
  });

  test('the limit node created after the stats node recomputes them; removing it freezes them', () => {
    const tree = build([create('/p'), create('/zookeeper/quota/p'), create(quotaStatPath('/p'), { data: bytes('junk') })]);
    // As in ZooKeeper, a stats node is filled in when it is created, even before its limits.
    assert.equal(statsOf(tree, '/p'), 'count=1,bytes=0');
    apply(tree, create('/p/q'));
    assert.equal(statsOf(tree, '/p'), 'count=1,bytes=0', 'no limit node: not kept');
    apply(tree, create(quotaLimitPath('/p'), { data: bytes('count=-1') }));
    assert.equal(statsOf(tree, '/p'), 'count=2,bytes=0');
    apply(tree, { type: 'delete', path: quotaLimitPath('/p') });
    apply(tree, create('/p/r'));
    assert.equal(statsOf(tree, '/p'), 'count=2,bytes=0');
    assert.equal(tree.quotas.get('/p'), undefined);
  });

  test('what a client writes into a kept stats node is replaced by the real stats', () => {
    const tree = build([create('/a'), ...quotaNodes('/a', 'count=10')]);
    const r = apply(tree, { type: 'setData', path: quotaStatPath('/a'), data: bytes('count=100,bytes=5') });
    assert.equal(r.err, ErrorCode.OK);
    assert.equal(statsOf(tree, '/a'), 'count=1,bytes=0');
    assert.equal(tree.statOf(quotaStatPath('/a'))!.version, 1);
  });

  test('limits follow setData of the limit node; malformed limits are no limits', () => {
    const tree = build([create('/a'), ...quotaNodes('/a', 'count=10')]);
    apply(tree, { type: 'setData', path: quotaLimitPath('/a'), data: bytes('count=-1,bytes=-1=;byteHardLimit=7;countHardLimit=2') });
    assert.deepEqual(tree.quotas.get('/a')?.limits, { count: -1, bytes: -1, countHardLimit: 2, byteHardLimit: 7 });
    apply(tree, { type: 'setData', path: quotaLimitPath('/a'), data: bytes('garbage') });
    assert.deepEqual(tree.quotas.get('/a')?.limits, { count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });
    assert.equal(statsOf(tree, '/a'), 'count=1,bytes=0', 'still counted');
  });

  test('nested quotas each count their whole subtree', () => {
    const tree = build([create('/h'), create('/h/i'), ...quotaNodes('/h', 'count=10'), create('/zookeeper/quota/h/i'), create(quotaLimitPath('/h/i'), { data: bytes('count=10') }), create(quotaStatPath('/h/i'))]);
    apply(tree, create('/h/i/j', { data: bytes('j') }));
    apply(tree, create('/h/k'));
    assert.equal(statsOf(tree, '/h'), 'count=4,bytes=1');
    assert.equal(statsOf(tree, '/h/i'), 'count=2,bytes=1');
    assert.deepEqual(tree.quotas.subjectsCovering('/h/i/j'), ['/h/i', '/h']);
    assert.deepEqual(tree.quotas.subjectsCovering('/h/k'), ['/h']);
    const loaded = roundTrip(tree);
    assert.equal(loaded.digest(), tree.digest());
    assert.deepEqual(loaded.quotas.get('/h')?.usage, { count: 4, bytes: 1 });
    // A quota set on /h/i after /h exists takes /h/i's subtree as it is, without disturbing /h.
    apply(tree, { type: 'delete', path: quotaLimitPath('/h/i') });
    apply(tree, create('/h/i/j2', { data: bytes('22') }));
    apply(tree, create(quotaLimitPath('/h/i'), { data: bytes('count=1') }));
    assert.equal(statsOf(tree, '/h/i'), 'count=3,bytes=3');
    assert.equal(statsOf(tree, '/h'), 'count=5,bytes=3');
  });
});

describe('quota stats across snapshots', () => {
  const history = (): TxnBody[] => [
    create('/a', { data: bytes('root') }), create('/a/b', { data: bytes('bb') }), ...quotaNodes('/a', 'count=5,bytes=100'),
    create('/a/c'), { type: 'setData', path: '/a/b', data: bytes('bbbb') }, { type: 'delete', path: '/a/c' },
    create('/x'), ...quotaNodes('/x/y', 'countHardLimit=3'), create('/x/y'), create('/x/y/z', { data: bytes('z') }),
  ];

  test('a tree loaded from a snapshot holds the same stats and digest, and keeps counting', () => {
    const live = build(history());
    const loaded = roundTrip(live);
    assert.equal(loaded.digest(), live.digest());
    assert.equal(statsOf(loaded, '/a'), 'count=2,bytes=8');
    assert.equal(statsOf(loaded, '/x/y'), 'count=2,bytes=1');
    for (const t of [live, loaded]) apply(t, create('/a/new', { data: bytes('123') }));
    assert.equal(loaded.digest(), live.digest());
    assert.equal(statsOf(loaded, '/a'), 'count=3,bytes=11');
  });

  test('stats are recomputed on load (ZooKeeper setupQuota): a snapshot with stale stats comes back right', () => {
    const live = build(history());
    const snap = live.snapshot();
    const stale = { ...snap, nodes: snap.nodes.map((n) => (n.path === quotaStatPath('/a') ? { ...n, data: bytes('count=99,bytes=99') } : n)) };
    const loaded = DataTree.fromSnapshot(stale);
    assert.equal(statsOf(loaded, '/a'), 'count=2,bytes=8');
    assert.equal(loaded.digest(), live.digest());
  });

  test('replaceWith (a SNAP from the leader) rebuilds the quotas of the new state', () => {
    const follower = build([create('/old'), ...quotaNodes('/old', 'count=1')]);
    const leader = build(history());
    follower.replaceWith(leader.snapshot());
    assert.equal(follower.quotas.get('/old'), undefined);
    assert.equal(follower.quotas.size, 2);
    apply(follower, create('/a/more'));
    apply(leader, create('/a/more'));
    assert.equal(follower.digest(), leader.digest());
  });
});

describe('hostile quota nodes', () => {
  test('a limit node directly under /zookeeper/quota or for a path in /zookeeper is ignored (ZooKeeper 3.8.0 dies on the first)', () => {
    const tree = build([
      create('/zookeeper/quota/zookeeper_limits', { data: bytes('count=1') }),
      create('/zookeeper/quota/zookeeper_stats', { data: bytes('s') }),
      create('/zookeeper/quota/zookeeper'),
      create('/zookeeper/quota/zookeeper/zookeeper_limits', { data: bytes('countHardLimit=1') }),
      create('/zookeeper/quota/zookeeper/zookeeper_stats'),
    ]);
    assert.equal(tree.quotas.size, 0);
    assert.equal(statsOf(tree, '/zookeeper'), '');
    apply(tree, create('/zookeeper/quota/more'));
    assert.equal(roundTrip(tree).digest(), tree.digest());
  });

  test('limit and stats nodes with children, odd names and deep paths neither throw nor diverge', () => {
    const deep = `/d${'/n'.repeat(200)}`;
    const bodies: TxnBody[] = [create('/a'), ...quotaNodes('/a', 'count=1'), create(`${quotaLimitPath('/a')}/child`), create(`${quotaStatPath('/a')}/child`)];
    let p = '';
    for (const seg of deep.split('/').slice(1)) bodies.push(create((p += `/${seg}`)));
    // A quota on '/a/zookeeper_stats' keeps its nodes below the stats node of '/a'.
    bodies.push(...quotaNodes(deep, 'bytes=1'), create(quotaLimitPath('/a/zookeeper_stats'), { data: bytes('count=1') }), create(quotaStatPath('/a/zookeeper_stats')));
    const tree = build(bodies);
    apply(tree, create(`${deep}/leaf`, { data: bytes('abc') }));
    assert.equal(statsOf(tree, deep), 'count=2,bytes=3');
    assert.equal(statsOf(tree, '/a'), 'count=1,bytes=0');
    const loaded = roundTrip(tree);
    assert.equal(loaded.digest(), tree.digest());
    assert.equal(loaded.quotas.size, 3);
  });

  test('deleting and re-creating quota nodes in any order keeps live and loaded trees equal', () => {
    const tree = build([create('/a'), create('/a/b'), ...quotaNodes('/a', 'count=1')]);
    const steps: TxnBody[] = [
      { type: 'delete', path: quotaStatPath('/a') }, create('/a/c'), create(quotaStatPath('/a'), { data: bytes('anything') }),
      { type: 'delete', path: quotaLimitPath('/a') }, create('/a/d'), create(quotaLimitPath('/a'), { data: bytes('count=2') }),
      { type: 'delete', path: '/a/b' },
    ];
    for (const s of steps) {
      assert.equal(apply(tree, s).err, ErrorCode.OK);
      assert.equal(roundTrip(tree).digest(), tree.digest(), `after ${JSON.stringify(s)}`);
    }
    assert.equal(statsOf(tree, '/a'), 'count=3,bytes=0');
  });
});
