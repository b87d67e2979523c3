// The op table (protocol/ops.ts) against the codec and against what each op is declared to be. The
// type-level checks at the end hold if this file compiles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMode, ErrorCode, OP_NAMES, OPEN_ACL_UNSAFE, OPS, OpCode, Perms, decodeRequest, encode, isReadOp, isWriteOp, opInfo,
} from '../../protocol/index.js';
import type {
  CreateRequest, CreateResponse, Empty, GetDataResponse, MultiOp, MultiResponse, OpName, PathWatchRequest, PermCheck, ReadOp, Request,
  RequestBodies, ResponseBodies, ResponseFor, ResponseHeader, StatResponse, WireOpName,
} from '../../protocol/index.js';

const limits = { maxDataBytes: 1024 };
/** Every integer a client could plausibly try as an opcode, and every one ZooKeeper names. */
const CANDIDATE_CODES = [...new Set([...Object.values(OpCode), ...Array.from({ length: 141 }, (_, i) => i - 20)])];

function codecAccepts(op: number): boolean {
  const r = decodeRequest(encode({ xid: 1, op }), limits);
  // A known op with a missing body fails on its fields; only an op the codec does not serve fails on the op.
  return r.ok || !(r.err === ErrorCode.UNIMPLEMENTED && /unknown or unsupported opcode/.test(r.message));
}

/** Fields that make a body valid for any op of multi (each op reads only its own fields). */
const ANY_WRITE = { path: '/a', version: 0, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT };

function batchAccepts(batch: 'multi' | 'multiRead', code: number): boolean {
  const fields = code === OpCode.createContainer ? { ...ANY_WRITE, mode: CreateMode.CONTAINER }
    : code === OpCode.createTTL ? { ...ANY_WRITE, mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 1000 } : ANY_WRITE;
  const r = decodeRequest(encode({ xid: 1, op: OpCode[batch], ops: [{ op: code, ...fields }] }), limits);
  if (!r.ok) assert.match(r.message, /not allowed in/, `op ${code} in ${batch}: ${r.message}`);
  return r.ok;
}

