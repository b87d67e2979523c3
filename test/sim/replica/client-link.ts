// One client connection in the simulator: the replica's ClientLink on one side, the simulated client on
// the other, and between them two FIFO pipes with delays (a WebSocket over TCP: no loss, no reordering,
// no duplicates while it lives). What crosses is the typed protocol, structurally cloned as an encoder
// and a decoder would copy it, so neither side can see the other mutate a frame.
// Faults: the link drops (both sides learn it after a delay, and what was in flight is lost); the client is
// cut off from its server for a while (nothing moves either way until the cut heals, as TCP retransmits);
// the server crashes (what it sent still arrives, then the connection resets).
import { CloseCode } from '../../../protocol/index.js';
import type { ConnectRequest, ConnectResponse, Request } from '../../../protocol/index.js';
import type { ClientHandle } from '../../../src/replica/client-handle.js';
import type { ClientFrame, ClientLink } from '../../../src/replica/ports.js';
import type { Replica } from '../../../src/replica/replica.js';
import type { DataTree } from '../../../src/tree/index.js';
import type { PeerStatus } from '../../../src/zab/index.js';
import { SimLimitError } from '../network.js';
import type { Trace } from '../trace.js';
import { ClientCheckError } from './client-checks.js';
import type { ClientChecks } from './client-checks.js';

/** Frames in flight on one connection; more means a side that never reads. */
export const CONN_QUEUE_MAX = 100_000;
/** The close code a client sees when its connection breaks without a close frame (as in browsers and ws). */
export const ABNORMAL_CLOSURE = 1006;

export interface ConnServer {
  readonly id: number;
  /** The state the replica is at, for the checks of what it tells clients. */
  readonly tree: DataTree | undefined;
  /** The peer's status as the replica last reported it: serving only when synced with an established leader. */
  readonly status: PeerStatus;
  /** Runs fn as an input of the replica now (or when it resumes from a pause); false if it is down. */
  input(fn: (replica: Replica) => void): boolean;
}

export interface ConnClient {
  readonly id: number;
  frameArrived(conn: SimConn, frame: ClientFrame): void;
  closeArrived(conn: SimConn, code: number, reason: string): void;
}

export interface ConnEnv {
  readonly now: number;
  readonly trace: Trace;
  /** Steps a frame takes on a client link. */
  clientLinkDelay(): number;
  readonly checks: ClientChecks;
}

type ToServer =
  | { kind: 'open' }
  | { kind: 'connect'; req: ConnectRequest }
  | { kind: 'request'; req: Request; bytes: number }
  | { kind: 'close' };
type ToClient = { kind: 'frame'; frame: ClientFrame } | { kind: 'close'; code: number; reason: string };
interface Timed<T> {
  at: number;
  item: T;
}

export class SimConn implements ClientLink {
  handle: ClientHandle | undefined;
  /** The server closed it, crashed, or refused it: it reads nothing more. */
  serverGone = false;
  /** The client closed it or learnt it is closed: it reads nothing more. */
  clientGone = false;
  /** Until this step nothing crosses (the client is cut off from its server). */
  blockedUntil = 0;
  /** The session the client presented (0 for a new one). */
  presentedSessionId = 0;
  /** Until this step the client reads slowly: the link reports congestion, and answers wait. */
  congestedUntil = 0;
  /** Congestion ended and the replica has not been told (drained()) yet. */
  private drainDue = false;
  private readingPaused = false;
  private toServer: Timed<ToServer>[] = [];
  private toClient: Timed<ToClient>[] = [];

  constructor(
    readonly id: number,
    readonly client: ConnClient,
    readonly server: ConnServer,
    private readonly env: ConnEnv,
  ) {}

  get isOpen(): boolean {
    return !this.serverGone && !this.clientGone;
  }

  // ---- ClientLink: the replica's side ----

  send(frame: ClientFrame): void {
    if (this.serverGone) return;
    if (!this.server.status.serving) {
      // ZAB's rule for serving clients: a leader once its epoch is established, a follower once synced with it.
      throw new ClientCheckError('serving', `server ${this.server.id} sent client ${this.client.id} a frame while ${this.server.status.state} and not synced (epoch ${this.server.status.epoch})`);
    }
    if ('protocolVersion' in frame) this.checkConnectResponse(frame);
    this.env.trace.add(this.env.now, this.server.id, 'to-client', [this.client.id, this.id, 'xid' in frame ? frame.xid : 'connect', frame.err, frame.zxid]);
    this.pushToClient({ kind: 'frame', frame: structuredClone(frame) });
  }

  close(code: number, reason: string): void {
    if (this.serverGone) return;
    this.serverGone = true;
    this.toServer = [];
    if (code === CloseCode.SESSION_ENDED) this.checkToldEnded(this.handle?.sessionId || this.presentedSessionId, `closed with SESSION_ENDED: ${reason}`);
    this.pushToClient({ kind: 'close', code, reason });
  }

  setReadingPaused(paused: boolean): void {
    this.readingPaused = paused;
  }

  get congested(): boolean {
    return this.env.now < this.congestedUntil;
  }

