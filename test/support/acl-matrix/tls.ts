// Client TLS for the matrix's x509 rows: the server flags that turn on a secure client port that asks for
// client certificates, and how each caller connects (x509Alice and x509Bob with their certificates on the
// secure port, everyone else on the plain one). The x509 callers' identities are X509_SUBJECT
// (identities.ts); certificates come from certs.ts (`makeCertAuthority().leaf('alice', { subject:
// '/O=Canopy ACL Matrix/CN=alice' })`, whose RFC 2253 name is X509_SUBJECT.alice).
//
// Until canopy-server and the SDK have client TLS options, this reports why the x509 rows cannot run, and
// the matrix test skips them with that sentence.
import type { ServerProcess } from '../server-process.js';
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
  return { unavailable: 'the x509 rows need client TLS in canopy-server and the SDK (issue 13, "TLS for clients"), which has not landed' };
}
