// TLS helpers for tests: the certificate a server presents to a raw node:tls connection, key store files
// as canopy-server reads them (ssl.keyStore.location: the private key and the certificate in one PEM
// file), replaced the way operators and cert managers replace them, and the start of a TLS handshake that
// a hostile client never finishes.
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import type { PemFiles } from './certs.js';

/** The key and certificate of a leaf in one PEM text. */
export function keyStoreText(files: PemFiles): string {
  return `${readFileSync(files.keyFile, 'utf8')}${readFileSync(files.certFile, 'utf8')}`;
}

/** Writes a key store file for a leaf (the whole file at once) and returns its path. */
export function writeKeyStore(path: string, files: PemFiles): string {
  writeFileSync(path, keyStoreText(files));
  return path;
}

/** Replaces a file by a rename, as `mv`, cert-manager and atomic writers do: a reader sees the old or the new. */
export function replaceFile(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** SHA-256 fingerprint of a PEM certificate file, as X509Certificate shows it. */
export function fingerprintOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256;
}

/**
 * The certificate the server at 127.0.0.1:port presents, read over a raw TLS connection that trusts
 * anything (this only looks at the certificate) and closes right after the handshake.
 */
export function presentedCertificate(port: number, client?: PemFiles): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1', port, rejectUnauthorized: false,
      ...(client !== undefined ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert === undefined) reject(new Error('the server presented no certificate'));
      else resolve(cert);
    });
    socket.once('error', reject);
  });
}

/**
 * The first bytes of a TLS ClientHello whose record announces 512 bytes: a server waits for the rest,
 * which never comes (a slow or stalled handshake).
 */
export const PARTIAL_CLIENT_HELLO = Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x5a, 0x5a]);
