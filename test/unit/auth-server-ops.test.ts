// How the server answers auth and whoAmI (src/replica/read-ops.ts executeAuthOp): the auth takes effect
// on arrival, the answer is computed at the head of the session's queue.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode } from '../../protocol/index.js';
import { ConnectionAuth } from '../../src/replica/auth/connection-auth.js';
import { AuthRegistry } from '../../src/replica/auth/registry.js';
import { executeAuthOp } from '../../src/replica/read-ops.js';
import type { AuthOpRequest } from '../../src/replica/read-ops.js';
import type { DataTree } from '../../src/tree/data-tree.js';

const utf8 = new TextEncoder();

/** executeAuthOp only reads the tree's lastZxid. */
function fakeTree(lastZxid: number): { tree: DataTree; set: (z: number) => void } {
  const state = { lastZxid };
  return { tree: state as unknown as DataTree, set: (z) => (state.lastZxid = z) };
}

function authReq(xid: number, scheme: string, auth: string): AuthOpRequest {
  return { xid, op: OpCode.auth, scheme, auth: utf8.encode(auth) };
}

describe('executeAuthOp', () => {
  test('an auth counts as soon as it arrives; its answer carries the zxid at the head of the queue', () => {
    const auth = new ConnectionAuth(new AuthRegistry(), { remoteAddress: '127.0.0.1' });
    const { tree, set } = fakeTree(10);
    const { answer } = executeAuthOp(authReq(1, 'digest', 'alice:secret'), auth, tree);
    assert.equal(auth.ids.length, 2, 'added before the answer is computed');
    set(12);
    assert.deepEqual(answer(), { xid: 1, zxid: 12, err: ErrorCode.OK });
  });

  test('an unknown scheme answers AUTHFAILED and says the connection must close', () => {
    const auth = new ConnectionAuth(new AuthRegistry(), { remoteAddress: '127.0.0.1' });
    const { tree } = fakeTree(3);
    const outcome = executeAuthOp(authReq(2, 'world', 'anyone'), auth, tree);
    assert.deepEqual(outcome.answer(), { xid: 2, zxid: 3, err: ErrorCode.AUTHFAILED });
    assert.equal(outcome.authFailed, true);
    assert.equal(auth.ids.length, 1);
  });

  test('whoAmI reports the ids sent before it, not those after', () => {
    const auth = new ConnectionAuth(new AuthRegistry(), { remoteAddress: '::ffff:127.0.0.1' });
    const { tree } = fakeTree(7);
    executeAuthOp(authReq(1, 'digest', 'alice:secret'), auth, tree);
    const who = executeAuthOp({ xid: 2, op: OpCode.whoAmI } as AuthOpRequest, auth, tree).answer;
    executeAuthOp(authReq(3, 'digest', 'bob:pw'), auth, tree);
    assert.deepEqual(who(), {
      xid: 2, zxid: 7, err: ErrorCode.OK,
      clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'alice' }],
    });
  });
});
