// Null znode data (ZooKeeper's null buffer) stays null, and empty data stays empty, wherever data is
// copied or serialised: the tree and its digest, txn log records of every engine, snapshots on disk and in
// archives, proposals and SNAPs on the peer wire, forwarded writes and the msgpack client codec. nil is
// accepted where data goes and refused everywhere else.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMode, NULL_DATA, OPEN_ACL_UNSAFE, OpCode, decodeRequest, encode, isNullData, txnFromWire, txnToWire,
  type MultiSubTxn, type Request, type Txn, type TxnBody,
} from '../../protocol/index.js';
import { CorruptStorageError, readSnapshotArchive, snapshotArchiveChunks } from '../../src/storage/index.js';
import { asTxn, decodePayload, encodeValue } from '../../src/storage/record.js';
import { decodeFrame, encodeMessage } from '../../src/transport/codec.js';
import { DataTree, snapshotNodeReviver, type TreeSnapshot } from '../../src/tree/index.js';
import { asPeerMessage, peerMessageToWire, type PeerMessage } from '../../src/zab/index.js';
import { asLearnerPayload, learnerPayloadToWire } from '../../src/replica/forwarding.js';
import { connectedClient, ensembleWithFollower } from '../support/replica-harness.js';
import { levelImpl, memoryImpl, segmentFilesImpl, segmentMemoryImpl } from '../support/storage-subjects.js';
import { apply, bytes, create } from '../support/tree-txns.js';

const EMPTY = (): Uint8Array => new Uint8Array(0) as Uint8Array;
const LIMITS = { maxDataBytes: 1024 };

function txn(zxid: number, body: TxnBody): Txn {
  return { zxid, time: 1_700_000_000_000, sessionId: 0, xid: zxid, body };
}

/** Creates and sets of every kind: null and empty data, top level and in a multi. */
function sampleTxns(): Txn[] {
  const subs: MultiSubTxn[] = [
    create('/m-null', { data: NULL_DATA }), create('/m-empty', { data: EMPTY() }),
    { type: 'setData', path: '/a', data: NULL_DATA }, { type: 'check', path: '/a' },
  ];
  return [
    txn(1, create('/a', { data: NULL_DATA })),
    txn(2, create('/b', { data: EMPTY() })),
    txn(3, { type: 'setData', path: '/b', data: NULL_DATA }),
    txn(4, { type: 'setData', path: '/a', data: bytes('x') }),
    txn(5, { type: 'multi', txns: subs }),
  ];
}

/** Where each sample txn holds data: null or not, in order (multi sub-txns included). */
function nullness(txns: readonly Txn[]): boolean[] {
  const of = (b: TxnBody): boolean[] => (b.type === 'multi' ? b.txns.flatMap(of) : 'data' in b ? [isNullData(b.data)] : []);
  return txns.flatMap((t) => of(t.body));
}
const SAMPLE_NULLNESS = [true, false, true, false, true, false, true];

/** The tree the sample txns build: /a null, /b null, /m-null null, /m-empty empty. */
function sampleTree(): DataTree {
  const tree = new DataTree();
  for (const t of sampleTxns()) assert.equal(tree.apply(t).err, 0);
  return tree;
}

function assertSampleTree(tree: DataTree, where: string): void {
  for (const [path, isNull] of [['/a', true], ['/b', true], ['/m-null', true], ['/m-empty', false]] as const) {
    const node = tree.getNode(path);
    assert.ok(node !== undefined, `${where}: ${path} exists`);
    assert.equal(isNullData(node.data), isNull, `${where}: ${path} data is ${isNull ? 'null' : 'empty, not null'}`);
    assert.equal(node.data.byteLength, 0);
    assert.equal(node.stat.dataLength, 0);
  }
}

