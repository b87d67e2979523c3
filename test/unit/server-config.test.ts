import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, buildConfig, parseZooCfg } from '../../src/server/config.js';

describe('configuration', () => {
  test('defaults give a standalone server on 127.0.0.1:2181', () => {
    const c = buildConfig({});
    assert.equal(c.clientPort, 2181);
    assert.equal(c.clientPortAddress, '127.0.0.1');
    assert.equal(c.minSessionTimeout, 4000);
    assert.equal(c.maxSessionTimeout, 40000);
  });
  test('zoo.cfg syntax with ZooKeeper keys and server lines', () => {
    const raw = parseZooCfg('# comment\ntickTime=1000\ndataDir=/var/canopy\nclientPort=2281\njute.maxbuffer=2048\nserver.1=a:2888:3888\nserver.2=b:2888:3888\n');
    const c = buildConfig(raw);
    assert.equal(c.tickTime, 1000);
    assert.equal(c.minSessionTimeout, 2000);
    assert.equal(c.maxDataBytes, 2048);
    assert.deepEqual(c.servers.map((s) => [s.id, s.host, s.peerPort, s.electionPort]), [[1, 'a', 2888, 3888], [2, 'b', 2888, 3888]]);
  });
  test('flags override the file', () => {
    const c = buildConfig({ ...parseZooCfg('clientPort=1\n'), clientPort: 3000 });
    assert.equal(c.clientPort, 3000);
  });
  test('bad values are refused with a clear message', () => {
    assert.throws(() => buildConfig({ clientPort: '70000' }), (e: unknown) => e instanceof ConfigError && /clientPort/.test(e.message));
    assert.throws(() => buildConfig({ bogus: '1' }), /unknown configuration key 'bogus'/);
    assert.throws(() => buildConfig({ minSessionTimeout: 10_000, maxSessionTimeout: 5_000 }), ConfigError);
    assert.throws(() => parseZooCfg('justtext'), /expected key=value/);
    assert.throws(() => buildConfig(parseZooCfg('server.x=a:1:2')), ConfigError);
  });
});
