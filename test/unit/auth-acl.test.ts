// ZooKeeper's ACL rules as pure functions (src/replica/auth/): checkACL, fixupACL, getACL redaction and the
// ip scheme's addresses and CIDR masks. Expected values come from ZooKeeper's documented behaviour, not
// from the code under test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Perms, type ACL, type Id } from '../../protocol/index.js';
import { aclAllows, aclForReader, fixupAcl } from '../../src/replica/auth/acl-check.js';
import { ConnectionAuth } from '../../src/replica/auth/connection-auth.js';
import { addressBytes, ipProvider, parseCidr } from '../../src/replica/auth/ip.js';
import { AuthRegistry } from '../../src/replica/auth/registry.js';

const utf8 = new TextEncoder();
const registry = new AuthRegistry();

function digest(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  return `${user}:${createHash('sha1').update(userPassword).digest('base64')}`;
}

const acl = (perms: number, scheme: string, id: string): ACL => ({ perms, id: { scheme, id } });
const ALICE: Id = { scheme: 'digest', id: digest('alice:secret') };
const LOCAL: Id = { scheme: 'ip', id: '127.0.0.1' };

describe('checkACL', () => {
  test('world:anyone grants its perms to everyone, and only those', () => {
    const node = [acl(Perms.READ, 'world', 'anyone')];
    assert.equal(aclAllows(registry, node, Perms.READ, []), true);
    assert.equal(aclAllows(registry, node, Perms.WRITE, [ALICE]), false);
  });

  test('an entry matches an id of its own scheme only', () => {
    const node = [acl(Perms.ALL, 'digest', ALICE.id)];
    assert.equal(aclAllows(registry, node, Perms.WRITE, [LOCAL, ALICE]), true);
    assert.equal(aclAllows(registry, node, Perms.WRITE, [LOCAL, { scheme: 'ip', id: ALICE.id }]), false);
    assert.equal(aclAllows(registry, node, Perms.WRITE, [{ scheme: 'digest', id: digest('alice:wrong') }]), false);
  });

  test('a set of perms passes when any one of them is granted (getACL asks READ or ADMIN)', () => {
    const node = [acl(Perms.ADMIN, 'ip', '127.0.0.1')];
    assert.equal(aclAllows(registry, node, Perms.READ | Perms.ADMIN, [LOCAL]), true);
    assert.equal(aclAllows(registry, node, Perms.READ, [LOCAL]), false);
  });

  test('super passes everything, even a node with no perms at all', () => {
    const node = [acl(0, 'world', 'anyone')];
    assert.equal(aclAllows(registry, node, Perms.ADMIN, [LOCAL]), false);
    assert.equal(aclAllows(registry, node, Perms.ADMIN, [LOCAL, { scheme: 'super', id: '' }]), true);
  });

  test('entries of schemes without a provider match nothing', () => {
    const node = [acl(Perms.ALL, 'sasl', 'alice'), acl(Perms.ALL, '__proto__', 'x')];
    assert.equal(aclAllows(registry, node, Perms.READ, [{ scheme: 'sasl', id: 'alice' }, { scheme: '__proto__', id: 'x' }]), false);
  });
});

describe('fixupACL', () => {
  test('auth expands to every authenticated id of the caller, never to ip or super', () => {
    const bob: Id = { scheme: 'digest', id: digest('bob:pw') };
    const fixed = fixupAcl(registry, [acl(Perms.READ | Perms.WRITE, 'auth', '')], [LOCAL, { scheme: 'super', id: '' }, ALICE, bob]);
    assert.deepEqual(fixed, [acl(Perms.READ | Perms.WRITE, 'digest', ALICE.id), acl(Perms.READ | Perms.WRITE, 'digest', bob.id)]);
  });

  test('auth without an authenticated id is INVALIDACL', () => {
    assert.equal(fixupAcl(registry, [acl(Perms.ALL, 'auth', '')], [LOCAL]), undefined);
  });

  test('malformed entries are INVALIDACL: empty list, unknown scheme, world:bob, digest without hash, bad ip', () => {
    for (const bad of [
      [],
      [acl(Perms.ALL, 'nope', 'x')],
      [acl(Perms.ALL, 'world', 'bob')],
      [acl(Perms.ALL, 'digest', 'nohash')],
      [acl(Perms.ALL, 'digest', 'user:')],
      [acl(Perms.ALL, 'digest', 'a:b:c')],
      [acl(Perms.ALL, 'ip', 'not-an-ip')],
      [acl(Perms.ALL, 'ip', '10.0.0.0/99')],
      [acl(Perms.ALL, 'ip', '::1/129')],
      [acl(Perms.ALL, 'super', 'x')],
      [acl(Perms.READ, 'world', 'anyone'), acl(Perms.ALL, 'x509', 'CN=a')],
    ]) {
      assert.equal(fixupAcl(registry, bad, [LOCAL, ALICE]), undefined, JSON.stringify(bad));
    }
  });

  test('well-formed entries are kept as given, duplicates dropped', () => {
    const given = [acl(Perms.READ, 'world', 'anyone'), acl(Perms.ALL, 'ip', '10.0.0.0/8'), acl(Perms.READ, 'world', 'anyone'), acl(Perms.ALL, 'digest', ':hash')];
    assert.deepEqual(fixupAcl(registry, given, []), [given[0], given[1], given[3]]);
  });

  test('an expansion past the ACL size bound is INVALIDACL', () => {
    const ids = Array.from({ length: 40 }, (_, i): Id => ({ scheme: 'digest', id: digest(`u${i}:p`) }));
    assert.equal(fixupAcl(registry, [acl(Perms.READ, 'auth', ''), acl(Perms.WRITE, 'auth', '')], ids), undefined);
  });
});