describe('null data: the tree', () => {
  test('create and setData with null data read back null with dataLength 0; real bytes make it non-null and null again', () => {
    const tree = new DataTree();
    apply(tree, create('/n', { data: NULL_DATA }));
    apply(tree, create('/e', { data: EMPTY() }));
    assert.equal(tree.getNode('/n')?.data, NULL_DATA);
    assert.equal(tree.getNode('/n')?.stat.dataLength, 0);
    assert.equal(isNullData(tree.getNode('/e')!.data), false, 'empty data is not null');
    apply(tree, { type: 'setData', path: '/n', data: bytes('abc') });
    assert.deepEqual(tree.getNode('/n')?.data, bytes('abc'));
    assert.equal(tree.getNode('/n')?.stat.dataLength, 3);
    apply(tree, { type: 'setData', path: '/n', data: NULL_DATA });
    assert.equal(tree.getNode('/n')?.data, NULL_DATA, 'setData null after bytes');
    assert.equal(tree.getNode('/n')?.stat.version, 2);
    apply(tree, { type: 'setData', path: '/n', data: EMPTY() });
    assert.equal(isNullData(tree.getNode('/n')!.data), false, 'setData empty after null');
  });

  test('a multi creates and sets null data; the digest tells null from empty; a snapshot keeps it', () => {
    const tree = sampleTree();
    assertSampleTree(tree, 'applied');
    const other = new DataTree();
    for (const t of sampleTxns()) {
      const body: TxnBody = t.body.type === 'create' || t.body.type === 'setData' ? { ...t.body, data: isNullData(t.body.data) ? EMPTY() : t.body.data } : t.body;
      other.apply({ ...t, body });
    }
    assert.notEqual(other.digest(), tree.digest(), 'the same tree with empty instead of null data has another digest');
    const copy = DataTree.fromSnapshot(tree.snapshot());
    assertSampleTree(copy, 'fromSnapshot');
    assert.equal(copy.digest(), tree.digest());
  });
});

describe('null data: txns as msgpack carries them', () => {
  test('txnToWire writes nil only for null data and returns a txn without null data itself', () => {
    const plain = txn(9, create('/p', { data: bytes('v') }));
    assert.equal(txnToWire(plain), plain);
    assert.equal(txnFromWire(plain), plain);
    const wire = sampleTxns().map(txnToWire);
    assert.equal((wire[0]!.body as { data: unknown }).data, null);
    assert.ok((wire[1]!.body as { data: unknown }).data instanceof Uint8Array);
    assert.deepEqual(nullness(wire.map(txnFromWire)), SAMPLE_NULLNESS);
  });

  test('a txn log record decodes null data as null and empty data as empty', () => {
    const read = sampleTxns().map((t) => asTxn('log/x', t.zxid, decodePayload('log/x', encodeValue(txnToWire(t)))));
    assert.deepEqual(nullness(read), SAMPLE_NULLNESS);
    // Without the wire form, a null would be written as an empty binary and read back as empty data.
    const lost = sampleTxns().map((t) => asTxn('log/x', t.zxid, decodePayload('log/x', encodeValue(t))));
    assert.deepEqual(nullness(lost), SAMPLE_NULLNESS.map(() => false));
  });

  test('a stored txn whose data is neither binary nor nil, or whose type is unknown, is corrupt', () => {
    const bad: unknown[] = [
      { ...txn(1, create('/a')), body: { ...create('/a'), data: 'text' } },
      { ...txn(1, create('/a')), body: { type: 'setData', path: '/a' } },
      { ...txn(1, create('/a')), body: { type: 'multi', txns: [{ type: 'create', path: '/a', data: 7 }] } },
      { ...txn(1, create('/a')), body: { type: 'multi', txns: [{ type: 'setACL', path: '/a', data: null }] } },
      { ...txn(1, create('/a')), body: { type: 'bogus', data: null } },
    ];
    for (const value of bad) assert.throws(() => asTxn('log/x', 1, value), CorruptStorageError);
  });
});

