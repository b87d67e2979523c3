import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventType, KeeperState, WatcherType } from '../../protocol/index.js';
import type { WatchedEvent } from '../../protocol/index.js';
import { WatchRegistry } from '../../client/watches.js';
import type { Watcher } from '../../client/watches.js';

function event(type: EventType, path: string): WatchedEvent {
  return { type, state: KeeperState.SyncConnected, path, zxid: 5 };
}

function named(log: string[], name: string): Watcher {
  return (e) => log.push(`${name}:${e.type}:${e.path}`);
}

describe('WatchRegistry dispatch', () => {
  test('NodeDataChanged and NodeCreated reach data and exist watchers, once', () => {
    const r = new WatchRegistry();
    const d = (): void => {};
    const x = (): void => {};
    const c = (): void => {};
    r.add('data', '/a', d);
    r.add('exist', '/a', x);
    r.add('child', '/a', c);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a')), [d, x]);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a')), [], 'one-shot watchers are gone');
    r.add('exist', '/a', x);
    assert.deepEqual(r.triggered(event(EventType.NodeCreated, '/a')), [x]);
    assert.deepEqual(r.triggered(event(EventType.NodeChildrenChanged, '/a')), [c], 'the child watch was untouched');
  });

  test('NodeChildrenChanged reaches only child watchers', () => {
    const r = new WatchRegistry();
    const d = (): void => {};
    const c = (): void => {};
    r.add('data', '/a', d);
    r.add('child', '/a', c);
    assert.deepEqual(r.triggered(event(EventType.NodeChildrenChanged, '/a')), [c]);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a')), [d]);
  });

  test('NodeDeleted reaches data, exist and child watchers', () => {
    const r = new WatchRegistry();
    const d = (): void => {};
    const x = (): void => {};
    const c = (): void => {};
    r.add('data', '/a', d);
    r.add('exist', '/a', x);
    r.add('child', '/a', c);
    assert.deepEqual(new Set(r.triggered(event(EventType.NodeDeleted, '/a'))), new Set([d, x, c]));
    assert.equal(r.size, 0);
  });

  test('the same callback on one path and kind is held once; across kinds it fires once per event', () => {
    const r = new WatchRegistry();
    const w = (): void => {};
    r.add('data', '/a', w);
    r.add('data', '/a', w);
    r.add('exist', '/a', w);
    r.add('child', '/a', w);
    assert.deepEqual(r.triggered(event(EventType.NodeDeleted, '/a')), [w]);
  });

  test('events on other paths do not fire', () => {
    const r = new WatchRegistry();
    r.add('data', '/a', () => {});
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/b')), []);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a/b')), []);
    assert.equal(r.size, 1);
  });

  test('persistent watchers fire on data and child events of the path and stay', () => {
    const r = new WatchRegistry();
    const p = (): void => {};
    r.add('persistent', '/a', p);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a')), [p]);
    assert.deepEqual(r.triggered(event(EventType.NodeChildrenChanged, '/a')), [p]);
    assert.deepEqual(r.triggered(event(EventType.NodeDeleted, '/a')), [p]);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/a/b')), [], 'not recursive');
    assert.equal(r.size, 1);
  });

  test('recursive watchers fire for the path and every descendant, but not on child events', () => {
    const r = new WatchRegistry();
    const root = (): void => {};
    const app = (): void => {};
    r.add('persistentRecursive', '/', root);
    r.add('persistentRecursive', '/app', app);
    assert.deepEqual(r.triggered(event(EventType.NodeCreated, '/app/x/y')), [app, root]);
    assert.deepEqual(r.triggered(event(EventType.NodeDeleted, '/app')), [app, root]);
    assert.deepEqual(r.triggered(event(EventType.NodeDataChanged, '/other')), [root]);
    assert.deepEqual(r.triggered(event(EventType.NodeChildrenChanged, '/app')), []);
  });

  test('state events and unknown types fire nothing', () => {
    const r = new WatchRegistry();
    r.add('data', '/a', () => {});
    assert.deepEqual(r.triggered(event(EventType.None, '/a')), []);
    assert.equal(r.size, 1);
  });
});

describe('WatchRegistry removal and snapshot', () => {
  test('remove one watcher of a type, with the removal event for each', () => {
    const r = new WatchRegistry();
    const a = (): void => {};
    const b = (): void => {};
    r.add('data', '/p', a);
    r.add('exist', '/q', a);
    r.add('data', '/p', b);
    r.add('child', '/p', a);
    assert.equal(r.has('/p', a, WatcherType.Data), true);
    assert.equal(r.wouldEmpty('/p', a, WatcherType.Data), false, 'b still needs the data watch');
    assert.deepEqual(r.remove('/p', a, WatcherType.Data), [{ watcher: a, type: EventType.DataWatchRemoved }]);
    assert.equal(r.has('/p', a, WatcherType.Data), false);
    assert.equal(r.has('/p', a, WatcherType.Children), true);
    assert.equal(r.wouldEmpty('/p', b, WatcherType.Data), true);
  });

  test('remove all with null, and Any covers every kind', () => {
    const r = new WatchRegistry();
    const a = (): void => {};
    const b = (): void => {};
    r.add('data', '/p', a);
    r.add('child', '/p', b);
    r.add('persistent', '/p', b);
    r.add('persistentRecursive', '/p', a);
    const removed = r.remove('/p', null, WatcherType.Any);
    assert.deepEqual(
      removed.map((x) => x.type).sort(),
      [EventType.ChildWatchRemoved, EventType.DataWatchRemoved, EventType.PersistentWatchRemoved, EventType.PersistentWatchRemoved].sort(),
    );
    assert.equal(r.size, 0);
    assert.equal(r.has('/p', null, WatcherType.Any), false);
  });

  test('snapshot lists the watched paths by kind', () => {
    const r = new WatchRegistry();
    const w = (): void => {};
    r.add('data', '/d', w);
    r.add('exist', '/e', w);
    r.add('child', '/c', w);
    r.add('persistent', '/p', w);
    r.add('persistentRecursive', '/r', w);
    assert.deepEqual(r.snapshot(), {
      dataWatches: ['/d'],
      existWatches: ['/e'],
      childWatches: ['/c'],
      persistentWatches: ['/p'],
      persistentRecursiveWatches: ['/r'],
    });
  });

  test('drain returns every distinct watcher once and empties the registry', () => {
    const r = new WatchRegistry();
    const log: string[] = [];
    const a = named(log, 'a');
    const b = named(log, 'b');
    r.add('data', '/x', a);
    r.add('child', '/y', a);
    r.add('persistent', '/z', b);
    assert.deepEqual(r.drain(), [a, b]);
    assert.equal(r.size, 0);
    assert.deepEqual(r.snapshot().persistentWatches, []);
  });
});
