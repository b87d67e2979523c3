// One ZooKeeper client's TCP connection, the jute twin of ws-client.ts and a real driver behind a
// ClientLink: length-prefixed jute frames are cut out (JuteFrameReader, bounded by maxFrameBytes), decoded
// and validated at the edge and fed to the replica's handle for this connection; answers are encoded with
// the op of the request they answer (remembered per xid, bounded) and written.
// ZooKeeper's edge behaviours: the connect response carries the read-only byte only when the client sent
// one; requests a client pipelines behind its ConnectRequest wait for the connect response rather than
// being refused; a request the codec rejects is answered with its xid and error code; a frame that cannot
// be read (an oversized length, garbage) closes this connection only. Closing is ZooKeeper's: the socket
// ends after what was queued for it (closeSession's or AUTHFAILED's answer) is written.
// Bounds on output are ws-client.ts's: answers wait (the link reports congestion) while half of
// maxOutputBytes is unsent, and a connection whose unsent bytes pass maxOutputBytes is cut as a slow consumer.
import { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { CloseCode, ErrorCode, OpCode, PROTOCOL_VERSION, Xid, opInfo } from '../../protocol/index.js';
import type { CodecLimits, ConnectResponse, NotificationFrame, Response } from '../../protocol/index.js';
import {
  JuteFrameReader, decodeJuteConnectRequest, decodeJuteRequest, encodeJuteConnectResponse, encodeJuteResponse, withLengthPrefix,
} from '../../protocol/jute/index.js';
import type { ClientHandle } from '../replica/client-handle.js';
import type { ClientFrame, ClientLink, ReplicaLog } from '../replica/ports.js';
import type { ClientConnection } from './client-connection.js';
import { ClientOutput } from './client-output.js';
import type { CorkBatch } from './cork-batch.js';
import type { ConnectionStats } from './server-stats.js';
import { asRequestedResults } from './zk-multi-results.js';
import { OutstandingOps } from './zk-outstanding.js';
import type { OutstandingRequest } from './zk-outstanding.js';

export interface ZkClientLimits extends CodecLimits {
  /** Largest frame (its length prefix excluded) a client may send: jute.maxbuffer plus header room. */
  maxFrameBytes: number;
  /** Unsent answer bytes before the connection is cut as a slow consumer. */
  maxOutputBytes: number;
  /** Requests sent and not yet answered before the connection is closed (the replica pauses reading well before). */
  maxOutstanding: number;
}

/**
 * The protocol version ZooKeeper's clients send and its servers answer with. Jute has had one version; the
 * replica checks Canopy's own, which this door speaks on the client's behalf.
 */
const ZOOKEEPER_PROTOCOL_VERSION = 0;
/** A closed connection whose peer does not close its side is cut off after this. */
const CLOSE_GRACE_MS = 1000;
/** Longest error text from a frame that is logged. */
const REASON_CHARS_MAX = 200;

/** The notification encoded last, and its bytes: a watch fan-out sends one frame object to every watcher in a row. */
let lastNotification: NotificationFrame | undefined;
let lastNotificationBytes: Uint8Array | undefined;

function notificationBytes(frame: NotificationFrame): Uint8Array {
  if (frame !== lastNotification || lastNotificationBytes === undefined) {
    lastNotificationBytes = withLengthPrefix(encodeJuteResponse(frame, undefined));
    lastNotification = frame;
  }
  return lastNotificationBytes;
}

function isConnectResponse(frame: ClientFrame): frame is ConnectResponse {
  return !('xid' in frame);
}

function isNotification(frame: Response | NotificationFrame): frame is NotificationFrame {
  return frame.xid === Xid.NOTIFICATION;
}

export class ZkClient implements ClientLink, ClientConnection {
  private handle: ClientHandle | undefined;
  private closed = false;
  private readonly reader: JuteFrameReader;
  /** Frames cut from what arrived and not yet handled: reading is paused, or the connect response is not out yet. */
  private readonly waiting: Uint8Array[] = [];
  private draining = false;
  private readingPaused = false;
  /** The client's ConnectRequest ended with the read-only byte, so the response carries one too. */
  private readOnlyByteSent = false;
  private readonly outstanding: OutstandingOps;
  private readonly output: ClientOutput;
  /** Came in on zkSecureClientPort. */
  readonly secure: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly limits: ZkClientLimits,
    private readonly handshakeReceived: () => void,
    private readonly log: ReplicaLog,
    corks: CorkBatch,
    readonly stats: ConnectionStats,
    readonly remoteAddress: string,
  ) {
    this.secure = socket instanceof TLSSocket;
    this.output = new ClientOutput(socket, limits.maxOutputBytes, corks, (err) => this.frameWritten(err));
    this.reader = new JuteFrameReader(limits.maxFrameBytes);
    this.outstanding = new OutstandingOps(limits.maxOutstanding);
  }

  get sessionId(): number {
    return this.handle?.sessionId ?? 0;
  }

  get sessionTimeoutMs(): number {
    return this.handle?.sessionTimeoutMs ?? 0;
  }

  /** Starts reading: frames go to handle. */
  bind(handle: ClientHandle): void {
    this.handle = handle;
    this.socket.on('data', (chunk: Buffer) => this.socketOnData(chunk));
    this.socket.once('close', () => this.socketOnClose());
    this.socket.on('error', (e: Error) => this.log.debug('client socket error', { conn: handle.id, door: 'zookeeper', error: e.message }));
    if (handle.isClosed) return this.socketOnClose();
    this.socket.resume();
  }

  get congested(): boolean {
    return this.output.congested;
  }

  setReadingPaused(paused: boolean): void {
    if (this.closed) return;
    this.readingPaused = paused;
    if (paused) return void this.socket.pause();
    this.socket.resume();
    this.drain();
  }

  private socketOnData(chunk: Buffer): void {
    if (this.closed || this.handle === undefined) return;
    let frames: Uint8Array[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      // An oversized or negative length: the stream cannot be read further, so this connection goes.
      return this.handle.close(CloseCode.PROTOCOL_ERROR, e instanceof Error ? e.message.slice(0, REASON_CHARS_MAX) : 'unreadable frame');
    }
    for (const frame of frames) this.waiting.push(frame);
    this.drain();
  }

  /** Handles waiting frames while reading is not paused and the handshake allows. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.closed && !this.readingPaused && this.waiting.length > 0 && this.handle !== undefined && !this.handle.isConnecting) {
        this.handleFrameSafely(this.handle, this.waiting.shift()!);
      }
    } finally {
      this.draining = false;
    }
    // Pipelined requests behind the ConnectRequest: nothing more is read until the connect response is out.
    if (!this.closed && this.handle?.isConnecting === true) this.socket.pause();
  }

  private handleFrameSafely(handle: ClientHandle, frame: Uint8Array): void {
    try {
      this.handleFrame(handle, frame);
    } catch (e) {
      // A bug, not the client's fault alone: this connection goes, everyone else is served on.
      this.log.error('internal error handling a client frame; closing that connection', {
        conn: handle.id, session: handle.sessionId, door: 'zookeeper', error: e instanceof Error ? (e.stack ?? e.message) : typeof e,
      });
      handle.close(CloseCode.INTERNAL_ERROR, 'internal server error');
    }
  }

  private handleFrame(handle: ClientHandle, frame: Uint8Array): void {
    if (handle.expectsConnect) {
      const decoded = decodeJuteConnectRequest(frame);
      if (!decoded.ok) return handle.close(CloseCode.PROTOCOL_ERROR, decoded.message);
      const { readOnlyByteSent, ...request } = decoded.value;
      this.readOnlyByteSent = readOnlyByteSent;
      request.protocolVersion = PROTOCOL_VERSION;
      this.stats.requestArrived('createSession', undefined);
      this.handshakeReceived();
      handle.connect(request);
      return;
    }
    const decoded = decodeJuteRequest(frame, this.limits);
    if (decoded.ok) {
      const req = decoded.value;
      const remembered: OutstandingRequest = req.op === OpCode.multi ? { op: req.op, subOps: req.ops.map((o) => ('mode' in o ? { op: o.op, mode: o.mode } : { op: o.op })) } : { op: req.op };
      if (!this.remember(handle, req.xid, remembered)) return;
      this.stats.requestArrived(opInfo(req.op)?.name ?? 'unknown', req.xid);
      if (!handle.request(req, frame.byteLength)) handle.close(CloseCode.PROTOCOL_ERROR, 'request sent before the connect response');
      return;
    }
    if (decoded.fatal || decoded.xid === undefined) return handle.close(CloseCode.PROTOCOL_ERROR, decoded.message);
    if (!this.remember(handle, decoded.xid, { op: decoded.op })) return;
    this.stats.requestArrived('error', decoded.xid);
    this.log.debug('rejected request', { conn: handle.id, session: handle.sessionId, door: 'zookeeper', xid: decoded.xid, err: decoded.err, reason: decoded.message });
    handle.rejected(decoded.xid, decoded.err, frame.byteLength);
  }

  /** Keeps the request's op for its answer's encoding; false (and the connection closed) past the bound. */
  private remember(handle: ClientHandle, xid: number, request: OutstandingRequest): boolean {
    if (this.outstanding.add(xid, request)) return true;
    handle.close(CloseCode.PROTOCOL_ERROR, `more than ${this.outstanding.max} requests unanswered`);
    return false;
  }

  send(frame: ClientFrame): void {
    if (this.closed) return;
    if (this.socket.destroyed || !this.socket.writable) return this.socketOnClose();
    const bytes = this.encode(frame);
    if (bytes === undefined) return;
    if (this.output.wouldOverflow(bytes.byteLength)) {
      this.handle?.close(CloseCode.SLOW_CONSUMER, `client is not reading its answers (over ${this.limits.maxOutputBytes} bytes unsent)`);
      // It will not read what is queued either: that is freed now.
      this.socket.destroy();
      return;
    }
    if (!isConnectResponse(frame)) this.stats.frameSent(frame.xid !== Xid.NOTIFICATION, frame.zxid, frame.err);
    this.output.send(bytes.byteLength, (done) => this.socket.write(bytes, done));
    // Requests the client pipelined behind its ConnectRequest are read now that the session is bound.
    if (isConnectResponse(frame) && frame.err === ErrorCode.OK) queueMicrotask(() => this.resumeAfterConnect());
  }

  /** The frame's bytes with their length prefix, or undefined when it answers no request this connection sent (a bug: logged, connection closed). */
  private encode(frame: ClientFrame): Uint8Array | undefined {
    if (isConnectResponse(frame)) return withLengthPrefix(encodeJuteConnectResponse({ ...frame, protocolVersion: ZOOKEEPER_PROTOCOL_VERSION }, this.readOnlyByteSent));
    if (isNotification(frame)) return notificationBytes(frame);
    const request = this.outstanding.take(frame.xid);
    if (request === undefined) {
      this.log.error('an answer to no outstanding request; closing that connection', { conn: this.handle?.id, door: 'zookeeper', xid: frame.xid, err: frame.err });
      this.handle?.close(CloseCode.INTERNAL_ERROR, 'internal server error');
      return undefined;
    }
    const answer = request.subOps !== undefined && frame.results !== undefined ? { ...frame, results: asRequestedResults(frame.results, request.subOps) } : frame;
    return withLengthPrefix(encodeJuteResponse(answer, request.op));
  }

  private resumeAfterConnect(): void {
    if (this.closed || this.readingPaused) return;
    this.socket.resume();
    this.drain();
  }

  private frameWritten(err: Error | null | undefined): void {
    // A failed write means the socket is gone: answering the rest of the queue into it would only burn CPU.
    if (err !== undefined && err !== null) return this.socketOnClose();
    if (this.closed || this.congested) return;
    this.handle?.drained();
  }

  /** Ends the socket after what is queued for it; ZooKeeper's clients read no reason, so it is only logged. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.length = 0;
    this.log.debug('closing zookeeper client connection', { conn: this.handle?.id, code, reason: reason.slice(0, REASON_CHARS_MAX) });
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private socketOnClose(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.handle?.closed();
  }
}
