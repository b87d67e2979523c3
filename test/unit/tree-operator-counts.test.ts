// The counts operators read from the tree (mntr's zk_approximate_data_size and zk_ephemerals_count): kept
// as txns apply, and the same after a snapshot round trip as counted from scratch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataTree } from '../../src/tree/index.js';
import { apply, bytes, create } from '../support/tree-txns.js';

/** Path and data bytes of every node, counted the slow way. */
function countFromScratch(tree: DataTree): number {
  let total = 0;
  for (const n of tree.snapshot().nodes) total += n.path.length + ('data' in n ? (n.data?.length ?? 0) : n.dataLength);
  return total;
}

describe('tree: operator counts', () => {
  test('approximate data size and ephemeral count follow creates, sets and deletes, and survive a snapshot', () => {
    const tree = new DataTree();
    const base = tree.approximateDataSize;
    assert.equal(base, countFromScratch(tree));
    apply(tree, create('/a', { data: bytes('12345') }));
    apply(tree, create('/a/e', { data: bytes('xy'), kind: 'ephemeral', ephemeralOwner: 7 }));
    apply(tree, create('/a/f', { kind: 'ephemeral', ephemeralOwner: 8 }));
    assert.equal(tree.approximateDataSize, base + '/a'.length + 5 + '/a/e'.length + 2 + '/a/f'.length);
    assert.equal(tree.ephemeralCount, 2);
    apply(tree, { type: 'setData', path: '/a', data: bytes('1') });
    assert.equal(tree.approximateDataSize, countFromScratch(tree));
    apply(tree, { type: 'delete', path: '/a/e' });
    assert.equal(tree.ephemeralCount, 1);
    assert.equal(tree.approximateDataSize, countFromScratch(tree));
    const copy = DataTree.fromSnapshot(tree.snapshot());
    assert.equal(copy.approximateDataSize, tree.approximateDataSize);
    assert.equal(copy.ephemeralCount, 1);
  });
});
