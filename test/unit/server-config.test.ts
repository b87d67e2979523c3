import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawSettings } from '../../src/server/config.js';
import { ConfigError, buildConfig, ensembleMembers, ensembleSizeWarning, parseZooCfg, peerListenAddress, validateEnsemble } from '../../src/server/config.js';
import { renderServerConfig, writeServerConfig } from '../support/ensemble-config.js';
import { parseRoleLine } from '../support/ensemble.js';

const THREE = 'server.1=127.0.0.1:2888\nserver.2=127.0.0.1:2889\nserver.3=127.0.0.1:2890\n';

function refuses(raw: RawSettings, message: RegExp, idGiven = true): void {
  assert.throws(() => buildConfig(raw, { idGiven }), (e: unknown) => e instanceof ConfigError && message.test(e.message));
}

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
  test('the frame, output and in-flight limits follow maxDataBytes unless given; given ones are still checked', () => {
    const big = buildConfig({ maxDataBytes: 3_000_000 });
    assert.equal(big.maxFrameBytes, 3_000_000 + 64 * 1024);
    assert.equal(big.maxClientOutputBytes, 2 * big.maxFrameBytes);
    assert.equal(buildConfig({ maxDataBytes: 2_000_000 }).maxClientOutputBytes, 4 * 1024 * 1024, 'the default holds two such frames already');
    assert.equal(big.globalOutstandingBytes, 64 * 1024 * 1024);
    const huge = buildConfig(parseZooCfg('jute.maxbuffer=100000000\n'));
    assert.equal(huge.maxFrameBytes, 100_000_000 + 64 * 1024);
    assert.equal(huge.globalOutstandingBytes, huge.maxFrameBytes);
    const small = buildConfig({ maxDataBytes: 2048 });
    assert.equal(small.maxFrameBytes, 1_114_112, 'a smaller maxDataBytes keeps the default frame');
    assert.throws(() => buildConfig({ maxDataBytes: 2_000_000, maxFrameBytes: 1_500_000 }), /maxFrameBytes \(1500000\) must exceed maxDataBytes/);
    assert.throws(() => buildConfig({ maxDataBytes: 3_000_000, maxClientOutputBytes: 4_194_304 }), /maxClientOutputBytes/);
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

describe('ensemble configuration', () => {
  test('the id must be one of the server.N lines', () => {
    refuses({ ...parseZooCfg(THREE), myid: 4 }, /^myid 4 is not among server\.N lines \(1, 2, 3\)$/);
    assert.equal(buildConfig({ ...parseZooCfg(THREE), myid: 2 }, { idGiven: true }).serverId, 2);
    assert.equal(buildConfig({ ...parseZooCfg(THREE), serverId: '3' }).serverId, 3);
  });
  test('server lines without any id say how to give one', () => {
    refuses({ ...parseZooCfg(THREE), dataDir: '/var/canopy' }, /^this config names an ensemble \(server\.1\.\.3\): write this server's id to \/var\/canopy\/myid or pass --myid$/, false);
    refuses(parseZooCfg('server.1=a:2888\nserver.4=b:2888\n'), /\(server\.1, server\.4\)/, false);
  });
  test('a standalone config needs no id and has no peer listener', () => {
    const c = buildConfig({}, { idGiven: false });
    assert.deepEqual(c.servers, []);
    assert.deepEqual(ensembleMembers(c), [{ id: 1, host: '127.0.0.1', port: 0 }]);
    assert.equal(peerListenAddress(c), undefined);
    assert.equal(ensembleSizeWarning(c), undefined);
    assert.doesNotThrow(() => validateEnsemble(c, false));
  });
  test('ensembleMembers lists every voter by id with its peer port', () => {
    const c = buildConfig({ ...parseZooCfg('server.3=c:2890:3890\nserver.1=a:2888\nserver.2=b:2889\n'), myid: 1 });
    assert.deepEqual(ensembleMembers(c), [{ id: 1, host: 'a', port: 2888 }, { id: 2, host: 'b', port: 2889 }, { id: 3, host: 'c', port: 2890 }]);
  });
  test('a server listens for peers on its own line unless quorumListenOnAllIPs', () => {
    const raw = { ...parseZooCfg('server.1=canopy1:2888\nserver.2=canopy2:2888\nserver.3=canopy3:2888\n'), myid: 2 };
    assert.equal(buildConfig(raw).quorumListenOnAllIPs, false);
    assert.deepEqual(peerListenAddress(buildConfig(raw)), { host: 'canopy2', port: 2888 });
    assert.deepEqual(peerListenAddress(buildConfig({ ...raw, quorumListenOnAllIPs: 'true' })), { host: '0.0.0.0', port: 2888 });
    assert.equal(buildConfig({ ...raw, quorumListenOnAllIPs: true }).quorumListenOnAllIPs, true);
    assert.equal(buildConfig({ ...raw, quorumListenOnAllIPs: 'FALSE' }).quorumListenOnAllIPs, false);
    refuses({ ...raw, quorumListenOnAllIPs: 'yes' }, /quorumListenOnAllIPs must be true or false/);
  });
  test('peerDial.N changes where this server dials peer N, never the membership', () => {
    const c = buildConfig({ ...parseZooCfg(`${THREE}peerDial.2=127.0.0.1:40002\npeerDial.3=[::1]:40003\n`), myid: 1 });
    assert.deepEqual(c.peerDial, [{ id: 2, host: '127.0.0.1', port: 40002 }, { id: 3, host: '::1', port: 40003 }]);
    assert.deepEqual(ensembleMembers(c).map((m) => m.port), [2888, 2889, 2890]);
    assert.deepEqual(buildConfig({ ...parseZooCfg(THREE), myid: 1 }).peerDial, []);
    refuses({ ...parseZooCfg(`${THREE}peerDial.4=127.0.0.1:40004\n`), myid: 1 }, /peerDial\.4 names no server\.4 line/);
    refuses({ ...parseZooCfg(`${THREE}peerDial.1=127.0.0.1:40001\n`), myid: 1 }, /peerDial\.1 is this server's own id/);
    refuses({ ...parseZooCfg(`${THREE}peerDial.2=127.0.0.1\n`), myid: 1 }, /peerDial\.2: expected host:port/);
    refuses({ ...parseZooCfg(`${THREE}peerDial.2=127.0.0.1:0\n`), myid: 1 }, /peerDial\.2: expected host:port/);
    refuses({ ...parseZooCfg(`${THREE}peerDial.x=127.0.0.1:1\n`), myid: 1 }, /peerDial\.x: server id must be an integer/);
  });
  test('txnLogEngine is auto by default, segments or leveldb on request, and nothing else', () => {
    assert.equal(buildConfig({}).txnLogEngine, 'auto');
    assert.equal(buildConfig(parseZooCfg('txnLogEngine=segments\n')).txnLogEngine, 'segments');
    assert.equal(buildConfig({ txnLogEngine: 'leveldb' }).txnLogEngine, 'leveldb');
    refuses({ txnLogEngine: 'rocksdb' }, /txnLogEngine must be auto, segments or leveldb, got 'rocksdb'/);
    refuses({ txnLogEngine: '' }, /txnLogEngine must be auto, segments or leveldb/);
  });
  test('historyTxnsMax defaults to 20000 and is at least 100', () => {
    assert.equal(buildConfig({}).historyTxnsMax, 20_000);
    assert.equal(buildConfig(parseZooCfg('historyTxnsMax=100\n')).historyTxnsMax, 100);
    refuses({ historyTxnsMax: 99 }, /historyTxnsMax must be an integer in \[100, /);
  });
  test('an even ensemble is allowed, with a warning', () => {
    const c = buildConfig({ ...parseZooCfg(`${THREE}server.4=127.0.0.1:2891\n`), myid: 1 });
    assert.equal(c.servers.length, 4);
    assert.equal(ensembleSizeWarning(c), 'an ensemble of 4 tolerates no more failures than one of 3');
    assert.equal(ensembleSizeWarning(buildConfig({ ...parseZooCfg(THREE), myid: 1 })), undefined);
  });
  test('peer ports may not collide with the client port or with each other', () => {
    refuses({ ...parseZooCfg('server.1=127.0.0.1:2181\nserver.2=127.0.0.1:2889\nserver.3=127.0.0.1:2890\n'), myid: 1 }, /server\.1: peerPort 2181 is also clientPort on 127\.0\.0\.1/);
    // Another member's peer port on this server's client address collides too (a one-machine ensemble).
    refuses({ ...parseZooCfg(THREE), myid: 1, clientPort: 2889 }, /server\.2: peerPort 2889 is also clientPort/);
    refuses({ ...parseZooCfg('server.1=host1:2181\nserver.2=host2:2181\nserver.3=host3:2181\n'), myid: 1, clientPortAddress: '0.0.0.0' }, /server\.1: peerPort 2181/);
    refuses({ ...parseZooCfg('server.1=host1:2181\nserver.2=host2:2181\nserver.3=host3:2181\n'), myid: 3, quorumListenOnAllIPs: 'true' }, /server\.3: peerPort 2181/);
    // Same port on different hosts is the normal multi-machine layout.
    assert.doesNotThrow(() => buildConfig({ ...parseZooCfg('server.1=host1:2888\nserver.2=host2:2888\nserver.3=host3:2888\n'), myid: 1, clientPortAddress: '0.0.0.0' }));
    refuses({ ...parseZooCfg('server.1=a:2888\nserver.2=a:2888\n'), myid: 1 }, /server\.1 and server\.2 both use peer address a:2888/);
  });
  test('server lines: hosts non-empty, ports in range, electionPort kept but optional, IPv6 in brackets', () => {
    refuses(parseZooCfg('server.1=:2888\n'), /server\.1: host must not be empty/);
    refuses(parseZooCfg('server.1=a:0\n'), /server\.1: peerPort must be a port number/);
    refuses(parseZooCfg('server.1=a:2888:70000\n'), /server\.1: electionPort must be a port number/);
    refuses(parseZooCfg('server.1=a:2888:3888:observer\n'), /observers are not supported/);
    const c = buildConfig({ ...parseZooCfg('server.1=[::1]:2888:3888\nserver.2=a:2889:3889:participant;0.0.0.0:2181\nserver.3=b:2890\n'), myid: 1 });
    assert.deepEqual(c.servers.map((s) => [s.host, s.peerPort, s.electionPort]), [['::1', 2888, 3888], ['a', 2889, 3889], ['b', 2890, undefined]]);
  });
});

describe('ensemble harness files', () => {
  test('a written member config reads back as that member', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-config-test-'));
    try {
      const peers = [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', peerPort: 3000 + id }));
      const { configFile, written } = writeServerConfig({ id: 2, dataDir: dir, clientPort: 4002, peers, tickTime: 100, extra: { snapCount: '200' } });
      assert.equal(written, true);
      const myid = Number(readFileSync(join(dir, 'myid'), 'utf8'));
      const c = buildConfig({ ...parseZooCfg(readFileSync(configFile, 'utf8')), myid }, { idGiven: true });
      assert.equal(c.serverId, 2);
      assert.equal(c.clientPort, 4002);
      assert.equal(c.dataDir, dir);
      assert.equal(c.tickTime, 100);
      assert.equal(c.initLimit, 10);
      assert.equal(c.syncLimit, 5);
      assert.equal(c.snapCount, 200);
      assert.deepEqual(ensembleMembers(c), [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 3000 + id })));
      assert.deepEqual(writeServerConfig({ id: 2, dataDir: dir, clientPort: 9999, peers, tickTime: 100 }, { overwrite: false }), { configFile, written: false });
      assert.match(readFileSync(configFile, 'utf8'), /clientPort=4002/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('renderServerConfig lists server lines in id order', () => {
    const text = renderServerConfig({ id: 1, dataDir: '/d', clientPort: 1, peers: [{ id: 2, host: 'b', peerPort: 2 }, { id: 1, host: 'a', peerPort: 3 }], tickTime: 5 });
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith('server.')), ['server.1=a:3', 'server.2=b:2']);
  });
  test('role lines are read from the server log format', () => {
    const line = '2025-01-01T00:00:00.000Z INFO role changed {"server":1,"state":"following","leader":2,"epoch":5,"serving":true}';
    assert.deepEqual(parseRoleLine(line), { state: 'following', leader: 2, epoch: 5, serving: true });
    assert.equal(parseRoleLine('2025-01-01T00:00:00.000Z INFO serving clients {"port":2181}'), undefined);
    assert.equal(parseRoleLine('x INFO role changed {"state":"bogus","leader":1,"epoch":1,"serving":true}'), undefined);
    assert.equal(parseRoleLine('x INFO role changed {not json}'), undefined);
  });
});