describe('null data: storage engines', () => {
  for (const impl of [levelImpl, memoryImpl, segmentFilesImpl, segmentMemoryImpl]) {
    test(`${impl.name}: log replay and snapshots (with and without a reviver) keep null apart from empty`, async () => {
      const s = await impl.subject();
      try {
        let store = await s.open();
        await store.recover();
        for (const t of sampleTxns()) await store.append(t);
        await store.close();
        store = await s.open();
        const replayed = await store.recover();
        assert.deepEqual(nullness(replayed.txns), SAMPLE_NULLNESS, 'replayed log');
        await store.writeSnapshot(sampleTree().snapshot());
        await store.close();
        for (const reviveSnapshotNode of [undefined, snapshotNodeReviver()]) {
          store = await s.open(reviveSnapshotNode === undefined ? {} : { reviveSnapshotNode });
          const { snapshot } = await store.recover();
          await store.close();
          assert.ok(snapshot !== undefined);
          assertSampleTree(DataTree.fromSnapshot(snapshot as TreeSnapshot), `snapshot, ${reviveSnapshotNode === undefined ? 'plain' : 'revived'}`);
        }
      } finally {
        await s.dispose();
      }
    });
  }

  test('a snapshot archive (admin snapshot, canopy-admin restore) keeps null apart from empty', async () => {
    const parts: Uint8Array[] = [];
    for await (const part of snapshotArchiveChunks(sampleTree().snapshot(), { createdAtMs: 1 })) parts.push(part);
    const read = await readSnapshotArchive<TreeSnapshot>(Buffer.concat(parts));
    assertSampleTree(DataTree.fromSnapshot(read), 'archive');
  });
});

/** Through the peer transport's msgpack both ways, then the receiver's shape check. */
function carried(message: PeerMessage<TreeSnapshot>): PeerMessage<TreeSnapshot> | undefined {
  return asPeerMessage<TreeSnapshot>(decodeFrame(encodeMessage(peerMessageToWire(message))));
}

describe('null data: peer messages', () => {
  test('proposals and a DIFF carry null data as null', () => {
    const proposal = carried({ type: 'proposal', session: 1, seq: 0, txns: sampleTxns() });
    assert.ok(proposal?.type === 'proposal');
    assert.deepEqual(nullness(proposal.txns), SAMPLE_NULLNESS);
    const diff = carried({ type: 'sync', session: 1, seq: 0, epoch: 1, mode: 'diff', fromZxid: 0, commitZxid: 5, txns: sampleTxns() });
    assert.ok(diff?.type === 'sync');
    assert.deepEqual(nullness(diff.txns), SAMPLE_NULLNESS);
  });

  test('a SNAP carries null data as null', () => {
    const tree = sampleTree();
    const snap = carried({ type: 'sync', session: 1, seq: 0, epoch: 1, mode: 'snap', fromZxid: tree.lastZxid, commitZxid: tree.lastZxid, txns: [], snapshot: tree.snapshot() });
    assert.ok(snap?.type === 'sync' && snap.snapshot !== undefined);
    assertSampleTree(DataTree.fromSnapshot(snap.snapshot), 'SNAP');
  });

  test('nil is refused everywhere but where data goes', () => {
    const createSession: TxnBody = { type: 'createSession', sessionId: 5, timeoutMs: 1000, passwd: bytes('p') };
    const wire = (body: Record<string, unknown>): unknown => ({ type: 'proposal', session: 1, seq: 0, txns: [{ ...txn(1, create('/a')), body }] });
    const refused: unknown[] = [
      wire({ ...createSession, passwd: null }),
      wire({ ...create('/a'), path: null }),
      wire({ ...create('/a'), acl: null }),
      wire({ ...create('/a'), acl: [null] }),
      wire({ type: 'setACL', path: '/a', acl: null }),
      { type: 'proposal', session: 1, seq: 0, txns: [null] },
      { ...(wire(create('/a') as unknown as Record<string, unknown>) as object), session: null },
    ];
    for (const m of refused) assert.equal(asPeerMessage(decodeFrame(encodeMessage(m))), undefined, JSON.stringify(m));
    assert.ok(asPeerMessage(decodeFrame(encodeMessage(wire({ ...create('/a'), data: null })))) !== undefined, 'nil data is null data');
    const tree = sampleTree();
    const nodes = tree.snapshot().nodes.map((n) => decodeFrame(encodeMessage(n)));
    const sessions = [{ sessionId: 5, timeoutMs: 1000, passwd: null }];
    const snap = { type: 'sync', session: 1, seq: 0, epoch: 1, mode: 'snap', fromZxid: tree.lastZxid, commitZxid: tree.lastZxid, txns: [], snapshot: { zxid: tree.lastZxid, nodes, sessions } };
    assert.equal(asPeerMessage(decodeFrame(encodeMessage(snap))), undefined, 'a session password may not be nil');
    assert.ok(asPeerMessage(decodeFrame(encodeMessage({ ...snap, snapshot: { ...snap.snapshot, sessions: [] } }))) !== undefined);
  });
});

