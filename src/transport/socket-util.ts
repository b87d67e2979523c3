// Small helpers around ws sockets shared by both link directions.
import type { Socket } from 'node:net';
import WebSocket, { type RawData } from 'ws';
import { closeReason } from './handshake.js';
import { TRANSPORT_LIMITS } from './types.js';

/**
 * Starts a clean close (or aborts a dial) and resolves once the socket is closed; a peer that does not
 * answer the close within graceMs is cut off, so shutdown and port reuse never wait on a dead peer.
 */
export function closeSocket(socket: WebSocket, code: number, reason: string, graceMs: number = TRANSPORT_LIMITS.closeGraceMs): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else if (socket.readyState === WebSocket.OPEN) socket.close(code, closeReason(reason, TRANSPORT_LIMITS.closeReasonBytesMax));
  });
}

export function rawDataBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** `secure`: wss (peer links in mutual-TLS mode). */
export function wsUrl(host: string, port: number, secure = false): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${secure ? 'wss' : 'ws'}://${bracketed}:${port}/`;
}

/** `address:port` of a socket's peer, `?` for what is no longer known (a destroyed socket). */
export function remoteOf(socket: Partial<Pick<Socket, 'remoteAddress' | 'remotePort'>>): string {
  const address = typeof socket.remoteAddress === 'string' ? socket.remoteAddress : '?';
  const port = typeof socket.remotePort === 'number' ? socket.remotePort : '?';
  return `${address}:${port}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
