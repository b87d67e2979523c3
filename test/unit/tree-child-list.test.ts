// ChildList: linked order is kept whether the names sit in the array or, after the first removal, in the Set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildList } from '../../src/tree/child-list.js';
import { TreeInvariantError } from '../../src/tree/errors.js';

test('names come back in linked order, before and after the first removal, and removal of an unknown name is refused', () => {
  const list = new ChildList();
  for (const n of ['c', 'a', 'b', 'd']) list.add(n);
  assert.deepEqual([...list], ['c', 'a', 'b', 'd']);
  assert.equal(list.size, 4);
  list.remove('a');
  assert.deepEqual([...list], ['c', 'b', 'd']);
  list.add('a');
  list.add('e');
  assert.deepEqual([...list], ['c', 'b', 'd', 'a', 'e']);
  assert.equal(list.size, 5);
  assert.throws(() => list.remove('zz'), TreeInvariantError);
  for (const n of ['c', 'b', 'd', 'a', 'e']) list.remove(n);
  assert.equal(list.size, 0);
  assert.deepEqual([...list], []);
  // A list still in its array form refuses too.
  assert.throws(() => new ChildList().remove('x'), TreeInvariantError);
});
