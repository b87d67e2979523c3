import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCode,
  EventType,
  OPEN_ACL_UNSAFE,
  OpCode,
  READ_ACL_UNSAFE,
  sequenceSuffix,
  type Stat,
  type Txn,
} from '../../protocol/index.js';
import { DataTree, TreeInvariantError, type NodeChange } from '../../src/tree/index.js';
import { apply, bytes, create } from '../support/tree-txns.js';

/** The events of a change list, without the ACL each carries for the delivery check. */
const eventsOf = (changes: readonly NodeChange[]): Array<{ type: number; path: string }> => changes.map(({ type, path }) => ({ type, path }));

/** Records are replaced on change, never mutated: same references means nothing changed. */
function sameState(before: ReturnType<DataTree['snapshot']>, tree: DataTree): boolean {
  const after = tree.snapshot();
  if (before.nodes.length !== after.nodes.length || before.sessions.length !== after.sessions.length) return false;
  const byPath = new Map(after.nodes.map((n) => [n.path, n]));
  return before.nodes.every((n) => byPath.get(n.path) === n) && before.sessions.every((s, i) => after.sessions[i] === s);
}

function stat(partial: Partial<Stat>): Stat {
  return {
    czxid: 0, mzxid: 0, pzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0,
    ...partial,
  };
}

describe('DataTree initial state', () => {
  test('holds /, /zookeeper, /zookeeper/quota and /zookeeper/config at zxid 0, as ZooKeeper reports them', () => {
    const tree = new DataTree();
    assert.equal(tree.nodeCount, 4);
    assert.equal(tree.lastZxid, 0);
    // Linked without create txns: internal cversion 0, so reported cversion = -numChildren.
    assert.deepEqual(tree.statOf('/'), stat({ cversion: -1, numChildren: 1 }));
    assert.deepEqual(tree.statOf('/zookeeper'), stat({ cversion: -2, numChildren: 2 }));
    assert.deepEqual(tree.statOf('/zookeeper/quota'), stat({}));
    assert.deepEqual(tree.statOf('/zookeeper/config'), stat({}));
    assert.deepEqual(tree.getChildren('/zookeeper')?.sort(), ['config', 'quota']);
    assert.deepEqual(tree.getNode('/zookeeper/config')?.acl, READ_ACL_UNSAFE, 'everyone may read the config, as in ZooKeeper');
    assert.equal(tree.sessions.size, 0);
  });
});

