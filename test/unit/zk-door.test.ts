// The ZooKeeper door's pure parts: its configuration keys, the op remembered for each outstanding xid, and
// the socket budget every client door shares.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, OpCode } from '../../protocol/index.js';
import type { OpResult } from '../../protocol/index.js';
import { ConfigError, buildConfig } from '../../src/server/config.js';
import { FdBudget } from '../../src/server/fd-budget.js';
import { SocketBudget } from '../../src/server/socket-budget.js';
import { OutstandingOps } from '../../src/server/zk-outstanding.js';
import { asRequestedResults } from '../../src/server/zk-multi-results.js';

describe('zkClientPort and zkClientPortAddress', () => {
  test('the door is off by default and listens on clientPortAddress when given a port', () => {
    assert.equal(buildConfig({}).zkDoor.port, undefined);
    const on = buildConfig({ zkClientPort: '2191', clientPortAddress: '0.0.0.0' });
    assert.deepEqual({ ...on.zkDoor }, { port: 2191, address: '0.0.0.0', secure: undefined });
    assert.deepEqual({ ...buildConfig({ zkClientPort: 0, zkClientPortAddress: '::1' }).zkDoor }, { port: 0, address: '::1', secure: undefined });
  });

  test('bad values, an address without a port and a port shared with another door are refused', () => {
    assert.throws(() => buildConfig({ zkClientPort: '70000' }), /zkClientPort must be an integer in \[0, 65535\]/);
    assert.throws(() => buildConfig({ zkClientPort: '21x' }), ConfigError);
    assert.throws(() => buildConfig({ zkClientPortAddress: '127.0.0.1' }), /zkClientPortAddress is set but zkClientPort is not/);
    assert.throws(() => buildConfig({ zkClientPortAddress: ' ', zkClientPort: 1 }), /must not be empty/);
    assert.throws(() => buildConfig({ zkClientPort: 2181 }), /clientPort and zkClientPort are both 2181/);
    // Different addresses may share a port number.
    assert.equal(buildConfig({ zkClientPort: 2181, zkClientPortAddress: '127.0.0.2' }).zkDoor.port, 2181);
  });

  test('a peer port may not be the ZooKeeper port', () => {
    assert.throws(() => buildConfig({ zkClientPort: 2888, 'server.1': '127.0.0.1:2888', myid: 1 }), /peerPort 2888 is also zkClientPort/);
  });
});

describe('zkSecureClientPort: the ZooKeeper door over TLS', () => {
  const SSL = { 'ssl.keyStore.location': '/k.pem', 'ssl.trustStore.location': '/ca.pem' };

  test('it takes the ssl.* settings, with or without the wss port, and listens where the plain door does unless told', () => {
    const only = buildConfig({ zkSecureClientPort: '2281', zkClientPortAddress: '10.0.0.1', zkClientPort: 2191, ...SSL });
    assert.equal(only.clientTls, undefined);
    assert.deepEqual({ ...only.zkDoor.secure }, { port: 2281, address: '10.0.0.1', tls: { keyStoreFile: '/k.pem', trustStoreFile: '/ca.pem', clientAuth: 'need', x509: {} } });
    // With no clientPort given the wss port would be the only WebSocket door; the ZooKeeper TLS door changes nothing there.
    assert.equal(only.clientPort, 2181);
    const both = buildConfig({ secureClientPort: 2282, zkSecureClientPort: 2281, zkSecureClientPortAddress: '::1', 'ssl.clientAuth': 'want', 'X509AuthenticationProvider.superUser': 'CN=root', ...SSL });
    assert.equal(both.zkDoor.secure?.address, '::1');
    assert.deepEqual(both.zkDoor.secure?.tls, { keyStoreFile: '/k.pem', trustStoreFile: '/ca.pem', clientAuth: 'want', x509: { superUser: 'CN=root' } });
    assert.equal(both.clientTls?.clientAuth, 'want');
  });

  test('no key store, a stray address, a bad port and a port shared with another door are refused', () => {
    assert.throws(() => buildConfig({ zkSecureClientPort: 2281 }), /zkSecureClientPort needs ssl\.keyStore\.location/);
    assert.throws(() => buildConfig({ zkSecureClientPort: 2281, 'ssl.keyStore.location': '/k.pem' }), /ssl\.clientAuth=need needs ssl\.trustStore\.location/);
    assert.throws(() => buildConfig({ zkSecureClientPortAddress: '::1', ...SSL }), /is set but secureClientPort is not \(nor zkSecureClientPort\)/);
    assert.throws(() => buildConfig({ zkSecureClientPortAddress: '::1' }), /zkSecureClientPortAddress is set but zkSecureClientPort is not/);
    assert.throws(() => buildConfig({ zkSecureClientPort: '-1', ...SSL }), /zkSecureClientPort must be an integer in \[0, 65535\]/);
    assert.throws(() => buildConfig({ zkSecureClientPort: 2191, zkClientPort: 2191, ...SSL }), /zkClientPort and zkSecureClientPort are both 2191/);
    assert.throws(() => buildConfig({ zkSecureClientPort: 2181, ...SSL }), /clientPort and zkSecureClientPort are both 2181/);
  });
});

