// Test certificates made with the machine's openssl: a CA and leaf certificates it signs, as PEM files in a
// temporary directory. Tests use them for client TLS, x509 identities and member certificates on peer links.
// Keys are P-256 (fast to make); leaves name 127.0.0.1, ::1 and localhost, and serve as both server and client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemFiles {
  certFile: string;
  keyFile: string;
}

export interface LeafOptions {
  /** The subject, in openssl's `/CN=x/O=y` form, UTF-8, `+` joining a multi-valued RDN (default `/CN=<name>`). */
  subject?: string;
  /** Extra subjectAltName entries besides the loopback ones, e.g. `DNS:member-1` or `email:a@b.c`. */
  altNames?: string[];
  /** Days of validity (default 2). */
  days?: number;
}

export interface CertAuthority {
  readonly dir: string;
  /** The CA certificate (PEM): what a verifier trusts. */
  readonly caFile: string;
  /** A leaf certificate and key signed by this CA; `name` names the files. */
  leaf(name: string, options?: LeafOptions): PemFiles;
}

const LOOPBACK_NAMES = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir: string, keyFile: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], dir);
}

/** Whether openssl is on this machine (tests that need certificates skip with a message when it is not). */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A new CA in its own temporary directory (or in `dir`), valid for `days` (default 2). */
export function makeCertAuthority(commonName = 'Canopy Test CA', dir?: string, days = 2): CertAuthority {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'canopy-certs-'));
  const caKey = join(root, 'ca.key');
  const caFile = join(root, 'ca.pem');
  newKey(root, caKey);
  openssl(['req', '-x509', '-new', '-key', caKey, '-out', caFile, '-days', String(days), '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], root);
  let serial = 1;
  return {
    dir: root,
    caFile,
    leaf(name: string, options: LeafOptions = {}): PemFiles {
      const keyFile = join(root, `${name}.key`);
      const certFile = join(root, `${name}.pem`);
      const csr = join(root, `${name}.csr`);
      const ext = join(root, `${name}.ext`);
      newKey(root, keyFile);
      openssl(['req', '-new', '-utf8', '-key', keyFile, '-out', csr, '-subj', options.subject ?? `/CN=${name}`], root);
      const altNames = [...LOOPBACK_NAMES, ...(options.altNames ?? [])].join(',');
      writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${altNames}\n`);
      openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(serial++),
        '-out', certFile, '-days', String(options.days ?? 2), '-extfile', ext], root);
      return { certFile, keyFile };
    },
  };
}

/** The PEM text of a file (for comparing which certificate a server presented). */
export function pemText(file: string): string {
  return readFileSync(file, 'utf8');
}

export function removeCertAuthority(ca: CertAuthority): void {
  rmSync(ca.dir, { recursive: true, force: true });
}
