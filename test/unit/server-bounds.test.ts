// The server's bounds as pure logic: rate-limited logs, close reasons, the global budget of writes, read
// answers that would outgrow maxFrameBytes, forwarded payloads, and the configuration of every limit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, OpCode, OPEN_ACL_UNSAFE } from '../../protocol/index.js';
import { DataTree } from '../../src/tree/data-tree.js';
import { WatchManager } from '../../src/tree/watch-manager.js';
import { closeReason } from '../../src/server/ws-client.js';
import { ConfigError, buildConfig } from '../../src/server/config.js';
import { FdBudget } from '../../src/server/fd-budget.js';
import { asLeaderPayload, asLearnerPayload } from '../../src/replica/forwarding.js';
import { boundedMeta, throttledLogger } from '../../src/server/log-throttle.js';
import type { Logger } from '../../src/server/logger.js';
import { accessOf } from '../../src/replica/auth/acl-check.js';
import { AuthRegistry } from '../../src/replica/auth/registry.js';
import { executeRead } from '../../src/replica/read-ops.js';
import type { ReadRequest } from '../../src/replica/read-ops.js';
import { RequestBudget } from '../../src/replica/request-budget.js';
import { apply, create } from '../support/tree-txns.js';

function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string): void => void lines.push(msg);
  return { log: { error: push, warn: push, info: push, debug: push }, lines };
}

describe('rate-limited logs', () => {
  test('a flood of one message costs a bounded number of lines, and the count is reported', () => {
    let now = 0;
    const { log, lines } = recordingLogger();
    const throttled = throttledLogger(log, { linesPerWindow: 5, windowMs: 1000, now: () => now });
    for (let i = 0; i < 200_000; i++) throttled.warn('dropping malformed peer message', { from: 2 });
    throttled.warn('another message');
    assert.equal(lines.length, 6);
    now = 1500;
    throttled.warn('dropping malformed peer message');
    assert.ok(lines.some((l) => /199995 similar lines suppressed/.test(l)), lines.join('\n'));
  });

  test('levels left out pass straight through', () => {
    const { log, lines } = recordingLogger();
    const throttled = throttledLogger(log, { levels: ['warn'], linesPerWindow: 1 });
    for (let i = 0; i < 10; i++) throttled.info('role changed');
    assert.equal(lines.length, 10);
  });

  test('the set of tracked messages is bounded too', () => {
    const { log, lines } = recordingLogger();
    const throttled = throttledLogger(log, { linesPerWindow: 1, keysMax: 3 });
    for (let i = 0; i < 1000; i++) throttled.warn(`message ${i}`);
    assert.equal(lines.length, 1000);
  });

  test('fields are cut to size', () => {
    const meta = boundedMeta({ reason: 'x'.repeat(100_000), list: new Array(10_000).fill(1), bytes: new Uint8Array(5000), deep: { a: { b: { c: { d: 1 } } } } }) as Record<string, unknown>;
    assert.ok(JSON.stringify(meta).length < 1000, JSON.stringify(meta).slice(0, 200));
  });
});

describe('close reasons', () => {
  test('at most 123 bytes, cut at a character boundary', () => {
    assert.equal(closeReason('short'), 'short');
    const cut = closeReason('é'.repeat(400_000));
    assert.ok(Buffer.byteLength(cut) <= 123);
    assert.equal(cut, 'é'.repeat(61));
    assert.equal(closeReason('a'.repeat(122) + '€'), 'a'.repeat(122));
  });
});

describe('global budget of writes in flight', () => {
  test('exhausts by count or bytes, wakes waiters when there is room, and a reset voids old tokens', () => {
    const budget = new RequestBudget({ countMax: 2, bytesMax: 100 });
    const a = budget.take(10);
    assert.equal(budget.exhausted, false);
    const b = budget.take(95);
    assert.equal(budget.exhausted, true);
    let woken = 0;
    budget.waitForRoom(() => woken++);
    budget.give(b);
    assert.equal(woken, 1);
    const c = budget.take(10);
    const d = budget.take(10);
    assert.equal(budget.exhausted, true);
    budget.waitForRoom(() => woken++);
    budget.reset();
    assert.equal(woken, 2);
    assert.deepEqual(budget.inFlight, { count: 0, bytes: 0 });
    budget.give(a);
    budget.give(c);
    budget.give(d);
    assert.deepEqual(budget.inFlight, { count: 0, bytes: 0 }, 'tokens from before the reset do not count');
  });
});

describe('file descriptor budget', () => {
  test('sockets allowed are the limit less the reserve and the other descriptors', () => {
    assert.equal(new FdBudget(undefined, 256).socketsMax, Infinity);
    const fds = new FdBudget(1024, 256);
    fds.sample(0);
    assert.ok(fds.socketsMax < 1024 - 256, `${fds.socketsMax}`);
    assert.equal(new FdBudget(100, 256).socketsMax, 0);
  });

  test('counting again waits at least the interval and at most 30 s, however slow the count', () => {
    const fds = new FdBudget(1024, 256);
    fds.sample(0);
    const delay = fds.nextSampleDelayMs(1000);
    assert.ok(delay >= 1000 && delay <= 30_000, `${delay}`);
    assert.equal(fds.nextSampleDelayMs(60_000), 30_000);
  });
});

