// The secure port's key store and trust store: what is accepted, what is refused with which reason, and
// the reloader that switches to new files only when they check out (real files, real fs.watch).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveOpenssl, makeCertAuthority, pemText, removeCertAuthority } from '../support/certs.js';
import { fingerprintOf, keyStoreText, replaceFile, writeKeyStore } from '../support/tls-probe.js';
import { until } from '../support/until.js';
import { PEM_FILE_BYTES_MAX, TlsMaterialError, loadTlsMaterial } from '../../src/server/tls-material.js';
import type { TlsMaterial } from '../../src/server/tls-material.js';
import { TlsReloader } from '../../src/server/tls-reloader.js';
import type { Logger } from '../../src/server/logger.js';

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; meta?: object }> } {
  const lines: Array<{ level: string; msg: string; meta?: object }> = [];
  const at = (level: string) => (msg: string, meta?: object): void => void lines.push({ level, msg, ...(meta !== undefined ? { meta } : {}) });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

describe('TLS key store and trust store', { skip: haveOpenssl() ? false : 'openssl is not installed' }, () => {
  test('a key with its certificate, and a CA bundle, are read and checked', (t) => {
    const ca = makeCertAuthority();
    t.after(() => removeCertAuthority(ca));
    const leaf = ca.leaf('server');
    const keyStoreFile = writeKeyStore(join(ca.dir, 'ks.pem'), leaf);
    const material = loadTlsMaterial({ keyStoreFile, trustStoreFile: ca.caFile });
    assert.equal(material.certificate.fingerprint256, fingerprintOf(leaf.certFile));
    assert.equal(material.context.ca, pemText(ca.caFile).trim());
    // The certificate may come first; the trust store is optional (clientAuth=none).
    writeFileSync(keyStoreFile, `${pemText(leaf.certFile)}${pemText(leaf.keyFile)}`);
    assert.equal(loadTlsMaterial({ keyStoreFile, trustStoreFile: undefined }).context.ca, undefined);
  });

  test('what cannot serve is refused with the file and the reason', (t) => {
    const ca = makeCertAuthority();
    t.after(() => removeCertAuthority(ca));
    const a = ca.leaf('a');
    const b = ca.leaf('b');
    const file = join(ca.dir, 'ks.pem');
    const refuses = (text: string | Buffer, message: RegExp, trustStoreFile?: string): void => {
      writeFileSync(file, text);
      assert.throws(() => loadTlsMaterial({ keyStoreFile: file, trustStoreFile }), (e: unknown) => e instanceof TlsMaterialError && message.test(e.message), String(message));
    };
    refuses('', /must hold exactly one PEM private key, found 0/);
    refuses(pemText(a.certFile), /exactly one PEM private key, found 0/);
    refuses(pemText(a.keyFile), /holds no PEM certificate/);
    refuses(`${pemText(a.keyFile)}${pemText(b.keyFile)}${pemText(a.certFile)}`, /found 2/);
    refuses(`${pemText(a.keyFile)}${pemText(b.certFile)}`, /the first certificate does not match the private key/);
    refuses(keyStoreText(a).slice(0, keyStoreText(a).length - 200), /holds no PEM certificate/);
    const cert = pemText(a.certFile);
    refuses(`${pemText(a.keyFile)}${cert.slice(0, 40)}AAAA${cert.slice(44)}`, /certificate 1 cannot be read/);
    refuses('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n' + cert, /encrypted/);
    refuses('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' + cert, /the private key cannot be read/);
    refuses(Buffer.alloc(PEM_FILE_BYTES_MAX + 1, 0x41), /over the limit/);
    writeKeyStore(file, a);
    writeFileSync(join(ca.dir, 'empty-ca.pem'), 'not a certificate');
    assert.throws(() => loadTlsMaterial({ keyStoreFile: file, trustStoreFile: join(ca.dir, 'empty-ca.pem') }), /empty-ca\.pem holds no PEM certificate/);
    assert.throws(() => loadTlsMaterial({ keyStoreFile: join(ca.dir, 'missing.pem'), trustStoreFile: undefined }), (e: unknown) => e instanceof TlsMaterialError && /ENOENT/.test(e.message));
  });

  test('the reloader switches to good new files, keeps the old ones over bad ones, and logs both once', async (t) => {
    const ca = makeCertAuthority();
    const keyStoreFile = writeKeyStore(join(ca.dir, 'ks.pem'), ca.leaf('one'));
    const trustStoreFile = join(ca.dir, 'trust.pem');
    writeFileSync(trustStoreFile, pemText(ca.caFile));
    const files = { keyStoreFile, trustStoreFile };
    const applied: TlsMaterial[] = [];
    const log = recordingLogger();
    const reloader = new TlsReloader(files, loadTlsMaterial(files), (m) => applied.push(m), log);
    t.after(() => {
      reloader.close();
      removeCertAuthority(ca);
    });

    const two = ca.leaf('two');
    replaceFile(keyStoreFile, keyStoreText(two));
    await until(() => applied.length === 1, { message: 'the new key store to be applied' });
    assert.equal(applied[0]!.certificate.fingerprint256, fingerprintOf(two.certFile));
    assert.ok(log.lines.some((l) => l.level === 'info' && /reloaded/.test(l.msg)));

    truncateSync(keyStoreFile, 100);
    await until(() => log.lines.some((l) => l.level === 'error' && /refusing the new TLS key store/.test(l.msg)), { message: 'the cut file to be refused' });
    // The same bad bytes, seen again (a poll, another event), are not logged again.
    reloader.check();
    reloader.check();
    assert.equal(log.lines.filter((l) => l.level === 'error').length, 1);
    assert.equal(applied.length, 1);

    // Back to the bytes already in use: nothing to apply. Then a good new file again.
    writeFileSync(keyStoreFile, keyStoreText(two));
    reloader.check();
    assert.equal(applied.length, 1);
    const three = ca.leaf('three');
    writeFileSync(keyStoreFile, keyStoreText(three));
    await until(() => applied.length === 2, { message: 'the third key store to be applied' });
    assert.equal(applied[1]!.certificate.fingerprint256, fingerprintOf(three.certFile));

    // A trust store change alone is a change too.
    const other = makeCertAuthority('Other CA');
    t.after(() => removeCertAuthority(other));
    replaceFile(trustStoreFile, readFileSync(other.caFile, 'utf8'));
    await until(() => applied.length === 3, { message: 'the new trust store to be applied' });
    assert.equal(applied[2]!.context.ca, pemText(other.caFile).trim());

    // An apply that throws keeps the old context and is logged.
    reloader.close();
    const failing = new TlsReloader(files, applied[2]!, () => {
      throw new Error('setSecureContext failed');
    }, log);
    t.after(() => failing.close());
    writeFileSync(keyStoreFile, keyStoreText(ca.leaf('four')));
    failing.check();
    assert.ok(log.lines.some((l) => l.level === 'error' && /could not be installed/.test(l.msg)));
  });
});
