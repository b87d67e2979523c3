// The secure client port's key, certificate chain and trusted CAs, read from PEM files and checked before
// use: a file being rewritten, cut short, or holding a key that does not match its certificate must be
// refused with a clear message here, so that a reload can keep the context that works.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions } from 'node:tls';

/** The files the secure port reads (ssl.keyStore.location and ssl.trustStore.location). */
export interface TlsFiles {
  /** The server's private key and its certificate chain, leaf first. */
  readonly keyStoreFile: string;
  /** CA certificates that client certificates must chain to. */
  readonly trustStoreFile: string | undefined;
}

export interface TlsMaterial {
  /** For tls.createServer / server.setSecureContext. */
  readonly context: SecureContextOptions;
  /** The server's own (leaf) certificate, for logs. */
  readonly certificate: X509Certificate;
  /** The files' bytes as read, key store first: a reload compares them to tell whether anything changed. */
  readonly contents: readonly Buffer[];
}

/** Larger key or trust stores are refused (a CA bundle of a few hundred certificates fits easily). */
export const PEM_FILE_BYTES_MAX = 1024 * 1024;
/** Most certificates read from one file. */
const PEM_CERTIFICATES_MAX = 1000;

export class TlsMaterialError extends Error {}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/g;

/** A file's bytes, refused when larger than PEM_FILE_BYTES_MAX (checked before reading, then while reading). */
export function readBounded(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > PEM_FILE_BYTES_MAX) throw new TlsMaterialError(`${path} is ${size} bytes, over the limit of ${PEM_FILE_BYTES_MAX}`);
    // Room for what a writer may append meanwhile; a file that fills it changed while being read.
    const buffer = Buffer.alloc(Math.min(size + 64 * 1024, PEM_FILE_BYTES_MAX + 1));
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;) length += n;
    if (length === buffer.length) throw new TlsMaterialError(`${path} grew while it was being read`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** The files' current bytes, key store first. */
export function readTlsFiles(files: TlsFiles): Buffer[] {
  return [files.keyStoreFile, ...(files.trustStoreFile !== undefined ? [files.trustStoreFile] : [])].map(readBounded);
}

function certificates(path: string, text: string): { pem: string; parsed: X509Certificate[] } {
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new TlsMaterialError(`${path} holds no PEM certificate`);
  if (blocks.length > PEM_CERTIFICATES_MAX) throw new TlsMaterialError(`${path} holds more than ${PEM_CERTIFICATES_MAX} certificates`);
  const parsed = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new TlsMaterialError(`${path}: certificate ${i + 1} cannot be read (${(e as Error).message})`);
    }
  });
  return { pem: blocks.join('\n'), parsed };
}

function privateKey(path: string, text: string): string {
  const blocks = [...text.matchAll(PRIVATE_KEY_BLOCK)];
  if (blocks.length !== 1) throw new TlsMaterialError(`${path} must hold exactly one PEM private key, found ${blocks.length}`);
  const [block, kind] = [blocks[0]![0], blocks[0]![1]];
  if (kind === 'ENCRYPTED PRIVATE KEY') throw new TlsMaterialError(`${path}: the private key is encrypted; Canopy reads unencrypted PEM keys`);
  return block;
}

/** Checks the files' bytes and builds the context options; throws TlsMaterialError saying what is wrong. */
export function tlsMaterial(files: TlsFiles, contents: readonly Buffer[]): TlsMaterial {
  const keyStore = contents[0]!.toString('utf8');
  const key = privateKey(files.keyStoreFile, keyStore);
  const chain = certificates(files.keyStoreFile, keyStore);
  const leaf = chain.parsed[0]!;
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (e) {
    throw new TlsMaterialError(`${files.keyStoreFile}: the private key cannot be read (${(e as Error).message})`);
  }
  if (!leaf.checkPrivateKey(keyObject)) throw new TlsMaterialError(`${files.keyStoreFile}: the first certificate does not match the private key`);
  const context: SecureContextOptions = { key, cert: chain.pem };
  if (files.trustStoreFile !== undefined) context.ca = certificates(files.trustStoreFile, contents[1]!.toString('utf8')).pem;
  try {
    createSecureContext(context);
  } catch (e) {
    throw new TlsMaterialError(`${files.keyStoreFile}: OpenSSL refuses the key store or trust store (${(e as Error).message})`);
  }
  return { context, certificate: leaf, contents: [...contents] };
}

/** Reads and checks the files now. */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  let contents: Buffer[];
  try {
    contents = readTlsFiles(files);
  } catch (e) {
    if (e instanceof TlsMaterialError) throw e;
    throw new TlsMaterialError((e as Error).message);
  }
  return tlsMaterial(files, contents);
}

/** What logs say about a certificate. */
export function describeCertificate(cert: X509Certificate): object {
  return { subject: cert.subject.replace(/\n/g, ', '), serial: cert.serialNumber, fingerprint256: cert.fingerprint256, validTo: cert.validTo };
}
