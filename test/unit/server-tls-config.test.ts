// secureClientPort and the ssl.* keys for client connections: ZooKeeper's names and defaults, the plain
// port off when only the secure one is given, and clear refusals for what cannot work.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawSettings } from '../../src/server/config.js';
import { ConfigError, buildConfig, clientDoors, parseZooCfg } from '../../src/server/config.js';

const SECURE = { secureClientPort: '2281', 'ssl.keyStore.location': '/etc/canopy/keystore.pem', 'ssl.trustStore.location': '/etc/canopy/ca.pem' };

function refuses(raw: RawSettings, message: RegExp): void {
  assert.throws(() => buildConfig(raw), (e: unknown) => e instanceof ConfigError && message.test(e.message), `expected ${message}`);
}

describe('the secure client port in the configuration', () => {
  test('no secureClientPort: no TLS, the plain port as before', () => {
    const c = buildConfig({});
    assert.equal(c.clientTls, undefined);
    assert.deepEqual(clientDoors(c), [{ key: 'clientPort', address: '127.0.0.1', port: 2181 }]);
  });

  test('ZooKeeper\'s keys from zoo.cfg; clientAuth defaults to need; no clientPort means the secure port only', () => {
    const c = buildConfig(parseZooCfg('secureClientPort=2281\nssl.keyStore.location=/k.pem\nssl.keyStore.type=PEM\nssl.trustStore.location=/ca.pem\nssl.trustStore.type=pem\n'));
    assert.equal(c.clientPort, undefined);
    assert.deepEqual(c.clientTls, { port: 2281, address: '127.0.0.1', keyStoreFile: '/k.pem', trustStoreFile: '/ca.pem', clientAuth: 'need', x509: {} });
    assert.deepEqual(clientDoors(c), [{ key: 'secureClientPort', address: '127.0.0.1', port: 2281 }]);
  });

  test('with clientPort both ports serve; secureClientPortAddress; clientAuth in any case', () => {
    const c = buildConfig({ ...SECURE, clientPort: 2181, secureClientPortAddress: '0.0.0.0', 'ssl.clientAuth': 'WANT' });
    assert.equal(c.clientPort, 2181);
    assert.equal(c.clientTls?.address, '0.0.0.0');
    assert.equal(c.clientTls?.clientAuth, 'want');
    assert.deepEqual(clientDoors(c).map((d) => d.key), ['clientPort', 'secureClientPort']);
  });

  test('clientAuth=none needs no trust store', () => {
    const c = buildConfig({ secureClientPort: 2281, 'ssl.keyStore.location': '/k.pem', 'ssl.clientAuth': 'none' });
    assert.equal(c.clientTls?.trustStoreFile, undefined);
  });

  test('the x509 super user, under both of ZooKeeper\'s spellings', () => {
    assert.deepEqual(buildConfig({ ...SECURE, 'X509AuthenticationProvider.superUser': 'CN=root' }).clientTls?.x509, { superUser: 'CN=root' });
    assert.deepEqual(buildConfig({ ...SECURE, 'zookeeper.X509AuthenticationProvider.superUser': 'CN=root' }).clientTls?.x509, { superUser: 'CN=root' });
  });

  test('the SAN mapping: type required, regexes compiled, defaults .* and group 0', () => {
    const san = buildConfig({ ...SECURE, 'ssl.clientCertIdType': 'san', 'ssl.clientCertIdSanMatchType': '6' }).clientTls?.x509.san;
    assert.deepEqual(san && { ...san, matchRegex: san.matchRegex.source, extractRegex: san.extractRegex.source }, { type: 6, matchRegex: '.*', extractRegex: '.*', groupIndex: 0 });
    const full = buildConfig({
      ...SECURE, 'ssl.clientCertIdType': 'SAN', 'ssl.clientCertIdSanMatchType': 2, 'ssl.clientCertIdSanMatchRegex': '\\.example$',
      'ssl.clientCertIdSanExtractRegex': '^([^.]+)\\.', 'ssl.clientCertIdSanExtractMatcherGroupIndex': '1',
    }).clientTls?.x509.san;
    assert.equal(full?.type, 2);
    assert.equal(full?.extractRegex.exec('svc.example')?.[full.groupIndex], 'svc');
    assert.equal(buildConfig({ ...SECURE, 'ssl.clientCertIdType': 'SDN' }).clientTls?.x509.san, undefined);
  });

  test('what cannot work is refused, naming the key', () => {
    refuses({ secureClientPort: 2281 }, /secureClientPort needs ssl\.keyStore\.location/);
    refuses({ 'ssl.keyStore.location': '/k.pem' }, /ssl\.keyStore\.location is set but secureClientPort is not/);
    refuses({ 'X509AuthenticationProvider.superUser': 'CN=x' }, /secureClientPort is not/);
    refuses({ ...SECURE, secureClientPort: '70000' }, /secureClientPort must be an integer in \[0, 65535\]/);
    refuses({ ...SECURE, 'ssl.keyStore.type': 'JKS' }, /ssl\.keyStore\.type must be PEM/);
    refuses({ ...SECURE, 'ssl.trustStore.type': 'PKCS12' }, /ssl\.trustStore\.type must be PEM/);
    refuses({ ...SECURE, 'ssl.clientAuth': 'maybe' }, /ssl\.clientAuth must be need, want or none/);
    refuses({ secureClientPort: 2281, 'ssl.keyStore.location': '/k.pem' }, /ssl\.clientAuth=need needs ssl\.trustStore\.location/);
    refuses({ ...SECURE, 'ssl.keyStore.location': ' ' }, /ssl\.keyStore\.location must not be empty/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'CN' }, /ssl\.clientCertIdType must be SAN or SDN/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'SAN' }, /needs ssl\.clientCertIdSanMatchType/);
    refuses({ ...SECURE, 'ssl.clientCertIdSanMatchType': '2' }, /ssl\.clientCertIdSanMatchType needs ssl\.clientCertIdType=SAN/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'SAN', 'ssl.clientCertIdSanMatchType': '9' }, /in \[0, 8\]/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'SAN', 'ssl.clientCertIdSanMatchType': '2', 'ssl.clientCertIdSanMatchRegex': '(' }, /ssl\.clientCertIdSanMatchRegex is not a valid regular expression/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'SAN', 'ssl.clientCertIdSanMatchType': '2', 'ssl.clientCertIdSanExtractRegex': 'x'.repeat(1025) }, /longer than 1024/);
    refuses({ ...SECURE, 'ssl.clientCertIdType': 'SAN', 'ssl.clientCertIdSanMatchType': '2', 'ssl.clientCertIdSanExtractRegex': '(a)(b)', 'ssl.clientCertIdSanExtractMatcherGroupIndex': '3' },
      /GroupIndex is 3 but ssl\.clientCertIdSanExtractRegex has 2 groups/);
    refuses({ ...SECURE, 'ssl.keyStore.password': 'x' }, /unknown configuration key 'ssl\.keyStore\.password'/);
  });

  test('ports may not collide with each other or with a peer port', () => {
    refuses({ ...SECURE, clientPort: 2281 }, /clientPort and secureClientPort are both 2281/);
    assert.doesNotThrow(() => buildConfig({ ...SECURE, clientPort: 2281, secureClientPortAddress: '127.0.0.2' }));
    assert.doesNotThrow(() => buildConfig({ ...SECURE, secureClientPort: 0, clientPort: 0 }));
    const three = parseZooCfg('server.1=127.0.0.1:2281\nserver.2=127.0.0.1:2889\nserver.3=127.0.0.1:2890\n');
    refuses({ ...three, ...SECURE, myid: 1 }, /server\.1: peerPort 2281 is also secureClientPort on 127\.0\.0\.1/);
  });
});