describe('DataTree create', () => {
  test('sets every Stat field of the node and updates the parent', () => {
    const tree = new DataTree();
    apply(tree, create('/p'), 500);
    const r = apply(tree, create('/p/a', { data: bytes('hello') }), 900);
    assert.equal(r.err, ErrorCode.OK);
    assert.equal(r.path, '/p/a');
    const expected = stat({ czxid: 2, mzxid: 2, pzxid: 2, ctime: 900, mtime: 900, dataLength: 5 });
    assert.deepEqual(r.stat, expected);
    assert.deepEqual(tree.statOf('/p/a'), expected);
    assert.deepEqual(tree.statOf('/p'), stat({ czxid: 1, mzxid: 1, pzxid: 2, ctime: 500, mtime: 500, cversion: 1, numChildren: 1 }));
    assert.deepEqual(tree.getNode('/p/a')?.data, bytes('hello'));
    assert.deepEqual(eventsOf(r.changes), [
      { type: EventType.NodeCreated, path: '/p/a' },
      { type: EventType.NodeChildrenChanged, path: '/p' },
    ]);
    assert.equal(tree.nodeCount, 6);
  });

  test('ephemeral nodes report their owner; container and TTL nodes report 0', () => {
    const tree = new DataTree();
    apply(tree, create('/e', { kind: 'ephemeral', ephemeralOwner: 77 }));
    apply(tree, create('/c', { kind: 'container', ephemeralOwner: 77 }));
    apply(tree, create('/t', { kind: 'ttl', ttlMs: 5000, ephemeralOwner: 77 }));
    assert.equal(tree.statOf('/e')?.ephemeralOwner, 77);
    assert.equal(tree.statOf('/c')?.ephemeralOwner, 0);
    assert.equal(tree.statOf('/t')?.ephemeralOwner, 0);
    assert.equal(tree.overlayBase().get('/c')?.kind, 'container');
    assert.equal(tree.overlayBase().get('/t')?.ttlMs, 5000);
    assert.equal(tree.overlayBase().get('/c')?.ttlMs, 0);
    assert.deepEqual([...tree.ephemeralsOf(77)], ['/e']);
  });

  test('fails with NODEEXISTS, NONODE and NOCHILDRENFOREPHEMERALS and changes nothing', () => {
    const tree = new DataTree();
    apply(tree, create('/a'));
    apply(tree, create('/e', { kind: 'ephemeral', ephemeralOwner: 5 }));
    const cases: Array<[string, number]> = [
      ['/a', ErrorCode.NODEEXISTS],
      ['/', ErrorCode.NODEEXISTS],
      ['/missing/x', ErrorCode.NONODE],
      ['/e/x', ErrorCode.NOCHILDRENFOREPHEMERALS],
    ];
    for (const [path, err] of cases) {
      const before = tree.snapshot();
      const zxid = tree.lastZxid;
      const r = apply(tree, create(path));
      assert.equal(r.err, err, path);
      assert.deepEqual(eventsOf(r.changes), []);
      assert.equal(tree.lastZxid, zxid + 1, 'a failed txn still advances lastZxid');
      assert.ok(sameState(before, tree), path);
    }
  });

  test('shares equal ACL lists between nodes', () => {
    const tree = new DataTree();
    const acl = [{ perms: 3, id: { scheme: 'digest', id: 'u:x' } }];
    apply(tree, create('/a', { acl: acl.map((e) => ({ perms: e.perms, id: { ...e.id } })) }));
    apply(tree, create('/b', { acl: acl.map((e) => ({ perms: e.perms, id: { ...e.id } })) }));
    apply(tree, create('/c'));
    assert.equal(tree.getNode('/a')?.acl, tree.getNode('/b')?.acl);
    assert.deepEqual(tree.getNode('/a')?.acl, acl);
    assert.equal(tree.getNode('/c')?.acl, OPEN_ACL_UNSAFE);
  });

  test('keeps its own copy of the data', () => {
    const tree = new DataTree();
    const data = bytes('abc');
    apply(tree, create('/a', { data }));
    data[0] = 0x7a;
    assert.deepEqual(tree.getNode('/a')?.data, bytes('abc'));
  });
});

describe('DataTree sequential counters and cversion', () => {
  test('after create /p/a, delete /p/a, the sequential child is /p/s-0000000001 and /p reports cversion 3', () => {
    const tree = new DataTree();
    apply(tree, create('/p'));
    apply(tree, create('/p/a'));
    assert.equal(tree.statOf('/p')?.cversion, 1);
    apply(tree, { type: 'delete', path: '/p/a' });
    assert.equal(tree.statOf('/p')?.cversion, 2);
    const counter = (): number => tree.overlayBase().get('/p')!.cversion;
    assert.equal(counter(), 1);
    const path = `/p/s-${sequenceSuffix(counter())}`;
    assert.equal(path, '/p/s-0000000001');
    apply(tree, create(path));
    assert.equal(tree.statOf('/p')?.cversion, 3);
    assert.equal(tree.statOf('/p')?.numChildren, 1);
    // A sequential create of '/p/' names the child by the counter alone.
    assert.equal(`/p/${sequenceSuffix(counter())}`, '/p/0000000002');
    assert.equal(tree.overlayBase().get('/missing'), undefined);
  });
});

