// ACLs inside the replica, with no sockets: a follower's client is judged on the leader by the identities
// the follower forwards with its write; reads are judged where they are served; a watch event is not
// delivered to a connection that may no longer read the node; a super user passes everything.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CreateMode, ErrorCode, EventType, OpCode, Perms, type ACL, type Request } from '../../protocol/index.js';
import { connectedClient, ensembleWithFollower } from '../support/replica-harness.js';
import type { TestClient } from '../support/replica-harness.js';

const utf8 = new TextEncoder();

function digest(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  return `${user}:${createHash('sha1').update(userPassword).digest('base64')}`;
}

const ALICE_ONLY: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('alice:secret') } }];


function send(c: TestClient, body: Record<string, unknown>): number {
  return c.request(body as Omit<Request, 'xid'>);
}

const addAuth = (c: TestClient, userPassword: string): number => send(c, { op: OpCode.auth, scheme: 'digest', auth: utf8.encode(userPassword) });
const createWithAcl = (c: TestClient, path: string, acl: ACL[]): number => send(c, { op: OpCode.create, path, data: new Uint8Array(0), acl, mode: CreateMode.PERSISTENT });

describe('replica: ACLs', () => {
  test("a follower's writes are judged on the leader by the identities the follower forwards", () => {
    const { e, follower } = ensembleWithFollower();
    const alice = connectedClient(e, follower);
    addAuth(alice, 'alice:secret');
    const made = createWithAcl(alice, '/mine', ALICE_ONLY);
    e.settle();
    assert.equal(alice.answer(made)?.err, ErrorCode.OK);
    const stranger = connectedClient(e, follower);
    const write = send(stranger, { op: OpCode.setData, path: '/mine', data: utf8.encode('x'), version: -1 });
    const child = send(stranger, { op: OpCode.create, path: '/mine/c', data: new Uint8Array(0), acl: ALICE_ONLY, mode: 0 });
    const read = send(stranger, { op: OpCode.getData, path: '/mine', watch: false });
    e.settle();
    assert.equal(stranger.answer(write)?.err, ErrorCode.NOAUTH);
    assert.equal(stranger.answer(child)?.err, ErrorCode.NOAUTH);
    assert.equal(stranger.answer(read)?.err, ErrorCode.NOAUTH);
    const own = send(alice, { op: OpCode.setData, path: '/mine', data: utf8.encode('y'), version: -1 });
    e.settle();
    assert.equal(alice.answer(own)?.err, ErrorCode.OK);
  });

  test('without peer authentication the leader judges a forwarded write as anonymous', () => {
    const { e, leader, follower } = ensembleWithFollower({ trustForwardedIds: false });
    const owner = connectedClient(e, leader);
    addAuth(owner, 'alice:secret');
    createWithAcl(owner, '/mine', [...ALICE_ONLY, { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
    e.settle();
    const alice = connectedClient(e, follower);
    addAuth(alice, 'alice:secret');
    const read = send(alice, { op: OpCode.getData, path: '/mine', watch: false });
    const write = send(alice, { op: OpCode.setData, path: '/mine', data: utf8.encode('x'), version: -1 });
    e.settle();
    assert.equal(alice.answer(read)?.err, ErrorCode.OK, 'reads are judged where they are served');
    assert.equal(alice.answer(write)?.err, ErrorCode.NOAUTH, 'a forwarded identity counts for nothing from an unauthenticated member');
    const direct = send(owner, { op: OpCode.setData, path: '/mine', data: utf8.encode('y'), version: -1 });
    e.settle();
    assert.equal(owner.answer(direct)?.err, ErrorCode.OK);
  });

  test('an auth ACL expands to the creator\'s digest id on every replica', () => {
    const { e, follower } = ensembleWithFollower();
    const alice = connectedClient(e, follower);
    addAuth(alice, 'alice:secret');
    const made = createWithAcl(alice, '/auth', [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: 'auth', id: '' } }]);
    e.settle();
    assert.equal(alice.answer(made)?.err, ErrorCode.OK);
    for (const r of e.all) {
      assert.deepEqual(r.replica.tree.getNode('/auth')?.acl, [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: 'digest', id: digest('alice:secret') } }]);
    }
    const anon = connectedClient(e, follower);
    const invalid = createWithAcl(anon, '/auth2', [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]);
    e.settle();
    assert.equal(anon.answer(invalid)?.err, ErrorCode.INVALIDACL, 'auth without an authenticated id');
  });

  test('a watch event is not delivered once the watcher may no longer read the node', () => {
    const { e, leader } = ensembleWithFollower();
    const owner = connectedClient(e, leader);
    const watcher = connectedClient(e, leader);
    createWithAcl(owner, '/w', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]);
    e.settle();
    send(watcher, { op: OpCode.getData, path: '/w', watch: true });
    send(watcher, { op: OpCode.addWatch, path: '/', mode: 1 });
    e.settle();
    send(owner, { op: OpCode.setACL, path: '/w', acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.9.9.9' } }], version: -1 });
    e.settle();
    send(owner, { op: OpCode.setData, path: '/w', data: utf8.encode('secret'), version: -1 });
    createWithAcl(owner, '/hidden', [{ perms: Perms.WRITE, id: { scheme: 'world', id: 'anyone' } }]);
    createWithAcl(owner, '/seen', [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
    e.settle();
    const events = watcher.events.map((ev) => `${ev.type} ${ev.path}`);
    assert.ok(!events.includes(`${EventType.NodeDataChanged} /w`), `no change of /w leaks: ${events.join(', ')}`);
    assert.ok(!events.some((ev) => ev.endsWith(' /hidden')), 'no unreadable path leaks through the recursive watch');
    assert.ok(events.includes(`${EventType.NodeCreated} /seen`), 'readable changes still arrive');
  });

  test('a super user passes every check; getACL without ADMIN hides digest hashes', () => {
    const { e, follower } = ensembleWithFollower({ auth: { superDigest: digest('super:root') } });
    const alice = connectedClient(e, follower);
    addAuth(alice, 'alice:secret');
    createWithAcl(alice, '/locked', [...ALICE_ONLY, { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
    e.settle();
    const admin = connectedClient(e, follower);
    addAuth(admin, 'super:root');
    const write = send(admin, { op: OpCode.setData, path: '/locked', data: utf8.encode('root'), version: -1 });
    const acl = send(admin, { op: OpCode.getACL, path: '/locked' });
    const reader = connectedClient(e, follower);
    const hidden = send(reader, { op: OpCode.getACL, path: '/locked' });
    e.settle();
    assert.equal(admin.answer(write)?.err, ErrorCode.OK);
    assert.equal((admin.answer(acl) as { acl?: ACL[] }).acl?.[0]?.id.id, digest('alice:secret'));
    assert.equal((reader.answer(hidden) as { acl?: ACL[] }).acl?.[0]?.id.id, 'alice:x');
  });
});
