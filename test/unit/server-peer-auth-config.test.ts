// The peer-authentication configuration: Canopy's and ZooKeeper's key names, what is missing or
// contradictory, and the files read at start (peer-credentials.ts) with their bounds: a secret that is
// empty, short, oversized, missing, a directory or a FIFO; PEM files that hold no certificate, a key that
// does not belong to its certificate, an expired certificate, an encrypted key and its passphrase.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, buildConfig, parseZooCfg, type RawSettings } from '../../src/server/config.js';
import { PEM_FILE_BYTES_MAX, loadPeerCredentials, loadSecret, peerAuthenticationWarning } from '../../src/server/peer-credentials.js';
import { PEER_SECRET_BYTES_MAX, PEER_SECRET_BYTES_MIN } from '../../src/transport/index.js';
import { haveOpenssl, makeCertAuthority, removeCertAuthority, type CertAuthority } from '../support/certs.js';

const THREE = 'server.1=127.0.0.1:2888\nserver.2=127.0.0.1:2889\nserver.3=127.0.0.1:2890\nmyid=1\n';

function config(extra: string): ReturnType<typeof buildConfig> {
  return buildConfig(parseZooCfg(THREE + extra));
}

function refuses(raw: RawSettings | string, message: RegExp): void {
  const settings = typeof raw === 'string' ? parseZooCfg(THREE + raw) : raw;
  assert.throws(() => buildConfig(settings), (e: unknown) => e instanceof ConfigError && message.test(e.message), String(message));
}

function refusesToLoad(load: () => unknown, message: RegExp): void {
  assert.throws(load, (e: unknown) => e instanceof ConfigError && message.test(e.message), String(message));
}

