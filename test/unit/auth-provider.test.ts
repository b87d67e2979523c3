// The connection's auth ids and the providers behind addAuthInfo (src/replica/auth/), without a socket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ErrorCode } from '../../protocol/index.js';
import { AUTH_IDS_PER_CONNECTION_MAX, ConnectionAuth } from '../../src/replica/auth/connection-auth.js';
import { digestId } from '../../src/replica/auth/digest.js';
import { ipId } from '../../src/replica/auth/ip.js';
import { AuthRegistry } from '../../src/replica/auth/registry.js';

const registry = new AuthRegistry();
const connection = (remoteAddress: string, maxAddedIds?: number): ConnectionAuth => new ConnectionAuth(registry, { remoteAddress }, maxAddedIds);

function authenticate(scheme: string, auth: Uint8Array, remoteAddress: string): unknown {
  return registry.provider(scheme)?.authenticate(auth, { remoteAddress });
}

const utf8 = new TextEncoder();

/** user:base64(sha1(text)), computed here from the hex digest so the test does not share the code under test. */
function expectedDigest(user: string, text: string): string {
  const hex = createHash('sha1').update(Buffer.from(text, 'utf8')).digest('hex');
  return `${user}:${Buffer.from(hex, 'hex').toString('base64')}`;
}

describe('digest ids', () => {
  test('user:password gives user:base64(sha1("user:password"))', () => {
    const id = digestId('alice:secret');
    assert.equal(id, expectedDigest('alice', 'alice:secret'));
    assert.match(id, /^alice:[A-Za-z0-9+/]{27}=$/);
  });

  test('only the first colon separates the user; the password may hold colons and any UTF-8', () => {
    assert.equal(digestId('bob:pa:ss:wörd'), expectedDigest('bob', 'bob:pa:ss:wörd'));
    assert.equal(digestId('ünï:x'), expectedDigest('ünï', 'ünï:x'));
    assert.equal(digestId(':nouser'), expectedDigest('', ':nouser'));
  });

  test('like ZooKeeper, text without a colon is all user name', () => {
    assert.equal(digestId('alice'), expectedDigest('alice', 'alice'));
  });

  test('different passwords give different ids for the same user', () => {
    assert.notEqual(digestId('alice:one'), digestId('alice:two'));
  });
});

describe('ip ids', () => {
  test('IPv4-mapped IPv6 addresses are shown as IPv4, others unchanged', () => {
    assert.equal(ipId('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(ipId('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(ipId('127.0.0.1'), '127.0.0.1');
    assert.equal(ipId('::1'), '::1');
    assert.equal(ipId('::ffff:abcd:1'), '::ffff:abcd:1');
  });
});

describe('providers', () => {
  test('digest and ip have providers; world, super, sasl and the rest do not', () => {
    assert.deepEqual(authenticate('digest', utf8.encode('alice:secret'), '1.2.3.4'), [{ scheme: 'digest', id: expectedDigest('alice', 'alice:secret') }]);
    assert.deepEqual(authenticate('ip', utf8.encode('ignored'), '::ffff:1.2.3.4'), [{ scheme: 'ip', id: '1.2.3.4' }]);
    for (const scheme of ['world', 'super', 'sasl', 'x509', 'auth', 'Digest', 'digest ']) {
      assert.equal(authenticate(scheme, utf8.encode('alice:secret'), '1.2.3.4'), undefined, scheme);
    }
  });

});

describe('a connection\'s auth ids', () => {
  test('start with the ip id only', () => {
    const auth = connection('::ffff:127.0.0.1');
    assert.deepEqual(auth.ids, [{ scheme: 'ip', id: '127.0.0.1' }]);
    assert.deepEqual(auth.clientInfo(), [{ authScheme: 'ip', user: '127.0.0.1' }]);
  });

  test('digest auths are added in order, without duplicates', () => {
    const auth = connection('127.0.0.1');
    assert.equal(auth.add('digest', utf8.encode('alice:secret')), ErrorCode.OK);
    assert.equal(auth.add('digest', utf8.encode('bob:pw')), ErrorCode.OK);
    assert.equal(auth.add('digest', utf8.encode('alice:secret')), ErrorCode.OK);
    assert.deepEqual(auth.ids, [
      { scheme: 'ip', id: '127.0.0.1' },
      { scheme: 'digest', id: expectedDigest('alice', 'alice:secret') },
      { scheme: 'digest', id: expectedDigest('bob', 'bob:pw') },
    ]);
    assert.deepEqual(auth.clientInfo(), [
      { authScheme: 'ip', user: '127.0.0.1' },
      { authScheme: 'digest', user: 'alice' },
      { authScheme: 'digest', user: 'bob' },
    ]);
  });

  test('an unknown scheme is AUTHFAILED and changes nothing', () => {
    const auth = connection('127.0.0.1');
    assert.equal(auth.add('world', utf8.encode('anyone')), ErrorCode.AUTHFAILED);
    assert.equal(auth.add('super', utf8.encode('super:pw')), ErrorCode.AUTHFAILED);
    assert.equal(auth.ids.length, 1);
  });

  test('ip succeeds and changes nothing: the connection has its ip id already', () => {
    const auth = connection('127.0.0.1');
    assert.equal(auth.add('ip', utf8.encode('10.0.0.1')), ErrorCode.OK);
    assert.deepEqual(auth.ids, [{ scheme: 'ip', id: '127.0.0.1' }]);
  });

  test('at most the limit of added ids: one more distinct id is QUOTAEXCEEDED, known ones still succeed', () => {
    const auth = connection('127.0.0.1', 3);
    for (let i = 0; i < 3; i++) assert.equal(auth.add('digest', utf8.encode(`u${i}:p`)), ErrorCode.OK);
    assert.equal(auth.add('digest', utf8.encode('u3:p')), ErrorCode.QUOTAEXCEEDED);
    assert.equal(auth.add('digest', utf8.encode('u1:p')), ErrorCode.OK);
    assert.equal(auth.add('ip', new Uint8Array(0)), ErrorCode.OK);
    assert.equal(auth.ids.length, 4);
  });

  test('the default limit is 64 added ids', () => {
    const auth = connection('127.0.0.1');
    for (let i = 0; i < AUTH_IDS_PER_CONNECTION_MAX; i++) assert.equal(auth.add('digest', utf8.encode(`u${i}:p`)), ErrorCode.OK);
    assert.equal(auth.add('digest', utf8.encode('one:more')), ErrorCode.QUOTAEXCEEDED);
    assert.equal(auth.ids.length, AUTH_IDS_PER_CONNECTION_MAX + 1);
  });
});
