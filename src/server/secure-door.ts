// The TLS layer of the secure client port. The client listener accepts the TCP socket and counts it (see
// client-listener.ts), then hands it to a tls.Server that never listens itself: Node's own server-side
// handshake, client certificate checks and setSecureContext() apply, and once the handshake is done the
// TLS socket goes on to the same HTTP/WebSocket door as a plain one.
import { createServer } from 'node:tls';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { ClientAuth } from './config.js';
import type { TlsMaterial } from './tls-material.js';

/** Longest authorization error text kept for logs. */
const REASON_CHARS_MAX = 200;

export function secureDoorServer(material: TlsMaterial, clientAuth: ClientAuth, handshakeTimeoutMs: number): TlsServer {
  return createServer({
    ...material.context,
    // need: OpenSSL ends a handshake without a certificate, and Node closes one whose certificate does
    // not verify; want: a certificate is asked for, and checked by clientCertificate() below.
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'need',
    handshakeTimeout: handshakeTimeoutMs,
  });
}

export type ClientCertificate = { certificate: Uint8Array | undefined } | { refused: string };

/**
 * The verified client certificate (DER) of a socket whose handshake is done, none, or why the socket must
 * be refused: as in ZooKeeper's `want`, a client may send no certificate, but one it sends must verify.
 */
export function clientCertificate(socket: TLSSocket, clientAuth: ClientAuth): ClientCertificate {
  if (clientAuth === 'none') return { certificate: undefined };
  const peer = socket.getPeerX509Certificate();
  if (peer === undefined) return clientAuth === 'need' ? { refused: 'no client certificate' } : { certificate: undefined };
  if (!socket.authorized) return { refused: `client certificate not trusted: ${String(socket.authorizationError).slice(0, REASON_CHARS_MAX)}` };
  return { certificate: new Uint8Array(peer.raw) };
}

/**
 * The socket's four-tuple: unique among open TCP connections, and the same for the TLS socket that wraps
 * an accepted one (Node offers no public link from one to the other).
 */
export function connectionKey(socket: Socket): string {
  return `${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}