describe('peer authentication keys', () => {
  test('none by default; a secret file; Canopy\'s certificate keys; flags as well as file lines', () => {
    assert.deepEqual(config('').peerAuth, { tls: undefined, secretFile: undefined });
    assert.equal(config('quorum.auth.secretFile=/etc/canopy/peer.secret\n').peerAuth.secretFile, '/etc/canopy/peer.secret');
    const tls = config('sslQuorum=true\nssl.quorum.certFile=/c.pem\nssl.quorum.keyFile=/k.pem\nssl.quorum.caFile=/ca.pem\n').peerAuth.tls;
    assert.deepEqual(tls, { certFile: '/c.pem', keyFile: '/k.pem', caFile: '/ca.pem', hostnameVerification: true, clientHostnameVerification: true });
    const flags = buildConfig({ ...parseZooCfg(THREE), sslQuorum: true, 'ssl.quorum.certFile': '/c.pem', 'ssl.quorum.keyFile': '/k.pem', 'ssl.quorum.caFile': '/ca.pem', 'ssl.quorum.hostnameVerification': false });
    assert.equal(flags.peerAuth.tls?.hostnameVerification, false);
    assert.equal(flags.peerAuth.tls?.clientHostnameVerification, false, 'ignored without hostnameVerification, as in ZooKeeper');
  });

  test('ZooKeeper\'s names: a PEM key store holding key and chain, a PEM trust store, a key password', () => {
    const tls = config([
      'sslQuorum=true', 'ssl.quorum.keyStore.location=/ks.pem', 'ssl.quorum.keyStore.type=PEM', 'ssl.quorum.keyStore.password=pw',
      'ssl.quorum.trustStore.location=/ts.pem', 'ssl.quorum.trustStore.type=pem', 'ssl.quorum.trustStore.password=unused', 'ssl.quorum.clientAuth=need',
      'ssl.quorum.clientHostnameVerification=false', '',
    ].join('\n')).peerAuth.tls;
    assert.deepEqual(tls, { certFile: '/ks.pem', keyFile: '/ks.pem', caFile: '/ts.pem', keyPassword: 'pw', hostnameVerification: true, clientHostnameVerification: false });
  });

  test('missing, contradictory or unsupported settings are refused, saying what to do', () => {
    refuses('ssl.quorum.certFile=/c.pem\n', /ssl\.quorum\.certFile is set but sslQuorum is not true/);
    refuses('sslQuorum=true\nssl.quorum.caFile=/ca.pem\n', /needs this server's certificate and key/);
    refuses('sslQuorum=true\nssl.quorum.certFile=/c.pem\nssl.quorum.caFile=/ca.pem\n', /needs this server's certificate and key/);
    refuses('sslQuorum=true\nssl.quorum.certFile=/c.pem\nssl.quorum.keyFile=/k.pem\n', /needs the CA/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.pem\nssl.quorum.certFile=/c.pem\nssl.quorum.caFile=/ca.pem\n', /not both/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.pem\nssl.quorum.caFile=/ca.pem\nssl.quorum.trustStore.location=/ts.pem\n', /not both/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.jks\nssl.quorum.keyStore.type=JKS\nssl.quorum.caFile=/ca.pem\n', /PEM files only/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.pem\nssl.quorum.trustStore.location=/ts.p12\nssl.quorum.trustStore.type=PKCS12\n', /PEM files only/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.pem\nssl.quorum.caFile=/ca.pem\nssl.quorum.clientAuth=want\n', /always require a member certificate/);
    refuses('sslQuorum=true\nssl.quorum.keyStore.location=/ks.pem\nssl.quorum.caFile=/ca.pem\nssl.quorum.keyStore.password=a\nssl.quorum.keyStore.passwordPath=/p\n', /not both/);
    refuses('sslQuorum=maybe\n', /sslQuorum must be true or false/);
    refuses('quorum.auth.secretFile=\n', /quorum\.auth\.secretFile must not be empty/);
    refuses('quorum.auth.enableSasl=true\n', /does not authenticate servers with SASL; use quorum\.auth\.secretFile/);
    refuses('ssl.quorum.protocol=TLSv1.3\n', /unknown configuration key 'ssl\.quorum\.protocol'/);
  });
});

describe('the peer secret file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer, mode = 0o600): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
    return path;
  };

  test('its bytes without trailing line endings; a file others may read is a warning', () => {
    const text = 'k'.repeat(PEER_SECRET_BYTES_MIN);
    const warnings: string[] = [];
    assert.deepEqual(Buffer.from(loadSecret(file('ok', `${text}\r\n\n`), warnings)).toString(), text);
    assert.deepEqual(warnings, []);
    // Any bytes (newlines inside included): only the trailing line endings go.
    const binary = Buffer.from([...Array.from({ length: 40 }, (_, i) => (i * 37) % 256), 0x0a, 0x00]);
    assert.deepEqual(Buffer.from(loadSecret(file('binary', binary), warnings)), binary);
    loadSecret(file('open', text, 0o644), warnings);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /may be read by other users \(mode 644\); chmod 600/);
  });

  test('empty, short, oversized, missing, a directory or a FIFO: refused with the key, the file and what to do', () => {
    refusesToLoad(() => loadSecret(file('empty', ''), []), /quorum\.auth\.secretFile: .*empty is empty; make a secret with: openssl rand/);
    refusesToLoad(() => loadSecret(file('newline', '\n'), []), /is empty/);
    refusesToLoad(() => loadSecret(file('short', 'x'.repeat(PEER_SECRET_BYTES_MIN - 1)), []), new RegExp(`holds ${PEER_SECRET_BYTES_MIN - 1} bytes; a peer secret needs at least ${PEER_SECRET_BYTES_MIN}`));
    refusesToLoad(() => loadSecret(file('long', 'x'.repeat(PEER_SECRET_BYTES_MAX + 1)), []), new RegExp(`more than ${PEER_SECRET_BYTES_MAX} bytes`));
    refusesToLoad(() => loadSecret(file('huge', Buffer.alloc(64 * 1024 * 1024)), []), /is 67108864 bytes, more than the/);
    refusesToLoad(() => loadSecret(join(dir, 'absent'), []), /cannot open .*absent \(no such file\)/);
    mkdirSync(join(dir, 'adir'));
    refusesToLoad(() => loadSecret(join(dir, 'adir'), []), /is not a regular file/);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    refusesToLoad(() => loadSecret(join(dir, 'fifo'), []), /is not a regular file/);
  });

  test('loadPeerCredentials reports the mode; an ensemble without peer authentication gets a warning', () => {
    const secretFile = file('mode', 'm'.repeat(40));
    assert.equal(loadPeerCredentials({ tls: undefined, secretFile }).mode, 'secret');
    assert.equal(loadPeerCredentials({ tls: undefined, secretFile: undefined }).mode, 'none');
    assert.match(peerAuthenticationWarning('none') ?? '', /peer links are not authenticated.*quorum\.auth\.secretFile or sslQuorum=true/);
    for (const mode of ['tls', 'secret', 'tls+secret'] as const) assert.equal(peerAuthenticationWarning(mode), undefined);
  });
});

