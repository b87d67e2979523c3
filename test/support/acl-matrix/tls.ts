// Client TLS for the matrix's x509 rows: the server flags that turn on a secure client port that asks for
// client certificates, and how each caller connects (x509Alice and x509Bob with their certificates on the
// secure port, everyone else on the plain one). The x509 callers' identities are X509_SUBJECT
// (identities.ts); certificates come from certs.ts (`makeCertAuthority().leaf('alice', { subject:
// '/O=Canopy ACL Matrix/CN=alice' })`, whose RFC 2253 name is X509_SUBJECT.alice).
//
// Without openssl on the machine, this reports why the x509 rows cannot run, and the matrix test skips
// them with that sentence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveOpenssl, makeCertAuthority, removeCertAuthority } from '../certs.js';
import type { ServerProcess } from '../server-process.js';
import { writeKeyStore } from '../tls-probe.js';
import type { CallerConnection } from './canopy-runner.js';
import type { CallerName } from './identities.js';

export interface MatrixTls {
  /** canopy-server flags for the secure client port, its certificate and the client CA. */
  serverArgs: string[];
  /** Where and how a caller connects. */
  caller(name: CallerName, server: ServerProcess): CallerConnection;
  /** Removes the certificates. */
  cleanup(): void;
}

export function matrixTls(): MatrixTls | { unavailable: string } {
  if (!haveOpenssl()) return { unavailable: 'the x509 rows need openssl to make their certificates, and it is not installed' };
  const ca = makeCertAuthority('Canopy ACL Matrix CA');
  const serverLeaf = ca.leaf('matrix-server');
  const certificates = {
    x509Alice: ca.leaf('alice', { subject: '/O=Canopy ACL Matrix/CN=alice' }),
    x509Bob: ca.leaf('bob', { subject: '/O=Canopy ACL Matrix/CN=bob' }),
  };
  const caPem = readFileSync(ca.caFile, 'utf8');
  return {
    // `want`: callers without a certificate may use the secure port too, but here they use the plain one.
    serverArgs: [
      '--secureClientPort', '0', '--ssl.keyStore.location', writeKeyStore(join(ca.dir, 'server-keystore.pem'), serverLeaf),
      '--ssl.trustStore.location', ca.caFile, '--ssl.clientAuth', 'want',
    ],
    caller(name: CallerName, server: ServerProcess): CallerConnection {
      if (name === 'x509Alice' || name === 'x509Bob') {
        const leaf = certificates[name];
        return {
          connectString: `127.0.0.1:${server.securePort}`,
          options: { tls: { ca: caPem, cert: readFileSync(leaf.certFile, 'utf8'), key: readFileSync(leaf.keyFile, 'utf8') } },
        };
      }
      return { connectString: server.connectString };
    },
    cleanup: () => removeCertAuthority(ca),
  };
}