describe('DataTree delete', () => {
  test('removes the node and updates the parent stat', () => {
    const tree = new DataTree();
    apply(tree, create('/p'));
    apply(tree, create('/p/a'));
    apply(tree, create('/p/b'));
    const r = apply(tree, { type: 'delete', path: '/p/a' }, 2000);
    assert.equal(r.err, ErrorCode.OK);
    assert.deepEqual(eventsOf(r.changes), [
      { type: EventType.NodeDeleted, path: '/p/a' },
      { type: EventType.NodeChildrenChanged, path: '/p' },
    ]);
    assert.equal(tree.statOf('/p/a'), undefined);
    assert.equal(tree.getNode('/p/a'), undefined);
    assert.deepEqual(tree.statOf('/p'), stat({ czxid: 1, mzxid: 1, pzxid: 4, ctime: 1000, mtime: 1000, cversion: 3, numChildren: 1 }));
    assert.deepEqual(tree.getChildren('/p'), ['b']);
  });

  test('fails with NONODE, NOTEMPTY and BADARGUMENTS (root) and changes nothing', () => {
    const tree = new DataTree();
    apply(tree, create('/p'));
    apply(tree, create('/p/a'));
    const cases: Array<[string, number]> = [
      ['/nope', ErrorCode.NONODE],
      ['/p', ErrorCode.NOTEMPTY],
      ['/', ErrorCode.BADARGUMENTS],
    ];
    for (const [path, err] of cases) {
      const before = tree.snapshot();
      const r = apply(tree, { type: 'delete', path });
      assert.equal(r.err, err, path);
      assert.deepEqual(eventsOf(r.changes), []);
      assert.ok(sameState(before, tree));
    }
  });

  test('deleting an ephemeral removes it from its session index', () => {
    const tree = new DataTree();
    apply(tree, create('/e', { kind: 'ephemeral', ephemeralOwner: 9 }));
    apply(tree, { type: 'delete', path: '/e' });
    assert.equal(tree.ephemeralsOf(9).size, 0);
  });
});

describe('DataTree setData, setACL and check', () => {
  test('setData bumps version, mzxid and mtime and reports NodeDataChanged', () => {
    const tree = new DataTree();
    apply(tree, create('/a', { data: bytes('x') }), 100);
    apply(tree, create('/a/c'), 150);
    const r = apply(tree, { type: 'setData', path: '/a', data: bytes('hello!') }, 300);
    const expected = stat({ czxid: 1, mzxid: 3, pzxid: 2, ctime: 100, mtime: 300, version: 1, cversion: 1, dataLength: 6, numChildren: 1 });
    assert.equal(r.err, ErrorCode.OK);
    assert.deepEqual(r.stat, expected);
    assert.deepEqual(tree.statOf('/a'), expected);
    assert.deepEqual(tree.getNode('/a')?.data, bytes('hello!'));
    assert.deepEqual(eventsOf(r.changes), [{ type: EventType.NodeDataChanged, path: '/a' }]);
    const before = tree.snapshot();
    assert.equal(apply(tree, { type: 'setData', path: '/b', data: bytes('x') }).err, ErrorCode.NONODE);
    assert.ok(sameState(before, tree));
  });

  test('setACL bumps aversion only and fires nothing', () => {
    const tree = new DataTree();
    apply(tree, create('/a'), 100);
    const r = apply(tree, { type: 'setACL', path: '/a', acl: [...READ_ACL_UNSAFE] }, 200);
    assert.equal(r.err, ErrorCode.OK);
    assert.deepEqual(r.stat, stat({ czxid: 1, mzxid: 1, pzxid: 1, ctime: 100, mtime: 100, aversion: 1 }));
    assert.equal(tree.getNode('/a')?.acl, READ_ACL_UNSAFE);
    assert.deepEqual(eventsOf(r.changes), []);
    assert.equal(apply(tree, { type: 'setACL', path: '/b', acl: [...READ_ACL_UNSAFE] }).err, ErrorCode.NONODE);
  });

  test('check changes nothing; NONODE for a missing node', () => {
    const tree = new DataTree();
    apply(tree, create('/a'));
    const before = tree.snapshot();
    const r = apply(tree, { type: 'check', path: '/a' });
    assert.equal(r.err, ErrorCode.OK);
    assert.deepEqual(eventsOf(r.changes), []);
    assert.ok(sameState(before, tree));
    assert.equal(apply(tree, { type: 'check', path: '/b' }).err, ErrorCode.NONODE);
  });
});

