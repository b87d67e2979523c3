import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, ErrorCode, OPEN_ACL_UNSAFE, OpCode, READ_ACL_UNSAFE } from '../../protocol/index.js';
import type { MultiOp, OpResult } from '../../protocol/index.js';
import { KeeperError, Op, Transaction } from '../../client/index.js';
import { multiError } from '../../client/errors.js';
import { checkCreate, checkMultiOp, checkOpCount, checkPath, checkVersion } from '../../client/validate.js';

const utf8 = new TextEncoder();

describe('Op builders', () => {
  test('create picks the opcode from the mode and defaults acl and mode', () => {
    assert.deepEqual(Op.create('/a', 'v'), { op: OpCode.create2, path: '/a', data: utf8.encode('v'), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT });
    assert.equal(Op.create('/c', undefined, { mode: CreateMode.CONTAINER }).op, OpCode.createContainer);
    const ttl = Op.create('/t', new Uint8Array([1]), { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 500, acl: READ_ACL_UNSAFE });
    assert.deepEqual(ttl, { op: OpCode.createTTL, path: '/t', data: new Uint8Array([1]), acl: [...READ_ACL_UNSAFE], mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 500 });
  });

  test('bytes are passed through without a copy', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const op = Op.setData('/a', bytes);
    assert.ok(op.op === OpCode.setData && op.data === bytes);
  });

  test('delete, setData and check', () => {
    assert.deepEqual(Op.delete('/a'), { op: OpCode.delete, path: '/a', version: -1 });
    assert.deepEqual(Op.delete('/a', 3), { op: OpCode.delete, path: '/a', version: 3 });
    assert.deepEqual(Op.setData('/a', 'x', 2), { op: OpCode.setData, path: '/a', data: utf8.encode('x'), version: 2 });
    assert.deepEqual(Op.check('/a', 1), { op: OpCode.check, path: '/a', version: 1 });
  });

  test('read ops for multiRead', () => {
    assert.deepEqual(Op.getData('/a'), { op: OpCode.getData, path: '/a' });
    assert.deepEqual(Op.getChildren('/a'), { op: OpCode.getChildren2, path: '/a' });
    assert.deepEqual(Op.exists('/a'), { op: OpCode.exists, path: '/a' });
  });

  test('Transaction collects ops in order and commits them once', async () => {
    let seen: MultiOp[] = [];
    const tx = new Transaction(async (ops) => {
      seen = ops;
      return ops.map((o) => ({ op: o.op, err: ErrorCode.OK }));
    });
    const results = await tx.create('/a', 'x').delete('/b').setData('/c', 'y', 4).check('/d', 1).commit();
    assert.deepEqual(seen.map((o) => [o.op, o.path]), [
      [OpCode.create2, '/a'],
      [OpCode.delete, '/b'],
      [OpCode.setData, '/c'],
      [OpCode.check, '/d'],
    ]);
    assert.equal(results.length, 4);
  });
});

describe('multi result → KeeperError', () => {
  test('code and path of the first failing op, results attached', () => {
    const results: OpResult[] = [
      { op: OpCode.check, err: ErrorCode.OK },
      { op: OpCode.create2, err: ErrorCode.NODEEXISTS },
      { op: OpCode.setData, err: ErrorCode.RUNTIMEINCONSISTENCY },
    ];
    const e = multiError(ErrorCode.NODEEXISTS, results, ['/a', '/b', '/c']);
    assert.ok(e instanceof KeeperError);
    assert.equal(e.code, ErrorCode.NODEEXISTS);
    assert.equal(e.path, '/b');
    assert.equal(e.results, results);
    assert.equal(e.message, 'NODEEXISTS: /b');
  });

  test('the failing op wins over the response code, which is the fallback', () => {
    const results: OpResult[] = [{ op: OpCode.delete, err: ErrorCode.BADVERSION }, { op: OpCode.delete, err: ErrorCode.RUNTIMEINCONSISTENCY }];
    assert.equal(multiError(ErrorCode.SYSTEMERROR, results, ['/a', '/b']).code, ErrorCode.BADVERSION);
    const none = multiError(ErrorCode.MARSHALLINGERROR, undefined, ['/a']);
    assert.equal(none.code, ErrorCode.MARSHALLINGERROR);
    assert.equal(none.path, undefined);
    assert.deepEqual(none.results, []);
  });
});

describe('KeeperError', () => {
  test('readable message, typed code, is()', () => {
    const e = new KeeperError(ErrorCode.NONODE, '/a/b');
    assert.equal(e.message, 'NONODE: /a/b');
    assert.equal(e.name, 'KeeperError');
    assert.ok(e instanceof Error);
    assert.equal(KeeperError.is(e, ErrorCode.NONODE), true);
    assert.equal(KeeperError.is(e, ErrorCode.NODEEXISTS), false);
    assert.equal(KeeperError.is(e), true);
    assert.equal(KeeperError.is(new Error('x'), ErrorCode.NONODE), false);
    assert.equal(new KeeperError(ErrorCode.BADARGUMENTS, '/a/', { detail: 'path must not end with /' }).message, 'BADARGUMENTS: /a/ (path must not end with /)');
    assert.equal(new KeeperError(-999 as ErrorCode).message, 'UNKNOWN(-999)');
  });
});

describe('client-side validation', () => {
  test('paths, with the sequence suffix for sequential creates', () => {
    assert.equal(checkPath('/a/b'), undefined);
    assert.equal(checkPath('a')?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkPath('/a/')?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkPath('/a/', true), undefined);
    assert.equal(checkPath(42)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkCreate('/a/', CreateMode.PERSISTENT_SEQUENTIAL, OPEN_ACL_UNSAFE, undefined), undefined);
    assert.equal(checkCreate('/a/', CreateMode.PERSISTENT, OPEN_ACL_UNSAFE, undefined)?.code, ErrorCode.BADARGUMENTS);
  });

  test('versions, modes, ttl and acl', () => {
    assert.equal(checkVersion('/a', -1), undefined);
    assert.equal(checkVersion('/a', -2)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkVersion('/a', 1.5)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkCreate('/a', 99, OPEN_ACL_UNSAFE, undefined)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkCreate('/a', CreateMode.PERSISTENT_WITH_TTL, OPEN_ACL_UNSAFE, undefined)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkCreate('/a', CreateMode.PERSISTENT_WITH_TTL, OPEN_ACL_UNSAFE, 1000), undefined);
    assert.equal(checkCreate('/a', CreateMode.PERSISTENT, OPEN_ACL_UNSAFE, 1000)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkCreate('/a', CreateMode.PERSISTENT, [], undefined)?.code, ErrorCode.INVALIDACL);
  });

  test('multi ops and their count', () => {
    assert.equal(checkMultiOp(Op.check('/a', 1)), undefined);
    assert.equal(checkMultiOp(Op.delete('/a/'))?.path, '/a/');
    assert.equal(checkMultiOp(Op.create('/q-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })), undefined);
    assert.equal(checkMultiOp({ op: OpCode.getData, path: '/a' } as unknown as MultiOp)?.code, ErrorCode.BADARGUMENTS);
    assert.equal(checkOpCount(1000), undefined);
    assert.equal(checkOpCount(1001)?.code, ErrorCode.BADARGUMENTS);
  });
});