describe('the op of each outstanding xid', () => {
  test('answers in request order take the head; repeated reserved xids (pings) are kept apart', () => {
    const ops = new OutstandingOps(8);
    assert.ok(ops.add(1, { op: OpCode.create }));
    assert.ok(ops.add(-2, { op: OpCode.ping }));
    assert.ok(ops.add(-2, { op: OpCode.ping }));
    assert.ok(ops.add(2, { op: undefined }));
    assert.deepEqual(ops.take(1), { op: OpCode.create });
    assert.deepEqual(ops.take(-2), { op: OpCode.ping });
    assert.deepEqual(ops.take(-2), { op: OpCode.ping });
    assert.equal(ops.take(-2), undefined);
    assert.deepEqual(ops.take(2), { op: undefined });
    assert.equal(ops.size, 0);
  });

  test('an answer out of order is still matched, and the list refuses to grow past its bound', () => {
    const ops = new OutstandingOps(2);
    assert.ok(ops.add(5, { op: OpCode.getData }));
    assert.ok(ops.add(6, { op: OpCode.setData }));
    assert.equal(ops.add(7, { op: OpCode.exists }), false);
    assert.deepEqual(ops.take(6), { op: OpCode.setData });
    assert.deepEqual(ops.take(5), { op: OpCode.getData });
    assert.throws(() => new OutstandingOps(0), RangeError);
  });
});

describe('the socket budget every client door shares', () => {
  test('maxClientCnxns per address and maxCnxns in total count every ticket, and a release frees its place once', () => {
    const budget = new SocketBudget({ maxClientCnxns: 2, maxCnxns: 3, fdReserve: 16 }, new FdBudget(undefined, 16));
    const a1 = budget.admit('10.0.0.1');
    budget.admit('10.0.0.1');
    assert.match(budget.problem('10.0.0.1') ?? '', /maxClientCnxns=2/);
    assert.equal(budget.problem('10.0.0.2'), undefined);
    budget.admit('10.0.0.2');
    assert.match(budget.problem('10.0.0.3') ?? '', /maxCnxns=3/);
    a1.release();
    a1.release();
    assert.equal(budget.socketCount, 2);
    assert.equal(budget.problem('10.0.0.1'), undefined);
    budget.close();
    assert.match(budget.problem('10.0.0.9') ?? '', /shutting down/);
  });

  test('the descriptor reserve bounds sockets when the limits do not', () => {
    const budget = new SocketBudget({ maxClientCnxns: 0, maxCnxns: 0, fdReserve: 16 }, new FdBudget(17, 16));
    // The process's own descriptors (sampled at construction) already use the one left over the reserve.
    assert.match(budget.problem('10.0.0.1') ?? '', /file descriptors/);
    budget.close();
  });
});

describe("a multi's results as ZooKeeper's clients expect them", () => {
  const stat = { czxid: 1, mzxid: 1, pzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 0 };

  test('a plain create is answered as create (path only); setData and check are left as the tree made them', () => {
    const results = [
      { op: OpCode.create2, err: 0, path: '/a', stat },
      { op: OpCode.setData, err: 0, stat },
      { op: OpCode.check, err: 0 },
    ];
    assert.deepEqual(asRequestedResults(results, [{ op: OpCode.create, mode: CreateMode.PERSISTENT }, { op: OpCode.setData }, { op: OpCode.check }]), [
      { op: OpCode.create, err: 0, path: '/a' }, results[1], results[2],
    ]);
  });

  test("a create is typed by its mode, whatever its opcode, as ZooKeeper's MultiOperationRecord does", () => {
    const created = (path: string): OpResult => ({ op: OpCode.create2, err: 0, path, stat });
    const results = [created('/c1'), created('/c2'), created('/t'), created('/p'), created('/e')];
    const subOps = [
      // The CONTAINER flag with create's opcode (node-zookeeper-client sends that for mode 4): ZooKeeper makes it a createContainer.
      { op: OpCode.create, mode: CreateMode.CONTAINER },
      { op: OpCode.createContainer, mode: CreateMode.CONTAINER },
      { op: OpCode.createTTL, mode: CreateMode.PERSISTENT_WITH_TTL },
      // create2 with a plain mode: ZooKeeper reads it as Op.create(flags), a plain create.
      { op: OpCode.create2, mode: CreateMode.PERSISTENT },
      { op: OpCode.create2, mode: CreateMode.EPHEMERAL_SEQUENTIAL },
    ];
    assert.deepEqual(asRequestedResults(results, subOps), [
      results[0], results[1], results[2], { op: OpCode.create, err: 0, path: '/p' }, { op: OpCode.create, err: 0, path: '/e' },
    ]);
  });
});
