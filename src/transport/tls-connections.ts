// The peer port's TLS stage in mutual-TLS mode, between the TCP accept and HTTP: what Node's TLS server
// bounds (the number of connections, maxConnections, and the handshake's duration, handshakeTimeout), what
// it logs, and which connections go on to HTTP: only those whose certificate OpenSSL verified against the
// CA (tls-options.ts says why the acceptor, not Node, drops the others). Everything here is a public
// event of Node's TLS server.
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clipForLog } from './bounded-text.js';
import { errorText, remoteOf } from './socket-util.js';
import { PeerCloseCode, TRANSPORT_LIMITS, type TransportLogger } from './types.js';

export class TlsConnections {
  /** TCP connections, to cut those still in their TLS handshake at close. */
  private readonly raw = new Set<Socket>();

  /**
   * Watches `server` (an HTTPS server) for a peer port of `memberCount` members; `onVerified` gets each
   * connection whose handshake verified a member certificate.
   */
  constructor(private readonly server: HttpServer, memberCount: number, private readonly logger: TransportLogger, onVerified: (socket: TLSSocket) => void) {
    // Established links (one per member, two while one replaces another) and the pending handshakes.
    server.maxConnections = TRANSPORT_LIMITS.pendingHandshakesMax + 2 * memberCount;
    server.on('connection', (raw: Socket) => this.serverOnConnection(raw));
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized) onVerified(socket);
      else this.refuseUnverified(socket);
    });
    // Not TLS at all, too slow, or a dialler that refused our certificate (OpenSSL's text, not the peer's).
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      logger.warn('inbound peer TLS handshake failed', { remote: remoteOf(socket), reason: clipForLog(err.message) });
    });
    server.on('drop', (data: unknown) => {
      const remote = typeof data === 'object' && data !== null ? remoteOf(data as Partial<Socket>) : '?:?';
      logger.warn('refusing inbound peer connection', { remote, code: PeerCloseCode.TRY_AGAIN_LATER, reason: `more than ${server.maxConnections} peer connections` });
    });
  }

  /** Cuts every connection still in its TLS handshake (the others the acceptor closes itself). */
  destroyAll(): void {
    for (const raw of this.raw) raw.destroy();
    this.raw.clear();
  }

  private serverOnConnection(raw: Socket): void {
    this.raw.add(raw);
    raw.once('close', () => this.raw.delete(raw));
    // Should a Node release stop reporting the close of a wrapped socket, the set still stays bounded.
    if (this.raw.size > 2 * this.server.maxConnections) for (const s of this.raw) if (s.destroyed) this.raw.delete(s);
  }

  private refuseUnverified(socket: TLSSocket): void {
    // Node's verification code (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, ...): our text, not the peer's.
    const why: unknown = socket.authorizationError;
    this.logger.warn('refusing inbound peer connection', {
      remote: remoteOf(socket), code: PeerCloseCode.AUTH_FAILED, reason: `no verified member certificate (${typeof why === 'string' ? why : errorText(why)})`,
    });
    socket.destroy();
  }
}
