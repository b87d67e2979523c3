import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, type CreateTxn, type TxnBody } from '../../protocol/index.js';
import { MemoryStorage } from '../../src/storage/index.js';
import { DataTree, ZnodeRecord, snapshotNodeReviver, type TreeSnapshot } from '../../src/tree/index.js';
import { apply, bytes, create } from '../support/tree-txns.js';

/** A small but varied history: every node kind, sessions, data, ACLs, deletes. */
function history(): TxnBody[] {
  return [
    { type: 'createSession', sessionId: 5, timeoutMs: 3000, passwd: new Uint8Array(16).fill(1) },
    { type: 'createSession', sessionId: 6, timeoutMs: 3000, passwd: new Uint8Array(16).fill(2) },
    create('/app', { data: bytes('config') }),
    create('/app/e1', { kind: 'ephemeral', ephemeralOwner: 5 }),
    create('/app/e2', { kind: 'ephemeral', ephemeralOwner: 6 }),
    create('/c', { kind: 'container' }),
    create('/c/x'),
    { type: 'delete', path: '/c/x' },
    create('/t', { kind: 'ttl', ttlMs: 500 }),
    { type: 'setData', path: '/app', data: bytes('v2') },
    { type: 'setACL', path: '/t', acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.1' } }] },
    { type: 'multi', txns: [create('/m'), create('/m/a'), { type: 'check', path: '/m' }] },
    { type: 'closeSession', sessionId: 6 },
  ];
}

function build(bodies: TxnBody[]): DataTree {
  const tree = new DataTree();
  bodies.forEach((b, i) => apply(tree, b, 1000 + i));
  return tree;
}

/** Deterministic shuffle, so the test does not depend on a random seed. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('DataTree digest and determinism', () => {
  test('two trees fed the same txns have equal digests; any difference changes it', () => {
    const a = build(history());
    const b = build(history());
    assert.equal(a.digest(), b.digest());
    const c = build(history());
    apply(c, { type: 'setData', path: '/app', data: bytes('v3') });
    assert.notEqual(c.digest(), a.digest());
    const d = build(history().slice(0, -1));
    assert.notEqual(d.digest(), a.digest());
  });

  test('the digest covers data, ACLs, sessions and lastZxid', () => {
    const base = build(history());
    const sameButData = build(history().map((b) => (b.type === 'setData' ? { ...b, data: bytes('v9') } : b)));
    const sameButAcl = build(history().map((b) => (b.type === 'setACL' ? { ...b, acl: [{ perms: 3, id: { scheme: 'ip', id: '10.0.0.1' } }] } : b)));
    const sameButSession = build(history().map((b) => (b.type === 'createSession' && b.sessionId === 5 ? { ...b, timeoutMs: 4000 } : b)));
    for (const other of [sameButData, sameButAcl, sameButSession]) assert.notEqual(other.digest(), base.digest());
    const later = build(history());
    later.apply({ zxid: later.lastZxid + 10, time: 0, sessionId: 0, xid: 0, body: { type: 'check', path: '/' } });
    assert.notEqual(later.digest(), base.digest());
  });
});

describe('DataTree snapshot', () => {
  test('fromSnapshot rebuilds an identical tree, indexes included', () => {
    const tree = build(history());
    const copy = DataTree.fromSnapshot(tree.snapshot());
    assert.equal(copy.digest(), tree.digest());
    assert.equal(copy.lastZxid, tree.lastZxid);
    assert.equal(copy.nodeCount, tree.nodeCount);
    assert.deepEqual(copy.statOf('/app'), tree.statOf('/app'));
    assert.deepEqual(copy.statOf('/'), tree.statOf('/'));
    assert.deepEqual([...copy.ephemeralsOf(5)], ['/app/e1']);
    assert.deepEqual(copy.getChildren('/m'), ['a']);
    assert.deepEqual(copy.expiredCleanupCandidates(1_000_000, 10).sort(), ['/c', '/t']);
    assert.equal(copy.overlayBase().get('/c')?.cversion, 1);
    // Both keep working identically afterwards.
    for (const t of [tree, copy]) apply(t, create('/m/b'), 99);
    assert.equal(copy.digest(), tree.digest());
  });

  test('survives a msgpack round trip and nodes in any order', () => {
    const tree = build(history());
    const snap = tree.snapshot();
    const decoded = decode(encode(snap)) as TreeSnapshot;
    const reordered: TreeSnapshot = { ...decoded, nodes: shuffled(decoded.nodes).reverse() };
    assert.equal(DataTree.fromSnapshot(reordered).digest(), tree.digest());
  });

  test('a store of TreeSnapshots recovers one that the tree loads as it is', async () => {
    const tree = build(history());
    const store = await MemoryStorage.open<TreeSnapshot>();
    await store.recover();
    await store.writeSnapshot(tree.snapshot());
    await store.close();
    const reopened = await MemoryStorage.open<TreeSnapshot>({ disk: store.disk });
    const { snapshot } = await reopened.recover();
    await reopened.close();
    assert.ok(snapshot !== undefined);
    assert.equal(DataTree.fromSnapshot(snapshot).digest(), tree.digest());
  });

  test('records revived as the store reads them load as they are: same tree, ACL lists shared with the loaded tree', async () => {
    const tree = build(history());
    const store = await MemoryStorage.open<TreeSnapshot>();
    await store.recover();
    await store.writeSnapshot(tree.snapshot());
    await store.close();
    const reopened = await MemoryStorage.open<TreeSnapshot>({ disk: store.disk, reviveSnapshotNode: snapshotNodeReviver() });
    const { snapshot } = await reopened.recover();
    await reopened.close();
    assert.ok(snapshot !== undefined && snapshot.nodes.every((n) => n instanceof ZnodeRecord));
    const copy = DataTree.fromSnapshot(snapshot);
    assert.equal(copy.digest(), tree.digest());
    const revivedAcl = snapshot.nodes.find((n) => n.path === '/t')!.acl;
    assert.equal(copy.aclOf('/t'), revivedAcl, 'the custom ACL list the reviver made is the one the tree holds');
    assert.deepEqual(copy.getNode('/app')?.data, bytes('v2'));
  });

  // Prep keeps the overlay base for the tree's lifetime; a SNAP from the leader swaps the tree's content under it.
  // (The whole-replica simulator caught prep reading the replaced content: duplicate sequential names.)
  test('the overlay base follows the tree through replaceWith', () => {
    const tree = new DataTree();
    const base = tree.overlayBase();
    const other = new DataTree();
    apply(other, create('/x'));
    apply(other, create('/x/a'));
    tree.replaceWith(other.snapshot());
    assert.equal(base.get('/x')?.cversion, 1);
    assert.equal(base.get('/x')?.numChildren, 1);
  });

  test('a snapshot is unaffected by later changes to the tree', () => {
    const tree = build(history());
    const digest = tree.digest();
    const snap = tree.snapshot();
    apply(tree, { type: 'setData', path: '/app', data: bytes('later') });
    apply(tree, { type: 'delete', path: '/app/e1' });
    apply(tree, create('/zzz'));
    apply(tree, { type: 'closeSession', sessionId: 5 });
    assert.equal(DataTree.fromSnapshot(snap).digest(), digest);
  });

  test('rejects a snapshot with an orphan node or without a root', () => {
    const snap = build(history()).snapshot();
    const orphan = { ...(snap.nodes.find((n) => n.path === '/app') as ZnodeRecord).toSnapshotNode(), path: '/nowhere/x' };
    assert.throws(() => DataTree.fromSnapshot({ ...snap, nodes: [...snap.nodes, orphan] }), /no parent/);
    assert.throws(() => DataTree.fromSnapshot({ ...snap, nodes: snap.nodes.filter((n) => n.path !== '/') }), /root/);
  });

  // No timing here: CI machines are noisy (bench:restart measures recovery time).
  test('100k nodes load back whole and share one ACL list', () => {
    const tree = new DataTree();
    const txns: CreateTxn[] = [];
    for (let i = 0; i < 100; i++) txns.push(create(`/d${i}`));
    for (let i = 0; i < 100_000; i++) txns.push(create(`/d${i % 100}/n${i}`, { data: bytes('x') }));
    for (let i = 0; i < txns.length; i += 1000) apply(tree, { type: 'multi', txns: txns.slice(i, i + 1000) });
    const snap = tree.snapshot();
    assert.equal(snap.nodes.length, 100_104);
    const decodedAcls = decode(encode(snap)) as TreeSnapshot;
    const copy = DataTree.fromSnapshot(decodedAcls);
    assert.equal(copy.nodeCount, 100_104);
    assert.equal(copy.getNode('/d7/n7')?.acl, copy.getNode('/d8/n8')?.acl);
    assert.equal(copy.countDescendants('/d3'), 1000);
    assert.equal(copy.digest(), tree.digest());
  });
});