describe('read answers bounded by maxFrameBytes', () => {
  const tree = new DataTree();
  apply(tree, create('/wide'));
  for (let i = 0; i < 2000; i++) apply(tree, create(`/wide/child-${String(i).padStart(10, '0')}`));
  apply(tree, create('/fat', { data: new Uint8Array(10_000) }));
  const watches = new WatchManager({ watchesPerSessionMax: 100 });
  const ctx = { tree, watches, sessionId: 7, access: accessOf(new AuthRegistry(), []), deliver: () => {}, answerBytesMax: 20_000 };

  test('getChildren over the limit fails with MARSHALLINGERROR and sets no watch', () => {
    const r = executeRead({ xid: 1, op: OpCode.getChildren, path: '/wide', watch: true } as ReadRequest, ctx);
    assert.equal(r.err, ErrorCode.MARSHALLINGERROR);
    assert.match(r.message ?? '', /maxFrameBytes \(20000\)/);
    assert.equal(watches.removeWatches(7, '/wide', 1), false, 'no child watch was left behind');
    const ok = executeRead({ xid: 2, op: OpCode.getChildren, path: '/wide', watch: false } as ReadRequest, { ...ctx, answerBytesMax: 1_000_000 });
    assert.equal(ok.err, ErrorCode.OK);
    assert.equal(ok.children?.length, 2000);
  });

  test('a multiRead stops adding answers once they pass the limit', () => {
    const ops = Array.from({ length: 1000 }, () => ({ op: OpCode.getData, path: '/fat' }));
    const r = executeRead({ xid: 3, op: OpCode.multiRead, ops } as ReadRequest, ctx);
    assert.equal(r.err, ErrorCode.MARSHALLINGERROR);
    assert.equal(r.results, undefined);
    const small = executeRead({ xid: 4, op: OpCode.multiRead, ops: ops.slice(0, 1) } as ReadRequest, ctx);
    assert.equal(small.err, ErrorCode.OK);
  });
});

describe('forwarded payloads', () => {
  const limits = { maxDataBytes: 1024 };
  test('a forwarded write is validated like a client frame', () => {
    const write = { kind: 'write', sessionId: 5, xid: 1, ids: [{ scheme: 'ip', id: '10.0.0.1' }], request: { xid: 1, op: OpCode.create, path: '/a', data: new Uint8Array(1), acl: OPEN_ACL_UNSAFE, mode: 0 } };
    assert.ok(asLearnerPayload(write, limits));
    assert.equal(asLearnerPayload({ ...write, ids: undefined }, limits), undefined, 'a write must say whose it is');
    assert.equal(asLearnerPayload({ ...write, ids: [{ scheme: 'digest', id: { toString: 1 } }] }, limits), undefined);
    assert.equal(asLearnerPayload({ ...write, ids: Array.from({ length: 1000 }, () => ({ scheme: 'ip', id: '1.2.3.4' })) }, limits), undefined, 'bounded');
    assert.equal(asLearnerPayload({ ...write, request: { ...write.request, path: { toString: 1 } } }, limits), undefined);
    assert.equal(asLearnerPayload({ ...write, request: { ...write.request, data: new Uint8Array(5000) } }, limits), undefined);
    assert.equal(asLearnerPayload({ ...write, request: { xid: 1, op: OpCode.getData, path: '/a' } }, limits), undefined, 'reads are never forwarded');
    assert.ok(asLearnerPayload({ kind: 'write', sessionId: 5, xid: 0, ids: [], request: { op: OpCode.createSession, timeoutMs: 1000, passwd: new Uint8Array(16), newSessionId: 9 } }, limits));
    assert.equal(asLearnerPayload({ kind: 'write', sessionId: 5, xid: 0, request: { op: OpCode.createSession, timeoutMs: 1000, passwd: 'x', newSessionId: 9 } }, limits), undefined);
    assert.equal(asLearnerPayload({ kind: { toString: 1 } }, limits), undefined);
    assert.equal(asLearnerPayload({ kind: 'touch', sessions: [[1, { valueOf: 1 }]] }, limits), undefined);
  });

  test("a leader's reply is checked before any field is used", () => {
    assert.ok(asLeaderPayload({ kind: 'writeError', sessionId: 1, xid: 1, err: -101, zxid: 5, path: '/a' }));
    assert.equal(asLeaderPayload({ kind: 'writeError', sessionId: 1, xid: 1, err: -101, zxid: 5, path: { toString: 1 } }), undefined);
    assert.equal(asLeaderPayload({ kind: 'writeError', sessionId: 1, xid: 1, err: -101, zxid: 5, results: [{ op: 'x' }] }), undefined);
    assert.equal(asLeaderPayload({ kind: 'synced', id: 1.5, zxid: 1 }), undefined);
  });
});

describe('configuration of the limits', () => {
  test('defaults and ZooKeeper-style keys', () => {
    const c = buildConfig({});
    assert.equal(c.maxCnxns, 2000);
    assert.equal(c.globalOutstandingLimit, 1000);
    assert.deepEqual(c.allowedOrigins, []);
    const d = buildConfig({ allowedOrigins: 'https://a.example, http://localhost:3000', maxCnxns: '10' });
    assert.deepEqual(d.allowedOrigins, ['https://a.example', 'http://localhost:3000']);
    assert.equal(d.maxCnxns, 10);
  });

  test('values that could not work are refused', () => {
    assert.throws(() => buildConfig({ allowedOrigins: 'https://a.example/path' }), ConfigError);
    assert.throws(() => buildConfig({ maxClientOutputBytes: String(1024 * 1024) }), /twice maxFrameBytes/);
    assert.throws(() => buildConfig({ clientHandshakeTimeoutMs: '0' }), ConfigError);
    assert.throws(() => buildConfig({ globalOutstandingBytes: String(100_000) }), /at least maxFrameBytes/);
  });
});
