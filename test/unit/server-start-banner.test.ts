// The start banner: version, the effective configuration with secrets kept out, and the connect hints.
// Configurations come from buildConfig, so the banner is tested against the shapes the server really runs with.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, parseZooCfg } from '../../src/server/config.js';
import { LIST_ENTRIES_MAX, REDACTED, VALUE_CHARS_MAX, connectHints, flattenConfig, hostPort, isSecretKey, startBanner } from '../../src/server/start-banner.js';

const DIGEST = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';

describe('start banner', () => {
  test('version first, then the whole effective configuration, then how to connect', () => {
    const config = buildConfig({ clientPort: 0, dataDir: '/var/canopy', tickTime: 500 });
    const lines = startBanner({ version: '1.2.3', config, port: 41234, securePort: 0 });
    assert.deepEqual(lines.map((l) => l.message), ['canopy-server 1.2.3', 'configuration', 'connect with: canopy-cli -server 127.0.0.1:41234']);
    assert.equal(lines[0]!.meta?.version, '1.2.3');
    const meta = lines[1]!.meta!;
    assert.equal(meta.dataDir, '/var/canopy');
    assert.equal(meta.tickTime, 500);
    assert.equal(meta.minSessionTimeout, 1000, 'derived values are shown as the server uses them');
    assert.equal(meta.maxDataBytes, config.maxDataBytes, 'defaults are shown too');
    assert.deepEqual(meta.fourLetterWords, [...config.fourLetterWords], 'a set is shown as a list');
    assert.equal(meta.clientPort, 0, 'the configured port; the bound one is in the connect hint');
  });

  test('secrets are replaced, paths of secret files are kept, an unset secret is left out', () => {
    const withDigest = flattenConfig(buildConfig({ superDigest: DIGEST }));
    assert.equal(withDigest.superDigest, REDACTED);
    assert.ok(!JSON.stringify(withDigest).includes('D/InIHSb7'), 'the digest appears nowhere');
    assert.equal(flattenConfig(buildConfig({})).superDigest, undefined, 'no digest configured: nothing to hide');
    const peer = flattenConfig(buildConfig(parseZooCfg([
      'server.1=127.0.0.1:2888', 'server.2=127.0.0.1:2889', 'server.3=127.0.0.1:2890',
      'quorum.auth.secretFile=/etc/canopy/peer.secret',
      'sslQuorum=true', 'ssl.quorum.certFile=/etc/canopy/m.pem', 'ssl.quorum.keyFile=/etc/canopy/m.key', 'ssl.quorum.caFile=/etc/canopy/ca.pem',
      'ssl.quorum.keyStore.password=hunter2-passphrase',
    ].join('\n')), { idGiven: true }));
    assert.equal(peer['peerAuth.secretFile'], '/etc/canopy/peer.secret');
    assert.equal(peer['peerAuth.tls.caFile'], '/etc/canopy/ca.pem');
    assert.equal(peer['peerAuth.tls.keyPassword'], REDACTED);
    assert.ok(!JSON.stringify(peer).includes('hunter2'), 'the key passphrase appears nowhere');
    assert.deepEqual(peer.servers, ['id=1 host=127.0.0.1 peerPort=2888', 'id=2 host=127.0.0.1 peerPort=2889', 'id=3 host=127.0.0.1 peerPort=2890']);
  });

  test('which key names count as secrets', () => {
    for (const key of ['superDigest', 'keyPassword', 'token', 'adminToken', 'secret', 'passphrase']) assert.ok(isSecretKey(key), key);
    for (const key of ['secretFile', 'keyPasswordFile', 'keyPasswordPath', 'keyStoreFile', 'dataDir', 'keyStoreLocation']) assert.ok(!isSecretKey(key), key);
  });

  test('a wss hint for the secure port, naming the certificate flags when clientAuth=need', () => {
    const tls = (clientAuth: string) => buildConfig({
      clientPort: 2181, secureClientPort: 2281, 'ssl.keyStore.location': '/k.pem', 'ssl.trustStore.location': '/ca.pem', 'ssl.clientAuth': clientAuth,
    });
    assert.deepEqual(connectHints({ version: '1', config: tls('need'), port: 2181, securePort: 2281 }), [
      'canopy-cli -server 127.0.0.1:2181', 'canopy-cli -server wss://127.0.0.1:2281 --cert FILE --key FILE',
    ]);
    assert.deepEqual(connectHints({ version: '1', config: tls('none'), port: 2181, securePort: 2281 }).at(-1), 'canopy-cli -server wss://127.0.0.1:2281');
    const secureOnly = buildConfig({ secureClientPort: 2281, 'ssl.keyStore.location': '/k.pem', 'ssl.clientAuth': 'none' });
    assert.deepEqual(connectHints({ version: '1', config: secureOnly, port: 0, securePort: 2281 }), ['canopy-cli -server wss://127.0.0.1:2281']);
  });

  test('a wildcard listen address is reached through loopback; IPv6 goes in brackets; odd text is quoted', () => {
    assert.equal(hostPort('0.0.0.0', 2181), '127.0.0.1:2181');
    assert.equal(hostPort('::', 2181), '[::1]:2181');
    assert.equal(hostPort('fd00::5', 2181), '[fd00::5]:2181');
    assert.equal(hostPort('db-1.example.com', 2181), 'db-1.example.com:2181');
    assert.equal(hostPort('evil\nINFO forged line', 2181), '"evil\\nINFO forged line":2181', 'a newline cannot start a forged log line');
    assert.equal(startBanner({ version: '1.0\n2', config: buildConfig({}), port: 1, securePort: 0 })[0]!.message, 'canopy-server "1.0\\n2"');
  });

  test('long values and long lists are cut', () => {
    const origins = Array.from({ length: LIST_ENTRIES_MAX + 5 }, (_, i) => `https://app${i}.example.com`).join(',');
    const meta = flattenConfig(buildConfig({ allowedOrigins: origins, dataDir: `/${'d'.repeat(2 * VALUE_CHARS_MAX)}` }));
    const shown = meta.allowedOrigins as string[];
    assert.equal(shown.length, LIST_ENTRIES_MAX + 1);
    assert.equal(shown.at(-1), '… 5 more');
    assert.equal((meta.dataDir as string).length, VALUE_CHARS_MAX + 1);
  });
});