describe('null data: forwarded writes and the msgpack client codec', () => {
  const createReq = (data: Uint8Array): Omit<Request, 'xid'> => ({ op: OpCode.create, path: '/f', data, acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT } as Omit<Request, 'xid'>);

  test('a forwarded create, setData and multi keep null data apart from empty', () => {
    const requests = [
      { ...createReq(NULL_DATA) }, { ...createReq(EMPTY()) },
      { op: OpCode.setData, path: '/f', data: NULL_DATA, version: -1 },
      { op: OpCode.multi, ops: [{ ...createReq(NULL_DATA) }, { op: OpCode.setData, path: '/f', data: EMPTY(), version: -1 }] },
    ];
    const dataOf = (r: unknown): boolean[] => {
      const req = r as { data?: Uint8Array; ops?: Array<{ data: Uint8Array }> };
      return req.ops !== undefined ? req.ops.map((o) => isNullData(o.data)) : [isNullData(req.data!)];
    };
    const read = requests.map((request) => {
      const payload = { kind: 'write', sessionId: 7, xid: 1, ids: [], request: { xid: 1, ...request } } as const;
      const back = asLearnerPayload(decodeFrame(encodeMessage(learnerPayloadToWire(payload as never))), LIMITS);
      assert.ok(back?.kind === 'write');
      return dataOf(back.request);
    });
    assert.deepEqual(read, [[true], [false], [true], [true, false]]);
  });

  test('a client frame with nil data asks for null data; a missing data field is empty data', () => {
    const withNil = decodeRequest(encode({ xid: 1, ...createReq(NULL_DATA), data: null }), LIMITS);
    assert.ok(withNil.ok && 'data' in withNil.value);
    assert.equal(withNil.value.data, NULL_DATA);
    const { data: _omitted, ...withoutData } = createReq(EMPTY()) as unknown as Record<string, unknown>;
    const missing = decodeRequest(encode({ xid: 1, ...withoutData }), LIMITS);
    assert.ok(missing.ok && 'data' in missing.value);
    assert.equal(isNullData(missing.value.data), false);
    const nilPath = decodeRequest(encode({ xid: 1, ...createReq(EMPTY()), path: null }), LIMITS);
    assert.equal(nilPath.ok, false, 'nil path is refused');
  });

  test('a follower forwards a client\'s null-data create and every replica applies null data', () => {
    const { e, leader, follower } = ensembleWithFollower();
    const c = connectedClient(e, follower);
    const nul = c.create('/null', CreateMode.PERSISTENT, NULL_DATA);
    const empty = c.create('/empty', CreateMode.PERSISTENT, EMPTY());
    const multi = c.request({ op: OpCode.multi, ops: [{ op: OpCode.setData, path: '/empty', data: NULL_DATA, version: -1 }, { ...createReq(EMPTY()), path: '/m' }] } as Omit<Request, 'xid'>);
    e.settle();
    for (const xid of [nul, empty, multi]) assert.equal(c.answer(xid)?.err, 0);
    for (const r of e.all) {
      assert.equal(r.replica.tree.getNode('/null')?.data, NULL_DATA, `server ${r.id}: /null`);
      assert.equal(r.replica.tree.getNode('/empty')?.data, NULL_DATA, `server ${r.id}: /empty after the multi's setData`);
      assert.equal(isNullData(r.replica.tree.getNode('/m')!.data), false, `server ${r.id}: /m is empty, not null`);
    }
    assert.equal(leader.replica.tree.digest(), follower.replica.tree.digest());
  });
});
