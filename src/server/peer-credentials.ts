// Reads the files that peer authentication names (peer-auth-config.ts) when the server starts, before
// anything else: a missing, unreadable, empty, oversized or malformed file, a key that does not belong
// to its certificate, an expired certificate or a too-short secret stops the start with a ConfigError
// that names the key, the file and what to do (main prints it without a stack trace).
//
// Every file is read with a bound and only if it is a regular file (a FIFO or a device would block the
// start or never end); the secret never appears in a message or a log line.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { PEER_SECRET_BYTES_MAX, PEER_SECRET_BYTES_MIN, peerAuthenticationOf, type PeerAuthOptions, type PeerAuthentication, type PeerTlsMaterial } from '../transport/index.js';
import { ConfigError } from './config-values.js';
import type { PeerAuthConfig, QuorumTlsFiles } from './peer-auth-config.js';

/** A PEM file: a certificate chain or a CA bundle is a few KiB; a system-wide CA bundle is about 200 KiB. */
export const PEM_FILE_BYTES_MAX = 1024 * 1024;
/** A key passphrase file. */
const PASSWORD_FILE_BYTES_MAX = 4096;
/** Line endings after a passphrase (an editor's or `echo`'s) are not part of it; nor after the secret. */
const TRAILING_NEWLINES = /[\r\n]+$/;

export interface PeerCredentials {
  mode: PeerAuthentication;
  /** For the transport. */
  options: PeerAuthOptions;
  /** What an operator should fix that does not stop the server (a secret file others may read). */
  warnings: string[];
}

interface FileRead {
  bytes: Buffer;
  /** Permission bits. */
  mode: number;
}

/** The whole of a regular file of at most bytesMax bytes; a ConfigError naming `key` otherwise. */
export function readBoundedFile(key: string, path: string, bytesMax: number): FileRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new ConfigError(`${key}: cannot open ${path} (${describeFsError(err)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`${key}: ${path} is not a regular file`);
    if (stat.size > bytesMax) throw new ConfigError(`${key}: ${path} is ${stat.size} bytes, more than the ${bytesMax} allowed`);
    // One byte more than allowed: a file that grew since the stat is refused too, never cut.
    const buffer = Buffer.alloc(bytesMax + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= bytesMax;) {
      n = readSync(fd, buffer, length, bytesMax + 1 - length, null);
      length += n;
    }
    if (length > bytesMax) throw new ConfigError(`${key}: ${path} is more than the ${bytesMax} bytes allowed`);
    return { bytes: buffer.subarray(0, length), mode: stat.mode & 0o777 };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${key}: cannot read ${path} (${describeFsError(err)})`);
  } finally {
    closeSync(fd);
  }
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'a directory';
    default: return typeof code === 'string' ? code : err instanceof Error ? err.message : 'unreadable';
  }
}

/** The shared secret: the file's bytes without trailing line endings. */
export function loadSecret(path: string, warnings: string[]): Uint8Array {
  const key = 'quorum.auth.secretFile';
  const { bytes, mode } = readBoundedFile(key, path, PEER_SECRET_BYTES_MAX + 2);
  let end = bytes.byteLength;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  const secret = bytes.subarray(0, end);
  if (secret.byteLength === 0) throw new ConfigError(`${key}: ${path} is empty; make a secret with: openssl rand -base64 48 > ${path}`);
  if (secret.byteLength < PEER_SECRET_BYTES_MIN) {
    throw new ConfigError(`${key}: ${path} holds ${secret.byteLength} bytes; a peer secret needs at least ${PEER_SECRET_BYTES_MIN} random bytes (openssl rand -base64 48 > ${path})`);
  }
  if (secret.byteLength > PEER_SECRET_BYTES_MAX) throw new ConfigError(`${key}: ${path} holds more than ${PEER_SECRET_BYTES_MAX} bytes`);
  if ((mode & 0o077) !== 0) warnings.push(`${key}: ${path} may be read by other users (mode ${mode.toString(8)}); chmod 600 it`);
  return new Uint8Array(secret);
}

function pemText(key: string, path: string): string {
  return readBoundedFile(key, path, PEM_FILE_BYTES_MAX).bytes.toString('utf8');
}

function firstCertificate(key: string, path: string, pem: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${key}: ${path} holds no PEM certificate`);
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new ConfigError(`${key}: cannot read the certificate in ${path} (${err instanceof Error ? err.message : 'invalid'})`);
  }
}

function privateKey(key: string, path: string, pem: string, passphrase: string | undefined): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (err) {
    const hint = passphrase === undefined ? '; an encrypted key needs ssl.quorum.keyStore.password or ssl.quorum.keyStore.passwordPath' : '; is the passphrase right?';
    throw new ConfigError(`${key}: cannot read a private key in ${path} (${err instanceof Error ? err.message : 'invalid'})${hint}`);
  }
}

/** The member certificate material, checked: parseable, key matching certificate, certificate in its validity period. */
export function loadTlsMaterial(files: QuorumTlsFiles, nowMs: number): PeerTlsMaterial {
  const certKey = files.certFile === files.keyFile ? 'ssl.quorum.keyStore.location' : 'ssl.quorum.certFile';
  const cert = pemText(certKey, files.certFile);
  const keyPem = files.keyFile === files.certFile ? cert : pemText('ssl.quorum.keyFile', files.keyFile);
  const ca = pemText('ssl.quorum.caFile', files.caFile);
  const passphrase = files.keyPasswordFile !== undefined
    ? readBoundedFile('ssl.quorum.keyStore.passwordPath', files.keyPasswordFile, PASSWORD_FILE_BYTES_MAX).bytes.toString('utf8').replace(TRAILING_NEWLINES, '')
    : files.keyPassword;
  const leaf = firstCertificate(certKey, files.certFile, cert);
  firstCertificate('ssl.quorum.caFile', files.caFile, ca);
  const keyName = files.keyFile === files.certFile ? certKey : 'ssl.quorum.keyFile';
  if (!leaf.checkPrivateKey(privateKey(keyName, files.keyFile, keyPem, passphrase))) {
    throw new ConfigError(`${keyName}: the private key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  }
  if (Date.parse(leaf.validTo) <= nowMs) throw new ConfigError(`${certKey}: the certificate in ${files.certFile} expired on ${leaf.validTo}`);
  if (Date.parse(leaf.validFrom) > nowMs) throw new ConfigError(`${certKey}: the certificate in ${files.certFile} is not valid before ${leaf.validFrom}`);
  return {
    cert, key: keyPem, ca, ...(passphrase !== undefined ? { passphrase } : {}),
    hostnameVerification: files.hostnameVerification, clientHostnameVerification: files.clientHostnameVerification,
  };
}

/** The warning a server of an ensemble logs at start when its peer links are not authenticated, or undefined. */
export function peerAuthenticationWarning(mode: PeerAuthentication): string | undefined {
  if (mode !== 'none') return undefined;
  return 'peer links are not authenticated: any process that can reach the peer port and knows the server.N lines can take part as a member; set quorum.auth.secretFile or sslQuorum=true (README: Peer authentication)';
}

/** Everything peer authentication needs, read and checked; a ConfigError for the first problem. */
export function loadPeerCredentials(config: PeerAuthConfig, nowMs: number = Date.now()): PeerCredentials {
  const warnings: string[] = [];
  const options: PeerAuthOptions = {};
  if (config.tls !== undefined) options.tls = loadTlsMaterial(config.tls, nowMs);
  if (config.secretFile !== undefined) options.secret = loadSecret(config.secretFile, warnings);
  return { mode: peerAuthenticationOf(options), options, warnings };
}
