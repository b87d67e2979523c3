// The TLS layer of the secure client doors (wss, and the ZooKeeper door's zkSecureClientPort). A door's
// listener accepts the TCP socket and counts it (client-listener.ts, zk-listener.ts), then hands it to a
// tls.Server that never listens itself: Node's own server-side handshake, client certificate checks and
// setSecureContext() apply, and once the handshake is done the TLS socket goes on to the same protocol as
// a plain one.
import { createServer } from 'node:tls';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { ClientAuth } from './config.js';
import type { Logger } from './logger.js';
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

/** What a door tells its TLS layer about each accepted socket. */
export interface SecureDoorHooks<T> {
  /** For log lines. */
  remoteAddressOf(entry: T): string;
  /** The handshake is done and the certificate (if any) verified: the door's protocol takes the socket. */
  onSecure(socket: TLSSocket, entry: T, certificate: Uint8Array | undefined): void;
}

/**
 * TLS handshakes over a door's accepted sockets: `begin` one per socket with the door's own record of it;
 * a socket whose handshake fails, or whose certificate is refused, is destroyed (the door's close handler
 * on the accepted socket then releases it).
 */
export class SecureHandshakes<T> {
  private readonly server: TlsServer;
  private readonly pending = new Map<string, T>();

  constructor(material: TlsMaterial, private readonly clientAuth: ClientAuth, handshakeTimeoutMs: number, private readonly log: Logger, private readonly hooks: SecureDoorHooks<T>) {
    this.server = secureDoorServer(material, clientAuth, handshakeTimeoutMs);
    this.server.on('secureConnection', (socket: TLSSocket) => this.serverOnSecureConnection(socket));
    this.server.on('tlsClientError', (e: Error, socket: TLSSocket) => this.serverOnClientError(e, socket));
  }

  begin(accepted: Socket, entry: T): void {
    const key = connectionKey(accepted);
    this.pending.set(key, entry);
    accepted.once('close', () => this.pending.delete(key));
    this.server.emit('connection', accepted);
  }

  /** New connections get this key, certificate chain and trust store; open ones keep theirs. */
  setSecureContext(material: TlsMaterial): void {
    this.server.setSecureContext(material.context);
  }

  private serverOnSecureConnection(socket: TLSSocket): void {
    const key = connectionKey(socket);
    const entry = this.pending.get(key);
    this.pending.delete(key);
    if (entry === undefined) return void socket.destroy();
    const verdict = clientCertificate(socket, this.clientAuth);
    if ('refused' in verdict) {
      this.log.warn('refusing a client certificate', { remoteAddress: this.hooks.remoteAddressOf(entry), reason: verdict.refused });
      socket.destroy();
      return;
    }
    socket.on('error', () => {});
    this.hooks.onSecure(socket, entry, verdict.certificate);
  }

  private serverOnClientError(e: Error, socket: TLSSocket): void {
    const entry = this.pending.get(connectionKey(socket));
    const remoteAddress = entry !== undefined ? this.hooks.remoteAddressOf(entry) : undefined;
    // With ssl.clientAuth=need, Node ends a handshake whose client certificate did not verify and says why here.
    const untrusted = socket.authorizationError;
    if (untrusted !== undefined) this.log.warn('refusing a client certificate', { remoteAddress, reason: `client certificate not trusted: ${String(untrusted)}` });
    else this.log.debug('client TLS handshake failed', { remoteAddress, error: e.message });
    socket.destroy();
  }
}
