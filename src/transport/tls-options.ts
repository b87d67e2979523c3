// Node's TLS settings for both ends of a peer link in mutual-TLS mode. Verification is Node's own
// (OpenSSL's chain check against the configured CA, and tls.checkServerIdentity for names): nothing here
// decides trust by hand.
import type { ServerOptions } from 'node:https';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { PeerTlsMaterial } from './types.js';

/** TLS 1.2 at least (Node's default too; stated so that a changed default cannot lower it). */
const TLS_VERSION_MIN = 'TLSv1.2';

/**
 * The acceptor: presents the member certificate and requires the dialler's. `handshakeTimeoutMs` bounds a
 * connection that never finishes the handshake.
 *
 * OpenSSL verifies the dialler's certificate against the CA, but the connection is not dropped inside
 * Node (rejectUnauthorized false): the acceptor refuses every socket whose `authorized` is false as soon
 * as the handshake ends (inbound.ts), and again before any hello counts (hello-gate.ts). Node's own
 * refusal would drop it before anyone could log who it was and why (the address is gone by then, and
 * the error reads "socket hang up"); an operator chasing an impostor needs both.
 */
export function acceptorTlsOptions(material: PeerTlsMaterial, handshakeTimeoutMs: number): ServerOptions {
  return {
    cert: material.cert, key: material.key, ca: material.ca, passphrase: material.passphrase,
    requestCert: true, rejectUnauthorized: false, handshakeTimeout: handshakeTimeoutMs, minVersion: TLS_VERSION_MIN,
  };
}

/**
 * The dialler: presents the member certificate and refuses an acceptor whose certificate does not chain
 * to the CA or, with hostnameVerification, does not name `memberHost` (the host of the dialled member's
 * server.N line, also when the link goes through a peerDial address).
 */
export function diallerTlsOptions(material: PeerTlsMaterial, memberHost: string): ConnectionOptions {
  const verifyName = material.hostnameVerification ?? true;
  return {
    cert: material.cert, key: material.key, ca: material.ca, passphrase: material.passphrase,
    rejectUnauthorized: true, minVersion: TLS_VERSION_MIN,
    checkServerIdentity: (_servername: string, certificate: PeerCertificate) => (verifyName ? checkServerIdentity(memberHost, certificate) : undefined),
  };
}
