// The ACL matrix's plan and outcome strings, without a server: every op × perm × row caller is there once,
// cells own distinct nodes, setup creates parents first, and a getACL answer is read as full or redacted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { ErrorCode, EventType } from '../../protocol/index.js';
import { buildMatrix, EVENT_OPS, PERMS, REQUEST_OPS } from '../support/acl-matrix/cells.js';
import { DIGEST_ID, ROWS, zookeeperDigest } from '../support/acl-matrix/identities.js';
import { formatOutcome, redacted } from '../support/acl-matrix/outcome.js';

describe('ACL matrix plan', () => {
  const { plan, cells } = buildMatrix({ tls: false });

  test('every op × every permission × every non-TLS row caller, once', () => {
    const rowCallers = ROWS.filter((r) => !r.needsTls).reduce((n, r) => n + r.callers.length, 0);
    const perOp = Object.keys(PERMS).length * rowCallers;
    for (const op of [...REQUEST_OPS, ...EVENT_OPS]) {
      assert.equal(cells.filter((c) => c.op === op && c.family !== 'reserved').length, perOp, op);
    }
    assert.equal(new Set(cells.map((c) => c.id)).size, cells.length, 'cell ids are unique');
    assert.ok(!cells.some((c) => c.row === 'x509'), 'x509 rows need TLS');
    assert.ok(buildMatrix({ tls: true, onlyRows: ['x509'] }).cells.every((c) => c.row === 'x509' && c.needsTls));
  });

  test('nodes are distinct and every parent is created before its children', () => {
    const created = new Set<string>(['/']);
    for (const node of plan.nodes) {
      assert.ok(!created.has(node.path), `${node.path} created twice`);
      assert.ok(created.has(posix.dirname(node.path)), `${node.path} before its parent`);
      created.add(node.path);
    }
  });

  test('both outcomes occur for every op that checks a permission', () => {
    const outcomes = new Map<string, Set<string>>();
    for (const c of cells) outcomes.set(c.op, (outcomes.get(c.op) ?? new Set()).add(c.expected));
    for (const op of ['create', 'delete', 'setData', 'getData', 'exists', 'getACL', 'setACL', 'multiCheck', 'multiRead', 'watchRecursiveDescendant']) {
      assert.ok((outcomes.get(op)?.size ?? 0) >= 2, `${op}: ${[...(outcomes.get(op) ?? [])].join(' / ')}`);
    }
  });

  test('digest ids are ZooKeeper\'s generateDigest output', () => {
    // The superDigest with which Debian's ZooKeeper made `addauth digest super:secret` a super user.
    assert.equal(zookeeperDigest('super', 'secret'), 'super:lK75jTNcA+U9vtVEw5vB51mj/w4=');
    assert.match(DIGEST_ID.dave, /^dave:[A-Za-z0-9+/]{27}=$/);
  });
});

describe('ACL matrix outcomes', () => {
  const stored = [{ perms: 1, id: { scheme: 'digest', id: DIGEST_ID.dave } }, { perms: 1, id: { scheme: 'world', id: 'anyone' } }];
  const getACL = { family: 'request' as const, kind: 'getACL', storedAcl: stored };

  test('getACL: the stored list is OK, digest ids as user:x are OK redacted, anything else is shown', () => {
    assert.equal(formatOutcome(getACL, { err: ErrorCode.OK, acl: stored }), 'OK');
    assert.equal(formatOutcome(getACL, { err: ErrorCode.OK, acl: redacted(stored) }), 'OK redacted');
    assert.deepEqual(redacted(stored)[0]!.id, { scheme: 'digest', id: 'dave:x' });
    assert.match(formatOutcome(getACL, { err: ErrorCode.OK, acl: [stored[1]!] }), /^OK acl=world:anyone:1$/);
    assert.equal(formatOutcome(getACL, { err: ErrorCode.NOAUTH }), 'NOAUTH');
  });

  test('multi, events, read-back ACLs and runner errors', () => {
    assert.equal(formatOutcome({ family: 'request', kind: 'multi' }, { err: ErrorCode.NOAUTH, results: [0, ErrorCode.NOAUTH, ErrorCode.RUNTIMEINCONSISTENCY] }), 'multi OK,NOAUTH,RUNTIMEINCONSISTENCY');
    assert.equal(formatOutcome({ family: 'event', kind: undefined }, { events: [] }), 'events none');
    assert.equal(formatOutcome({ family: 'event', kind: undefined }, { events: [EventType.NodeCreated] }), 'events NodeCreated');
    assert.equal(formatOutcome({ family: 'validation', kind: 'setACL', readBackAcl: '/x' }, { err: 0, acl: [stored[1]!, stored[0]!] }), `OK digest:${DIGEST_ID.dave}:1,world:anyone:1`);
    assert.equal(formatOutcome({ family: 'request', kind: 'getData' }, { error: 'timed out' }), 'ERROR timed out');
    assert.equal(formatOutcome({ family: 'request', kind: 'getData' }, undefined), 'ERROR no result');
  });
});