describe('getACL as a reader sees it', () => {
  const node = [acl(Perms.READ, 'digest', ALICE.id), acl(Perms.ADMIN, 'ip', '10.0.0.1'), acl(Perms.READ, 'world', 'anyone')];

  test('without ADMIN, digest hashes are shown as x', () => {
    assert.deepEqual(aclForReader(registry, node, [LOCAL]), [acl(Perms.READ, 'digest', 'alice:x'), node[1], node[2]]);
  });

  test('with ADMIN, everything', () => {
    assert.deepEqual(aclForReader(registry, node, [{ scheme: 'ip', id: '10.0.0.1' }]), node);
  });
});

describe('ip addresses and masks', () => {
  test('IPv4 and IPv6 text forms', () => {
    assert.deepEqual(addressBytes('10.1.2.3'), [10, 1, 2, 3]);
    assert.deepEqual(addressBytes('::1'), [...new Array(15).fill(0), 1]);
    assert.deepEqual(addressBytes('fe80::1:2'), [0xfe, 0x80, ...new Array(10).fill(0), 0, 1, 0, 2]);
    assert.deepEqual(addressBytes('::ffff:1.2.3.4'), [...new Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]);
    assert.deepEqual(addressBytes('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    for (const bad of ['', '1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::', '1.2.3.4.5', ' 1.2.3.4', 'x'.repeat(100)]) {
      assert.equal(addressBytes(bad), undefined, bad);
    }
  });

  test('masks within the address length', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { bytes: [10, 0, 0, 0], bits: 8 });
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('10.0.0.0/'), undefined);
    assert.equal(parseCidr('10.0.0.0/-1'), undefined);
    assert.equal(parseCidr('::/128')?.bits, 128);
  });

  test('CIDR matching, v4 never matching v6', () => {
    const m = (id: string, aclId: string): boolean => ipProvider.matches(id, aclId);
    assert.equal(m('10.1.2.3', '10.0.0.0/8'), true);
    assert.equal(m('11.1.2.3', '10.0.0.0/8'), false);
    assert.equal(m('192.168.1.77', '192.168.1.64/26'), true);
    assert.equal(m('192.168.1.128', '192.168.1.64/26'), false);
    assert.equal(m('127.0.0.1', '127.0.0.1'), true);
    assert.equal(m('127.0.0.2', '127.0.0.1'), false);
    assert.equal(m('1.2.3.4', '0.0.0.0/0'), true);
    assert.equal(m('::1', '::1'), true);
    assert.equal(m('fe80::abcd', 'fe80::/10'), true);
    assert.equal(m('127.0.0.1', '::ffff:127.0.0.1'), false);
    assert.equal(m('::1', '0.0.0.0/0'), false);
  });
});

describe('super by digest', () => {
  test('a digest auth that hashes to superDigest also gets the super id; whoAmI shows it', () => {
    const superRegistry = new AuthRegistry({ superDigest: digest('super:hunter2') });
    const auth = new ConnectionAuth(superRegistry, { remoteAddress: '127.0.0.1' });
    auth.add('digest', utf8.encode('super:wrong'));
    assert.equal(auth.ids.some((id) => id.scheme === 'super'), false);
    auth.add('digest', utf8.encode('super:hunter2'));
    assert.ok(auth.ids.some((id) => id.scheme === 'super'));
    assert.equal(auth.access.allows([acl(0, 'world', 'anyone')], Perms.ADMIN), true);
  });
});

describe('enforced authentication', () => {
  test('a connection satisfies it only with an id of an enforced scheme', () => {
    const enforcing = new AuthRegistry({ enforceSchemes: ['digest'] });
    const auth = new ConnectionAuth(enforcing, { remoteAddress: '127.0.0.1' });
    assert.equal(auth.satisfiesEnforcement, false, 'the ip id does not count');
    auth.add('digest', utf8.encode('alice:secret'));
    assert.equal(auth.satisfiesEnforcement, true);
    assert.equal(new ConnectionAuth(registry, { remoteAddress: '127.0.0.1' }).satisfiesEnforcement, true, 'not enforced: always');
  });
});