  /** The client stops reading for a while: unsent output piles up and the link reports congestion. */
  congestUntil(step: number): void {
    this.congestedUntil = Math.max(this.congestedUntil, step);
    this.drainDue = true;
  }

  private checkConnectResponse(r: ConnectResponse): void {
    if (r.err !== 0) this.checkToldEnded(r.sessionId, 'a connect response saying the session expired');
  }

  private checkToldEnded(sessionId: number, how: string): void {
    const tree = this.server.tree;
    if (sessionId !== 0 && tree !== undefined) this.env.checks.toldEnded(tree, sessionId, this.server.id, how);
  }

  // ---- the client's side ----

  open(req: ConnectRequest): void {
    this.presentedSessionId = req.sessionId;
    this.pushToServer({ kind: 'open' });
    this.pushToServer({ kind: 'connect', req });
  }

  request(req: Request, bytes: number): void {
    if (!this.clientGone) this.pushToServer({ kind: 'request', req, bytes });
  }

  /** The client closes the connection: the server learns it after what was sent before. */
  clientClose(): void {
    if (this.clientGone) return;
    this.clientGone = true;
    this.toClient = [];
    if (!this.serverGone) this.pushToServer({ kind: 'close' });
  }

  // ---- faults ----

  /** The connection breaks: what is in flight is lost, and each side learns it after a delay. */
  drop(): void {
    if (!this.serverGone) {
      this.toServer = [];
      this.pushToServer({ kind: 'close' });
    }
    if (!this.clientGone) {
      this.toClient = [];
      this.pushToClient({ kind: 'close', code: ABNORMAL_CLOSURE, reason: 'connection dropped' });
    }
  }

  /** The server process died: it reads nothing more; what it sent arrives, then the connection resets. */
  serverCrashed(): void {
    this.serverGone = true;
    this.handle = undefined;
    this.toServer = [];
    if (!this.clientGone) this.pushToClient({ kind: 'close', code: ABNORMAL_CLOSURE, reason: 'server crashed' });
  }

  // ---- delivery ----

  deliverDue(now: number): void {
    if (this.drainDue && !this.congested && !this.serverGone) {
      // As the WebSocket driver does once the socket's output is written out.
      this.drainDue = false;
      this.server.input(() => this.handle?.drained());
    }
    if (this.blockedUntil > now) return;
    while (this.toServer.length > 0 && this.toServer[0]!.at <= now && !this.serverGone) {
      const { item } = this.toServer[0]!;
      if (item.kind === 'request' && this.readingPaused) break;
      this.toServer.shift();
      this.arriveAtServer(item);
    }
    if (this.serverGone) this.toServer = [];
    while (this.toClient.length > 0 && this.toClient[0]!.at <= now && !this.clientGone) {
      const { item } = this.toClient.shift()!;
      if (item.kind === 'frame') this.client.frameArrived(this, item.frame);
      else {
        this.clientGone = true;
        this.client.closeArrived(this, item.code, item.reason);
      }
    }
    if (this.clientGone) this.toClient = [];
  }

  get idle(): boolean {
    return this.toServer.length === 0 && this.toClient.length === 0;
  }

  private arriveAtServer(item: ToServer): void {
    this.env.trace.add(this.env.now, this.server.id, 'from-client', [this.client.id, this.id, item.kind, item.kind === 'request' ? item.req.xid : '', item.kind === 'request' ? item.req.op : '']);
    const accepted = this.server.input((replica) => {
      switch (item.kind) {
        case 'open':
          this.handle = replica.openClient(this, { remoteAddress: `sim-client-${this.client.id}` });
          return;
        case 'connect':
          if (this.handle !== undefined && !this.handle.connect(item.req)) this.handle.close(CloseCode.PROTOCOL_ERROR, 'connect request out of turn');
          return;
        case 'request':
          // As the WebSocket driver does: a request before the session is bound is a protocol error.
          if (this.handle !== undefined && !this.handle.request(structuredClone(item.req), item.bytes)) this.handle.close(CloseCode.PROTOCOL_ERROR, 'request sent before the connect response');
          return;
        case 'close':
          this.serverGone = true;
          this.handle?.closed();
          return;
      }
    });
    if (accepted) return;
    // The server is down: the connection is refused or reset.
    this.serverGone = true;
    this.handle = undefined;
    if (!this.clientGone) this.pushToClient({ kind: 'close', code: ABNORMAL_CLOSURE, reason: 'server down' });
  }

  private pushToServer(item: ToServer): void {
    push(this.toServer, this.env.now + this.env.clientLinkDelay(), item);
  }

  private pushToClient(item: ToClient): void {
    push(this.toClient, this.env.now + this.env.clientLinkDelay(), item);
  }
}

/** FIFO: a frame never overtakes the one sent before it on the same pipe. */
function push<T>(queue: Timed<T>[], at: number, item: T): void {
  if (queue.length >= CONN_QUEUE_MAX) throw new SimLimitError(`more than ${CONN_QUEUE_MAX} frames in flight on one connection`);
  const tail = queue.length > 0 ? queue[queue.length - 1]!.at : 0;
  queue.push({ at: Math.max(at, tail), item });
}