describe('DataTree multi', () => {
  test('applies every op in one zxid and reports per-op results', () => {
    const tree = new DataTree();
    apply(tree, create('/x', { data: bytes('1') }));
    apply(tree, create('/gone'));
    const r = apply(tree, {
      type: 'multi',
      txns: [
        create('/m'),
        create('/m/child', { data: bytes('ab') }),
        { type: 'setData', path: '/x', data: bytes('22') },
        { type: 'check', path: '/x' },
        { type: 'delete', path: '/gone' },
      ],
    }, 4242);
    assert.equal(r.err, ErrorCode.OK);
    const zxid = tree.lastZxid;
    assert.deepEqual(r.results, [
      { op: OpCode.create2, err: 0, path: '/m', stat: stat({ czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: 4242, mtime: 4242 }) },
      { op: OpCode.create2, err: 0, path: '/m/child', stat: stat({ czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: 4242, mtime: 4242, dataLength: 2 }) },
      { op: OpCode.setData, err: 0, stat: stat({ czxid: 1, mzxid: zxid, pzxid: 1, ctime: 1000, mtime: 4242, version: 1, dataLength: 2 }) },
      { op: OpCode.check, err: 0 },
      { op: OpCode.delete, err: 0 },
    ]);
    assert.deepEqual(eventsOf(r.changes), [
      { type: EventType.NodeCreated, path: '/m' },
      { type: EventType.NodeChildrenChanged, path: '/' },
      { type: EventType.NodeCreated, path: '/m/child' },
      { type: EventType.NodeChildrenChanged, path: '/m' },
      { type: EventType.NodeDataChanged, path: '/x' },
      { type: EventType.NodeDeleted, path: '/gone' },
      { type: EventType.NodeChildrenChanged, path: '/' },
    ]);
    assert.equal(tree.statOf('/m')?.numChildren, 1);
    assert.equal(tree.statOf('/gone'), undefined);
  });

  test('is all or nothing: a failing op leaves the tree unchanged even after ops that would succeed', () => {
    const tree = new DataTree();
    apply(tree, create('/x'));
    const before = tree.snapshot();
    const r = apply(tree, {
      type: 'multi',
      txns: [create('/new'), { type: 'setData', path: '/x', data: bytes('z') }, { type: 'delete', path: '/absent' }, create('/later')],
    });
    assert.equal(r.err, ErrorCode.NONODE);
    assert.deepEqual(r.results, [
      { op: OpCode.error, err: ErrorCode.OK },
      { op: OpCode.error, err: ErrorCode.OK },
      { op: OpCode.error, err: ErrorCode.NONODE },
      { op: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
    ]);
    assert.deepEqual(eventsOf(r.changes), []);
    assert.ok(sameState(before, tree));
    assert.equal(tree.statOf('/new'), undefined);
    assert.equal(tree.lastZxid, 2);
  });

  test('later ops see earlier ones: delete then re-create, and NOTEMPTY after a create inside', () => {
    const tree = new DataTree();
    apply(tree, create('/a'));
    const ok = apply(tree, { type: 'multi', txns: [{ type: 'delete', path: '/a' }, create('/a', { data: bytes('new') })] });
    assert.equal(ok.err, ErrorCode.OK);
    assert.deepEqual(tree.getNode('/a')?.data, bytes('new'));
    const before = tree.snapshot();
    const bad = apply(tree, { type: 'multi', txns: [create('/a/kid'), { type: 'delete', path: '/a' }] });
    assert.equal(bad.err, ErrorCode.NOTEMPTY);
    assert.ok(sameState(before, tree));
  });

  test('an empty multi succeeds with no results', () => {
    const tree = new DataTree();
    const r = apply(tree, { type: 'multi', txns: [] });
    assert.deepEqual(r, { err: ErrorCode.OK, results: [], changes: [] });
  });
});

describe('DataTree sessions', () => {
  test('createSession adds to the table; closeSession deletes its ephemerals in path order and removes it', () => {
    const tree = new DataTree();
    const passwd = new Uint8Array(16).fill(7);
    apply(tree, { type: 'createSession', sessionId: 11, timeoutMs: 4000, passwd });
    apply(tree, { type: 'createSession', sessionId: 12, timeoutMs: 6000, passwd });
    assert.deepEqual(tree.sessions.get(11), { sessionId: 11, timeoutMs: 4000, passwd });
    apply(tree, create('/p'));
    apply(tree, create('/p/z', { kind: 'ephemeral', ephemeralOwner: 11 }));
    apply(tree, create('/b', { kind: 'ephemeral', ephemeralOwner: 11 }));
    apply(tree, create('/p/other', { kind: 'ephemeral', ephemeralOwner: 12 }));
    assert.deepEqual(tree.getEphemerals(11, '/'), ['/b', '/p/z']);
    assert.deepEqual(tree.getEphemerals(11, '/p'), ['/p/z']);
    const r = apply(tree, { type: 'closeSession', sessionId: 11 });
    assert.equal(r.err, ErrorCode.OK);
    assert.deepEqual(eventsOf(r.changes), [
      { type: EventType.NodeDeleted, path: '/b' },
      { type: EventType.NodeChildrenChanged, path: '/' },
      { type: EventType.NodeDeleted, path: '/p/z' },
      { type: EventType.NodeChildrenChanged, path: '/p' },
    ]);
    assert.equal(tree.sessions.has(11), false);
    assert.equal(tree.sessions.has(12), true);
    assert.equal(tree.statOf('/b'), undefined);
    assert.equal(tree.statOf('/p/z'), undefined);
    assert.ok(tree.statOf('/p/other'));
    assert.equal(tree.statOf('/p')?.pzxid, tree.lastZxid);
    assert.equal(tree.ephemeralsOf(11).size, 0);
  });
});

describe('DataTree reads', () => {
  test('countDescendants counts every node below, not the node itself', () => {
    const tree = new DataTree();
    for (const p of ['/a', '/a/b', '/a/b/c', '/a/d', '/e']) apply(tree, create(p));
    assert.equal(tree.countDescendants('/a'), 3);
    assert.equal(tree.countDescendants('/a/b/c'), 0);
    assert.equal(tree.countDescendants('/'), 8);
    assert.equal(tree.countDescendants('/nope'), 0);
    assert.equal(tree.getChildren('/nope'), undefined);
    assert.deepEqual(tree.getChildren('/a/b/c'), []);
  });
});

describe('DataTree cleanup candidates', () => {
  test('containers qualify only once they had a child and have none left', () => {
    const tree = new DataTree();
    apply(tree, create('/c', { kind: 'container' }));
    assert.deepEqual(tree.expiredCleanupCandidates(10_000, 10), []);
    apply(tree, create('/c/x'));
    assert.deepEqual(tree.expiredCleanupCandidates(10_000, 10), []);
    apply(tree, { type: 'delete', path: '/c/x' });
    assert.deepEqual(tree.expiredCleanupCandidates(10_000, 10), ['/c']);
  });

  test('TTL nodes qualify when childless and mtime + ttl < now; max caps the answer', () => {
    const tree = new DataTree();
    apply(tree, create('/t', { kind: 'ttl', ttlMs: 100 }), 1000);
    assert.deepEqual(tree.expiredCleanupCandidates(1100, 10), []);
    assert.deepEqual(tree.expiredCleanupCandidates(1101, 10), ['/t']);
    apply(tree, { type: 'setData', path: '/t', data: bytes('x') }, 1050);
    assert.deepEqual(tree.expiredCleanupCandidates(1101, 10), []);
    apply(tree, create('/t/kid'), 1060);
    assert.deepEqual(tree.expiredCleanupCandidates(5000, 10), []);
    apply(tree, create('/u', { kind: 'ttl', ttlMs: 1 }), 1000);
    apply(tree, create('/v', { kind: 'ttl', ttlMs: 1 }), 1000);
    assert.equal(tree.expiredCleanupCandidates(5000, 1).length, 1);
    assert.equal(tree.expiredCleanupCandidates(5000, 10).length, 2);
  });
});

describe('DataTree zxid order', () => {
  test('a zxid that does not increase is a bug and throws', () => {
    const tree = new DataTree();
    apply(tree, create('/a'));
    const txn: Txn = { zxid: 1, time: 0, sessionId: 0, xid: 0, body: create('/b') };
    assert.throws(() => tree.apply(txn), TreeInvariantError);
    assert.throws(() => tree.apply({ ...txn, zxid: 0 }), TreeInvariantError);
    assert.equal(tree.statOf('/b'), undefined);
    assert.equal(tree.apply({ ...txn, zxid: 100 }).err, ErrorCode.OK);
    assert.equal(tree.lastZxid, 100);
  });
});
