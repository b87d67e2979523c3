import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventType, KeeperState, OPEN_ACL_UNSAFE, WatcherType, type CreateTxn, type SetWatchesRequest, type TxnBody } from '../../protocol/index.js';
import { DataTree, WatchLimitError, WatchManager, type NodeChange } from '../../src/tree/index.js';

const { NodeCreated, NodeDeleted, NodeDataChanged, NodeChildrenChanged } = EventType;
const created = (path: string): NodeChange => ({ type: NodeCreated, path, acl: OPEN_ACL_UNSAFE });
const deleted = (path: string): NodeChange => ({ type: NodeDeleted, path, acl: OPEN_ACL_UNSAFE });
const dataChanged = (path: string): NodeChange => ({ type: NodeDataChanged, path, acl: OPEN_ACL_UNSAFE });
const childrenChanged = (path: string): NodeChange => ({ type: NodeChildrenChanged, path, acl: OPEN_ACL_UNSAFE });

function manager(watchesPerSessionMax = 1000): WatchManager {
  return new WatchManager({ watchesPerSessionMax });
}

/** The events as [sessionId, type, path] triples, checking state and zxid on the way. */
function fired(wm: WatchManager, changes: NodeChange[], zxid = 42): Array<[number, number, string]> {
  return wm.trigger(changes, zxid).flatMap(({ sessionIds, event }) => {
    assert.equal(event.state, KeeperState.SyncConnected);
    assert.equal(event.zxid, zxid);
    return sessionIds.map((sessionId): [number, number, string] => [sessionId, event.type, event.path]);
  });
}

describe('WatchManager one-shot watches', () => {
  test('data and exist watches fire on NodeCreated, NodeDataChanged and NodeDeleted of the path, once', () => {
    for (const type of [NodeCreated, NodeDataChanged, NodeDeleted]) {
      const wm = manager();
      wm.addDataWatch(1, '/a');
      wm.addExistWatch(2, '/a');
      assert.deepEqual(fired(wm, [{ type, path: '/a', acl: OPEN_ACL_UNSAFE }]), [[1, type, '/a'], [2, type, '/a']]);
      assert.deepEqual(fired(wm, [{ type, path: '/a', acl: OPEN_ACL_UNSAFE }]), [], 'one-shot watches are consumed');
      assert.equal(wm.watchCount(), 0);
    }
  });

  test('data watches ignore child changes and other paths', () => {
    const wm = manager();
    wm.addDataWatch(1, '/a');
    assert.deepEqual(fired(wm, [childrenChanged('/a'), created('/a/b'), dataChanged('/b'), deleted('/a/b')]), []);
    assert.equal(wm.watchCount(1), 1);
  });

  test('child watches fire on NodeChildrenChanged and NodeDeleted of the path only', () => {
    const wm = manager();
    wm.addChildWatch(1, '/p');
    assert.deepEqual(fired(wm, [created('/p'), dataChanged('/p'), created('/p/x')]), []);
    assert.deepEqual(fired(wm, [childrenChanged('/p')]), [[1, NodeChildrenChanged, '/p']]);
    assert.deepEqual(fired(wm, [childrenChanged('/p')]), []);
    wm.addChildWatch(1, '/p');
    assert.deepEqual(fired(wm, [deleted('/p'), childrenChanged('/')]), [[1, NodeDeleted, '/p']]);
    assert.equal(wm.watchCount(), 0);
  });

  test('delete fires data, exist and child watches of the node and child watches of the parent', () => {
    const wm = manager();
    wm.addDataWatch(1, '/p/x');
    wm.addChildWatch(2, '/p/x');
    wm.addChildWatch(3, '/p');
    wm.addDataWatch(4, '/p');
    assert.deepEqual(fired(wm, [deleted('/p/x'), childrenChanged('/p')]), [
      [1, NodeDeleted, '/p/x'],
      [2, NodeDeleted, '/p/x'],
      [3, NodeChildrenChanged, '/p'],
    ]);
    assert.equal(wm.watchCount(), 1, 'the data watch on the parent stays');
  });

  test('a session gets one event per (type, path) per txn', () => {
    const wm = manager();
    wm.addDataWatch(1, '/a');
    wm.addChildWatch(1, '/a');
    wm.addPersistentWatch(1, '/a', false);
    wm.addPersistentWatch(1, '/', true);
    // A multi that creates two children of /a: two NodeChildrenChanged /a changes, one event.
    assert.deepEqual(fired(wm, [deleted('/a'), created('/a'), created('/a/x'), childrenChanged('/a'), created('/a/y'), childrenChanged('/a')]), [
      [1, NodeDeleted, '/a'],
      [1, NodeCreated, '/a'],
      [1, NodeCreated, '/a/x'],
      [1, NodeChildrenChanged, '/a'],
      [1, NodeCreated, '/a/y'],
    ]);
  });
});