describe('member certificate files', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  let ca: CertAuthority;
  before(() => { ca = makeCertAuthority('Config CA'); });
  after(() => removeCertAuthority(ca));
  const tlsFiles = (over: Record<string, string>): Parameters<typeof loadPeerCredentials>[0] => ({
    secretFile: undefined,
    tls: { certFile: '', keyFile: '', caFile: ca.caFile, hostnameVerification: true, clientHostnameVerification: true, ...over },
  });

  test('separate files, or one PEM holding key and chain; the mode is tls', () => {
    const leaf = ca.leaf('cfg-member');
    const loaded = loadPeerCredentials(tlsFiles({ certFile: leaf.certFile, keyFile: leaf.keyFile }));
    assert.equal(loaded.mode, 'tls');
    assert.equal(loaded.options.tls?.cert, readFileSync(leaf.certFile, 'utf8'));
    const keyStore = join(ca.dir, 'cfg-keystore.pem');
    writeFileSync(keyStore, readFileSync(leaf.keyFile, 'utf8') + readFileSync(leaf.certFile, 'utf8'));
    assert.equal(loadPeerCredentials(tlsFiles({ certFile: keyStore, keyFile: keyStore })).mode, 'tls');
  });

  test('no certificate, a key of another certificate, an expired certificate, an oversized file: refused', () => {
    const a = ca.leaf('cfg-a');
    const b = ca.leaf('cfg-b');
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: a.keyFile, keyFile: a.keyFile })), /holds no PEM certificate/);
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: a.certFile, keyFile: a.certFile })), /ssl\.quorum\.keyStore\.location: cannot read a private key/);
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: a.certFile, keyFile: b.keyFile })), /the private key in .*cfg-b\.key does not belong to the certificate in .*cfg-a\.pem/);
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: a.certFile, keyFile: a.keyFile, caFile: a.keyFile })), /ssl\.quorum\.caFile: .* holds no PEM certificate/);
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: a.certFile, keyFile: a.keyFile }), Date.now() + 30 * 86_400_000), /expired on/);
    const huge = join(ca.dir, 'huge.pem');
    writeFileSync(huge, Buffer.alloc(PEM_FILE_BYTES_MAX + 1, 0x41));
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: huge, keyFile: a.keyFile })), /more than the 1048576 allowed/);
  });

  test('an encrypted key needs its passphrase, from the config or from a file', () => {
    const leaf = ca.leaf('cfg-encrypted');
    const encrypted = join(ca.dir, 'cfg-encrypted.enc.key');
    execFileSync('openssl', ['pkcs8', '-topk8', '-in', leaf.keyFile, '-out', encrypted, '-v2', 'aes-256-cbc', '-passout', 'pass:s3cret'], { stdio: 'ignore' });
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: leaf.certFile, keyFile: encrypted })), /an encrypted key needs ssl\.quorum\.keyStore\.password/);
    refusesToLoad(() => loadPeerCredentials(tlsFiles({ certFile: leaf.certFile, keyFile: encrypted, keyPassword: 'wrong' })), /is the passphrase right/);
    assert.equal(loadPeerCredentials(tlsFiles({ certFile: leaf.certFile, keyFile: encrypted, keyPassword: 's3cret' })).options.tls?.passphrase, 's3cret');
    const passwordFile = join(ca.dir, 'cfg-password');
    writeFileSync(passwordFile, 's3cret\n');
    assert.equal(loadPeerCredentials(tlsFiles({ certFile: leaf.certFile, keyFile: encrypted, keyPasswordFile: passwordFile })).options.tls?.passphrase, 's3cret');
  });
});
