import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PORT, parseConnectString, serverUrl, shuffled } from '../../client/connect-string.js';
import { Chroot } from '../../client/chroot.js';

describe('parseConnectString', () => {
  test('parses a list of host:port with no chroot', () => {
    const parsed = parseConnectString('127.0.0.1:2181, zk-2.example.com:2182');
    assert.deepEqual(parsed.servers, [
      { host: '127.0.0.1', port: 2181 },
      { host: 'zk-2.example.com', port: 2182 },
    ]);
    assert.equal(parsed.chroot, undefined);
  });

  test('defaults the port and parses bracketed IPv6', () => {
    const parsed = parseConnectString('localhost,[::1]:3000,[fe80::1]');
    assert.deepEqual(parsed.servers, [
      { host: 'localhost', port: DEFAULT_PORT },
      { host: '::1', port: 3000 },
      { host: 'fe80::1', port: DEFAULT_PORT },
    ]);
  });

  test('takes a chroot after the last host; "/" means none', () => {
    assert.equal(parseConnectString('a:1,b:2/app/prod').chroot, '/app/prod');
    assert.equal(parseConnectString('a:1/').chroot, undefined);
  });

  test('rejects invalid strings with a clear message', () => {
    assert.throws(() => parseConnectString(''), /connect string is empty/);
    assert.throws(() => parseConnectString('a:1,,b:2'), /empty server entry/);
    assert.throws(() => parseConnectString('a:0'), /port 0 out of range/);
    assert.throws(() => parseConnectString('a:70000'), /out of range/);
    assert.throws(() => parseConnectString('a:x1'), /invalid port 'x1'/);
    assert.throws(() => parseConnectString('a b:1'), /invalid host 'a b'/);
    assert.throws(() => parseConnectString('::1:2181'), /IPv6 addresses need brackets/);
    assert.throws(() => parseConnectString('[::1:2181'), /unterminated IPv6/);
    assert.throws(() => parseConnectString('a:1/app/'), /invalid chroot '\/app\/'/);
    assert.throws(() => parseConnectString('a:1/app/../x'), /invalid chroot/);
  });
});

describe('serverUrl', () => {
  test('builds ws and wss URLs, bracketing IPv6 hosts', () => {
    assert.equal(serverUrl({ host: '127.0.0.1', port: 2181 }, false), 'ws://127.0.0.1:2181/');
    assert.equal(serverUrl({ host: '::1', port: 2181 }, true), 'wss://[::1]:2181/');
  });
});

describe('shuffled', () => {
  test('returns a permutation and leaves the input alone', () => {
    const input = [1, 2, 3, 4, 5];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const out = shuffled(input, random);
    assert.deepEqual(input, [1, 2, 3, 4, 5]);
    assert.deepEqual([...out].sort(), [1, 2, 3, 4, 5]);
  });

  test('a random source near 1 keeps the order, near 0 rotates it', () => {
    assert.deepEqual(shuffled([1, 2, 3], () => 0.999), [1, 2, 3]);
    assert.deepEqual(shuffled([1, 2, 3], () => 0), [2, 3, 1]);
  });
});

describe('Chroot', () => {
  test('maps paths both ways', () => {
    const chroot = new Chroot('/app');
    assert.equal(chroot.toServer('/'), '/app');
    assert.equal(chroot.toServer('/x/y'), '/app/x/y');
    assert.equal(chroot.toClient('/app'), '/');
    assert.equal(chroot.toClient('/app/x'), '/x');
    assert.equal(chroot.toClient('/application'), '/application');
  });

  test('without a prefix is the identity', () => {
    const chroot = new Chroot(undefined);
    assert.equal(chroot.toServer('/a'), '/a');
    assert.equal(chroot.toClient('/a'), '/a');
  });
});