describe('WatchManager persistent watches', () => {
  test('a persistent watch sees its node and its children list, and stays', () => {
    const wm = manager();
    wm.addPersistentWatch(1, '/p', false);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(fired(wm, [created('/p'), dataChanged('/p'), childrenChanged('/p'), deleted('/p')]), [
        [1, NodeCreated, '/p'],
        [1, NodeDataChanged, '/p'],
        [1, NodeChildrenChanged, '/p'],
        [1, NodeDeleted, '/p'],
      ]);
    }
    assert.deepEqual(fired(wm, [created('/p/c'), dataChanged('/p/c'), childrenChanged('/')]), [], 'not recursive');
    assert.equal(wm.watchCount(1), 1);
  });

  test('a recursive watch sees its node and every node below, never child-list events, and stays', () => {
    const wm = manager();
    wm.addPersistentWatch(1, '/p', true);
    const changes = [created('/p'), created('/p/a'), childrenChanged('/p'), dataChanged('/p/a/b/c'), deleted('/p/a'), created('/q'), created('/pp')];
    const expected: Array<[number, number, string]> = [
      [1, NodeCreated, '/p'],
      [1, NodeCreated, '/p/a'],
      [1, NodeDataChanged, '/p/a/b/c'],
      [1, NodeDeleted, '/p/a'],
    ];
    assert.deepEqual(fired(wm, changes), expected);
    assert.deepEqual(fired(wm, changes), expected);
  });

  test('a recursive watch on / sees everything', () => {
    const wm = manager();
    wm.addPersistentWatch(7, '/', true);
    assert.deepEqual(fired(wm, [created('/x'), childrenChanged('/'), dataChanged('/')]), [[7, NodeCreated, '/x'], [7, NodeDataChanged, '/']]);
  });
});

describe('WatchManager removal and limits', () => {
  test('removeWatches takes off the given type and reports whether anything matched', () => {
    const wm = manager();
    wm.addDataWatch(1, '/a');
    wm.addChildWatch(1, '/a');
    wm.addPersistentWatch(1, '/a', false);
    wm.addPersistentWatch(1, '/a', true);
    assert.equal(wm.removeWatches(1, '/a', WatcherType.Data), true);
    assert.equal(wm.removeWatches(1, '/a', WatcherType.Data), false);
    assert.equal(wm.removeWatches(2, '/a', WatcherType.Children), false);
    assert.equal(wm.removeWatches(1, '/a', WatcherType.Children), true);
    assert.equal(wm.removeWatches(1, '/a', WatcherType.Persistent), true);
    assert.equal(wm.removeWatches(1, '/a', WatcherType.PersistentRecursive), true);
    assert.equal(wm.watchCount(), 0);
    wm.addDataWatch(1, '/b');
    wm.addPersistentWatch(1, '/b', true);
    assert.equal(wm.removeWatches(1, '/b', WatcherType.Any), true);
    assert.equal(wm.removeWatches(1, '/b', WatcherType.Any), false);
    assert.deepEqual(fired(wm, [created('/b'), deleted('/b')]), []);
  });

  test('holdsWatch (checkWatches) says whether the session has a watch of the type there, and removes nothing', () => {
    const wm = manager();
    wm.addExistWatch(1, '/a');
    wm.addChildWatch(1, '/c');
    wm.addPersistentWatch(1, '/p', false);
    wm.addPersistentWatch(1, '/r', true);
    assert.deepEqual([WatcherType.Data, WatcherType.Children, WatcherType.Any].map((t) => wm.holdsWatch(1, '/a', t)), [true, false, true]);
    assert.deepEqual([WatcherType.Data, WatcherType.Children, WatcherType.Any].map((t) => wm.holdsWatch(1, '/c', t)), [false, true, true]);
    assert.equal(wm.holdsWatch(2, '/a', WatcherType.Any), false);
    assert.equal(wm.holdsWatch(1, '/other', WatcherType.Any), false);
    // As in ZooKeeper, which registers a persistent or recursive watch in both its data and child tables.
    for (const path of ['/p', '/r']) {
      assert.equal(wm.holdsWatch(1, path, WatcherType.Data), true, path);
      assert.equal(wm.holdsWatch(1, path, WatcherType.Children), true, path);
    }
    assert.deepEqual([wm.holdsWatch(1, '/p', WatcherType.Persistent), wm.holdsWatch(1, '/p', WatcherType.PersistentRecursive)], [true, false]);
    assert.deepEqual([wm.holdsWatch(1, '/r', WatcherType.Persistent), wm.holdsWatch(1, '/r', WatcherType.PersistentRecursive)], [false, true]);
    assert.equal(wm.watchCount(), 4);
    assert.deepEqual(fired(wm, [created('/a')]), [[1, NodeCreated, '/a']]);
  });

  test('removeSession drops every watch of that session only', () => {
    const wm = manager();
    wm.addDataWatch(1, '/a');
    wm.addChildWatch(1, '/a');
    wm.addPersistentWatch(1, '/', true);
    wm.addDataWatch(2, '/a');
    wm.removeSession(1);
    assert.equal(wm.watchCount(1), 0);
    assert.equal(wm.watchCount(), 1);
    assert.deepEqual(fired(wm, [dataChanged('/a')]), [[2, NodeDataChanged, '/a']]);
  });

  test('watchCount counts each (session, kind, path) once; a change fires each watching session once', () => {
    const wm = manager();
    wm.addDataWatch(1, '/a');
    wm.addExistWatch(1, '/a');
    wm.addChildWatch(1, '/a');
    wm.addDataWatch(2, '/a');
    wm.addPersistentWatch(2, '/b', false);
    assert.equal(wm.watchCount(1), 2);
    assert.equal(wm.watchCount(2), 2);
    assert.equal(wm.watchCount(), 4);
    assert.deepEqual(fired(wm, [deleted('/a'), dataChanged('/b')]), [[1, NodeDeleted, '/a'], [2, NodeDeleted, '/a'], [2, NodeDataChanged, '/b']]);
    assert.equal(wm.watchCount(), 1, 'the one-shot watches on /a are consumed, the persistent one on /b stays');
  });

  test('exceeding watchesPerSessionMax throws WatchLimitError; re-adding an existing watch does not', () => {
    const wm = manager(2);
    wm.addDataWatch(1, '/a');
    wm.addChildWatch(1, '/a');
    wm.addDataWatch(1, '/a');
    assert.throws(() => wm.addDataWatch(1, '/b'), WatchLimitError);
    assert.throws(() => wm.addPersistentWatch(1, '/b', true), WatchLimitError);
    wm.addDataWatch(2, '/b');
    assert.equal(wm.watchCount(1), 2);
    fired(wm, [dataChanged('/a')]);
    wm.addDataWatch(1, '/b');
    assert.equal(wm.watchCount(1), 2);
  });
});

