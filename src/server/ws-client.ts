// One client's WebSocket, the real driver behind a ClientLink: binary frames are decoded and validated
// here at the edge and fed to the replica's handle for this connection; answers are encoded and written.
// Bounds on output: answers wait (the link reports congestion) while half of maxOutputBytes is unsent, and
// a connection whose unsent bytes pass maxOutputBytes anyway (watch events pile up for a client that does
// not read) is closed as a slow consumer. A frame the replica throws on costs only this connection (1011).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CloseCode, Xid, decodeConnectRequest, decodeRequest, encode, opInfo } from '../../protocol/index.js';
import type { CodecLimits } from '../../protocol/index.js';
import type { ClientHandle } from '../replica/client-handle.js';
import { ClientOutput } from './client-output.js';
import type { CorkBatch } from './cork-batch.js';
import type { ClientFrame, ClientLink, ReplicaLog } from '../replica/ports.js';
import type { ConnectionStats } from './server-stats.js';

export interface WsClientLimits extends CodecLimits {
  /** Unsent answer bytes before the connection is closed as a slow consumer. */
  maxOutputBytes: number;
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
const CLOSE_REASON_BYTES_MAX = 123;

/** The longest prefix of reason that fits in bytesMax of UTF-8, found in one pass (no re-encoding loop). */
export function closeReason(reason: string, bytesMax = CLOSE_REASON_BYTES_MAX): string {
  const encoded = Buffer.from(reason.length > bytesMax ? reason.slice(0, bytesMax) : reason, 'utf8');
  if (encoded.byteLength <= bytesMax) return encoded.toString('utf8');
  let end = bytesMax;
  // Back up to the start of a UTF-8 sequence so that no character is cut in half.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString('utf8');
}

/** How long a slow consumer gets to read its close frame before its socket is cut. */
const SLOW_CONSUMER_GRACE_MS = 1000;

/** The frame encoded last, and its bytes: a watch fan-out sends one frame object to every watcher in a row. */
let lastFrame: ClientFrame | undefined;
let lastBytes: Uint8Array | undefined;

/** The frame's bytes, encoded once for a run of sends of the same frame (nothing writes into sent bytes). */
function encodeFrame(frame: ClientFrame): Uint8Array {
  if (frame !== lastFrame || lastBytes === undefined) {
    lastBytes = encode(frame);
    lastFrame = frame;
  }
  return lastBytes;
}

export class WsClient implements ClientLink {
  private handle: ClientHandle | undefined;
  private closed = false;
  private readonly output: ClientOutput;

  constructor(
    private readonly ws: WebSocket,
    socket: Duplex,
    private readonly limits: WsClientLimits,
    private readonly handshakeReceived: () => void,
    private readonly log: ReplicaLog,
    corks: CorkBatch,
    readonly stats: ConnectionStats,
    readonly remoteAddress: string,
    /** Came in on the secure (wss) client port. */
    readonly secure: boolean,
  ) {
    this.output = new ClientOutput(socket, limits.maxOutputBytes, corks, (err) => this.frameWritten(err));
  }

  /** The session this connection is bound to (0 before its handshake). */
  get sessionId(): number {
    return this.handle?.sessionId ?? 0;
  }

  get sessionTimeoutMs(): number {
    return this.handle?.sessionTimeoutMs ?? 0;
  }

  /** Starts reading: frames go to handle. */
  bind(handle: ClientHandle): void {
    this.handle = handle;
    this.ws.on('message', (data, isBinary) => this.socketOnMessage(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    this.ws.on('close', () => this.socketOnClose());
    this.ws.on('error', (e) => this.log.debug('client socket error', { conn: handle.id, error: e.message }));
    if (handle.isClosed) this.socketOnClose();
  }

  get congested(): boolean {
    return this.output.congested;
  }

  setReadingPaused(paused: boolean): void {
    if (this.closed) return;
    if (paused) this.ws.pause();
    else this.ws.resume();
  }

  private socketOnMessage(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.closed || this.handle === undefined) return;
    try {
      this.handleMessage(this.handle, data, isBinary);
    } catch (e) {
      // A bug, not the client's fault alone: this connection goes, everyone else is served on.
      this.log.error('internal error handling a client frame; closing that connection', {
        conn: this.handle.id, session: this.handle.sessionId, error: e instanceof Error ? (e.stack ?? e.message) : typeof e,
      });
      this.handle.close(CloseCode.INTERNAL_ERROR, 'internal server error');
    }
  }

  private handleMessage(handle: ClientHandle, data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (!isBinary) return handle.close(CloseCode.PROTOCOL_ERROR, 'text frames are not accepted: send one msgpack message per binary frame');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    if (handle.expectsConnect) {
      const decoded = decodeConnectRequest(bytes);
      if (!decoded.ok) return handle.close(CloseCode.PROTOCOL_ERROR, decoded.message);
      this.stats.requestArrived('createSession', undefined);
      this.handshakeReceived();
      handle.connect(decoded.value);
      return;
    }
    if (handle.isConnecting) return handle.close(CloseCode.PROTOCOL_ERROR, 'request sent before the connect response');
    const decoded = decodeRequest(bytes, this.limits);
    if (decoded.ok) {
      this.stats.requestArrived(opInfo(decoded.value.op)?.name ?? 'unknown', decoded.value.xid);
      return void handle.request(decoded.value, bytes.byteLength);
    }
    if (decoded.fatal || decoded.xid === undefined) return handle.close(CloseCode.PROTOCOL_ERROR, decoded.message);
    this.stats.requestArrived('error', decoded.xid);
    this.log.debug('rejected request', { conn: handle.id, session: handle.sessionId, xid: decoded.xid, err: decoded.err, reason: decoded.message });
    handle.rejected(decoded.xid, decoded.err, bytes.byteLength);
  }

  send(frame: ClientFrame): void {
    if (this.closed) return;
    if (this.ws.readyState !== this.ws.OPEN) return this.socketOnClose();
    // Reads that could outgrow maxFrameBytes are refused before they are built (read-ops.ts). A write's answer
    // may pass it a little (a multi's results carry a Stat per op) and must still be sent: the write happened.
    const bytes = encodeFrame(frame);
    if (this.output.wouldOverflow(bytes.byteLength)) {
      this.handle?.close(CloseCode.SLOW_CONSUMER, `client is not reading its answers (over ${this.limits.maxOutputBytes} bytes unsent)`);
      // It will not read the close frame either: what it left unread is freed now, not after ws's 30 s.
      setTimeout(() => this.ws.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
      return;
    }
    const answer = !('xid' in frame) || frame.xid !== Xid.NOTIFICATION;
    this.stats.frameSent(answer, 'zxid' in frame ? frame.zxid : undefined, frame.err);
    this.output.send(bytes.byteLength, (done) => this.ws.send(bytes, done));
  }

  private frameWritten(err: Error | null | undefined): void {
    // A failed write means the socket is gone: answering the rest of the queue into it would only burn CPU.
    if (err !== undefined && err !== null) return this.socketOnClose();
    if (this.closed || this.congested) return;
    this.handle?.drained();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, closeReason(reason));
  }

  private socketOnClose(): void {
    this.closed = true;
    this.handle?.closed();
  }
}