describe('the op table', () => {
  test('each entry is named as in OpCode, and no two entries share an opcode', () => {
    const codes = OP_NAMES.map((name) => OPS[name].code);
    assert.equal(new Set(codes).size, codes.length);
    for (const name of OP_NAMES) {
      assert.equal(OPS[name].code, OpCode[name], name);
      assert.equal(opInfo(OpCode[name])?.name, name);
    }
  });

  test('the codec accepts exactly the opcodes of the entries a client may send', () => {
    for (const code of CANDIDATE_CODES) {
      const info = opInfo(code);
      assert.equal(codecAccepts(code), info?.wire === true, `opcode ${code} (${info?.name ?? 'not in the table'})`);
    }
    const serverOnly = OP_NAMES.filter((name) => !OPS[name].wire);
    assert.deepEqual(serverOnly.sort(), ['createSession', 'deleteContainer']);
  });

  test('multi and multiRead accept exactly the ops whose entry names them', () => {
    for (const code of CANDIDATE_CODES) {
      const batch = opInfo(code)?.batch ?? null;
      assert.equal(batchAccepts('multi', code), batch === 'multi', `opcode ${code} in multi`);
      assert.equal(batchAccepts('multiRead', code), batch === 'multiRead', `opcode ${code} in multiRead`);
    }
    for (const name of OP_NAMES) {
      if (OPS[name].batch === 'multi') assert.equal(OPS[name].kind, 'write', name);
      if (OPS[name].batch === 'multiRead') assert.equal(OPS[name].kind, 'read', name);
    }
  });

  test('kinds: what the server does with each op', () => {
    const byKind = (kind: string): string[] => OP_NAMES.filter((name) => OPS[name].kind === kind).sort();
    assert.deepEqual(byKind('read'), [
      'addWatch', 'checkWatches', 'exists', 'getACL', 'getAllChildrenNumber', 'getChildren', 'getChildren2', 'getData', 'getEphemerals', 'multiRead',
      'ping', 'removeWatches', 'setWatches2',
    ]);
    assert.deepEqual(byKind('write'), ['check', 'create', 'create2', 'createContainer', 'createTTL', 'delete', 'deleteContainer', 'multi', 'setACL', 'setData']);
    assert.deepEqual(byKind('sync'), ['sync']);
    assert.deepEqual(byKind('session'), ['closeSession', 'createSession']);
    assert.deepEqual(byKind('auth'), ['auth', 'whoAmI']);
  });

  test('a follower forwards writes, syncs and session requests, and nothing it can answer itself', () => {
    const forwarded = OP_NAMES.filter((name) => OPS[name].forwarded).sort();
    assert.deepEqual(forwarded, [
      'check', 'closeSession', 'create', 'create2', 'createContainer', 'createSession', 'createTTL', 'delete', 'multi', 'setACL', 'setData', 'sync',
    ]);
  });

  test('permissions, as ZooKeeper 3.9 checks them', () => {
    const show = (p: PermCheck): string => (p.on === 'node' || p.on === 'parent' ? `${p.on} ${p.perms}` : p.on);
    const expected: Record<OpName, string> = {
      create: `parent ${Perms.CREATE}`, create2: `parent ${Perms.CREATE}`, createContainer: `parent ${Perms.CREATE}`, createTTL: `parent ${Perms.CREATE}`,
      delete: `parent ${Perms.DELETE}`, setData: `node ${Perms.WRITE}`, setACL: `node ${Perms.ADMIN}`, check: `node ${Perms.READ}`,
      exists: `node ${Perms.READ}`, getData: `node ${Perms.READ}`, getChildren: `node ${Perms.READ}`, getChildren2: `node ${Perms.READ}`,
      getAllChildrenNumber: `node ${Perms.READ}`, getACL: `node ${Perms.READ | Perms.ADMIN}`,
      multi: 'eachOp', multiRead: 'eachOp',
      getEphemerals: 'none', addWatch: `node ${Perms.READ}`, checkWatches: 'none', removeWatches: 'none', setWatches2: 'none', ping: 'none', sync: 'none', auth: 'none', whoAmI: 'none',
      closeSession: 'none', createSession: 'none', deleteContainer: 'none',
    };
    for (const name of OP_NAMES) assert.equal(show(OPS[name].perm), expected[name], name);
  });

  test('isReadOp, isWriteOp and opInfo take an opcode or a request, and know nothing of unlisted opcodes', () => {
    assert.equal(isReadOp(OpCode.getData), true);
    assert.equal(isReadOp(OpCode.setData), false);
    assert.equal(isWriteOp(OpCode.setData), true);
    assert.equal(isWriteOp(OpCode.sync), false);
    for (const code of [OpCode.reconfig, OpCode.setWatches, OpCode.sasl, OpCode.notification, 999, 1.5]) {
      assert.equal(opInfo(code), undefined);
      assert.equal(isReadOp(code) || isWriteOp(code), false);
    }
    const decoded = decodeRequest(encode({ xid: 3, op: OpCode.exists, path: '/a', watch: true }), limits);
    assert.ok(decoded.ok);
    const request: Request = decoded.value;
    assert.ok(isReadOp(request));
    // Narrowed to the read requests: the compiler knows exists carries a watch flag.
    if (request.op === OpCode.exists) assert.equal(request.watch, true);
  });
});

// ---- type-level checks: a mistake here fails the build ----
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const typeChecks: Array<true> = [
  true satisfies Equal<RequestBodies['create2'], CreateRequest>,
  true satisfies Equal<RequestBodies['getData'], PathWatchRequest>,
  true satisfies Equal<ResponseBodies['createTTL'], CreateResponse>,
  true satisfies Equal<ResponseBodies['getData'], GetDataResponse>,
  true satisfies Equal<ResponseBodies['setData'], StatResponse>,
  true satisfies Equal<ResponseBodies['multi'], MultiResponse>,
  true satisfies Equal<ResponseBodies['delete'], Empty>,
  true satisfies Equal<ResponseFor<'exists'>, ResponseHeader & StatResponse>,
  true satisfies Equal<MultiOp['op'], 1 | 2 | 5 | 13 | 15 | 19 | 21>,
  true satisfies Equal<ReadOp['op'], 3 | 4 | 8 | 12>,
  true satisfies Equal<Extract<WireOpName, 'createSession' | 'deleteContainer'>, never>,
  true satisfies Equal<Extract<Request, { op: typeof OpCode.setACL }>['acl'], CreateRequest['acl']>,
];
test('type-level checks compiled', () => assert.equal(typeChecks.length, 12));