describe('WatchManager setWatches', () => {
  function create(path: string): CreateTxn {
    return { type: 'create', path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], kind: 'persistent', ephemeralOwner: 0, ttlMs: 0 };
  }
  /** zxids: /old and /parent created at 1-2, /parent/kid at 3, /changed created at 4 and set at 5 (client saw zxid 4). */
  function tree(): DataTree {
    const t = new DataTree();
    const bodies: TxnBody[] = [create('/old'), create('/parent'), create('/parent/kid'), create('/changed'), { type: 'setData', path: '/changed', data: new Uint8Array(1) }];
    bodies.forEach((body, i) => t.apply({ zxid: i + 1, time: 0, sessionId: 0, xid: 0, body }));
    return t;
  }
  const req = (partial: Partial<SetWatchesRequest>): SetWatchesRequest => ({
    relativeZxid: 4, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [], ...partial,
  });

  test('fires what the client missed with the tree zxid and registers the rest', () => {
    const wm = manager();
    const t = tree();
    const events = wm.setWatches(9, req({
      dataWatches: ['/gone', '/changed', '/old'],
      existWatches: ['/old', '/notyet'],
      childWatches: ['/gone2', '/parent', '/old'],
      persistentWatches: ['/p1'],
      persistentRecursiveWatches: ['/r1'],
    }), t);
    assert.deepEqual(events.map((e) => [e.type, e.path]), [
      [NodeDeleted, '/gone'],
      [NodeDataChanged, '/changed'],
      [NodeCreated, '/old'],
      [NodeDeleted, '/gone2'],
    ]);
    for (const e of events) {
      assert.equal(e.zxid, 5);
      assert.equal(e.state, KeeperState.SyncConnected);
    }
    // Registered: data /old, exist /notyet, child /parent (pzxid 3 ≤ 4) and /old, persistent /p1, recursive /r1.
    assert.equal(wm.watchCount(9), 6);
    assert.deepEqual(fired(wm, [dataChanged('/old'), created('/notyet'), childrenChanged('/parent'), childrenChanged('/p1'), created('/r1/x')]), [
      [9, NodeDataChanged, '/old'],
      [9, NodeCreated, '/notyet'],
      [9, NodeChildrenChanged, '/parent'],
      [9, NodeChildrenChanged, '/p1'],
      [9, NodeCreated, '/r1/x'],
    ]);
  });

  test('a child watch fires NodeChildrenChanged when pzxid is newer than the client', () => {
    const wm = manager();
    const events = wm.setWatches(9, req({ relativeZxid: 2, childWatches: ['/parent'] }), tree());
    assert.deepEqual(events.map((e) => [e.type, e.path]), [[NodeChildrenChanged, '/parent']]);
    assert.equal(wm.watchCount(9), 0);
  });

  test('is all or nothing under the watch limit', () => {
    const wm = manager(2);
    assert.throws(() => wm.setWatches(9, req({ persistentWatches: ['/a', '/b', '/c'] }), tree()), WatchLimitError);
    assert.equal(wm.watchCount(9), 0);
    wm.setWatches(9, req({ persistentWatches: ['/a', '/b', '/a'] }), tree());
    assert.equal(wm.watchCount(9), 2);
  });
});
