// Connect strings written as WebSocket URLs: a ws:// or wss:// prefix on every entry of a list, a URL's
// trailing slash, and the chroot after host:port as ZooKeeper reads it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnectString } from '../../client/connect-string.js';

describe('parseConnectString with ws:// and wss:// URLs', () => {
  test('one URL: the host and port, no chroot, the scheme chooses TLS', () => {
    assert.deepEqual(parseConnectString('ws://127.0.0.1:2181'), { servers: [{ host: '127.0.0.1', port: 2181 }], chroot: undefined, secure: false });
    assert.deepEqual(parseConnectString('WSS://zk.example.com:2281/'), { servers: [{ host: 'zk.example.com', port: 2281 }], chroot: undefined, secure: true });
  });

  test('a comma-separated list of URLs is a list of servers, not a chroot', () => {
    const parsed = parseConnectString('ws://a:1,ws://b:2, ws://[::1]:3');
    assert.deepEqual(parsed.servers, [{ host: 'a', port: 1 }, { host: 'b', port: 2 }, { host: '::1', port: 3 }]);
    assert.equal(parsed.chroot, undefined);
    assert.equal(parsed.secure, false);
    assert.equal(parseConnectString('wss://a:1,wss://b:2').secure, true);
  });

  test('each URL may end in its own slash', () => {
    const parsed = parseConnectString('wss://a:1/,wss://b:2/');
    assert.deepEqual(parsed.servers, [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
    assert.equal(parsed.chroot, undefined);
  });

  test('a path after the last host:port is the chroot, commas and all', () => {
    assert.equal(parseConnectString('ws://a:1,ws://b:2/app/prod').chroot, '/app/prod');
    assert.equal(parseConnectString('ws://a:1/app,x').chroot, '/app,x');
    assert.deepEqual(parseConnectString('ws://a:1/app,x').servers, [{ host: 'a', port: 1 }]);
    // The prefix once applies to the entries without one, as before.
    const mixed = parseConnectString('wss://a:1,b:2/app');
    assert.deepEqual(mixed.servers, [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
    assert.equal(mixed.secure, true);
    assert.equal(mixed.chroot, '/app');
  });

  test('refuses mixed schemes, other schemes and empty URLs', () => {
    assert.throws(() => parseConnectString('ws://a:1,wss://b:2'), /mixes ws:\/\/ and wss:\/\//);
    assert.throws(() => parseConnectString('http://a:1'), /unsupported scheme 'http:\/\/'/);
    assert.throws(() => parseConnectString('ws://a:1,http://b:2'), /unsupported scheme 'http:\/\/'/);
    assert.throws(() => parseConnectString('ws://'), /names no server/);
    assert.throws(() => parseConnectString('ws://a:1,ws://'), /empty server entry/);
    assert.throws(() => parseConnectString('ws://a:1//x'), /invalid chroot/);
  });

  test('a long list is bounded', () => {
    const many = Array.from({ length: 300 }, (_, i) => `ws://h${i}:1`).join(',');
    assert.throws(() => parseConnectString(many), /more than 256 servers/);
  });
});
