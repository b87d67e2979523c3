// A raw protocol client for tests: msgpack frames over `ws`, with none of the SDK's checks in the way, so a
// test can send what a broken or hostile client would send and see exactly what the server answers.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decode, encode } from '../../protocol/index.js';

export interface RawReply {
  frames: Record<string, unknown>[];
  /** Frames received. */
  count: number;
  closed?: { code: number; reason: string };
}

export interface RawClientOptions {
  /** Largest frame the client accepts (ws closes with 1009 beyond it). Default 64 MiB. */
  maxPayload?: number;
  /** Extra HTTP headers on the upgrade request (e.g. Origin). */
  headers?: Record<string, string>;
  /** Local address to connect from (any of 127/8 on Linux loopback). */
  localAddress?: string;
  /**
   * Frames are kept without their `data` field (replaced by its length in `dataBytes`): a test that
   * receives gigabytes of answers must not hold them.
   */
  stripData?: boolean;
}

const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

export class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  count = 0;
  closed: { code: number; reason: string } | undefined;
  /** Date.now() when the connection closed. */
  closedAt: number | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket, opts: RawClientOptions) {
    ws.on('message', (d: Buffer) => {
      const frame = decode(new Uint8Array(d)) as Record<string, unknown>;
      if (opts.stripData === true && frame.data instanceof Uint8Array) {
        frame.dataBytes = frame.data.byteLength;
        delete frame.data;
      }
      this.count++;
      this.frames.push(frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.closedAt = Date.now();
      this.wake();
    });
    ws.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Opens a WebSocket to 127.0.0.1:port; rejects if the upgrade is refused. `options` may be just maxPayload. */
  static async open(port: number, options: number | RawClientOptions = {}): Promise<RawClient> {
    const opts: RawClientOptions = typeof options === 'number' ? { maxPayload: options } : options;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      ...(opts.headers !== undefined ? { headers: opts.headers } : {}),
      ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
      });
    });
    return new RawClient(ws, opts);
  }

  private reply(): RawReply {
    return { frames: this.frames, count: this.count, ...(this.closed ? { closed: this.closed } : {}) };
  }

  async waitFor(cond: (r: RawReply) => boolean, timeoutMs = 20_000): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    while (!cond(this.reply())) {
      if (Date.now() > deadline) {
        throw new Error(`timed out; ${this.count} frames: ${JSON.stringify(this.frames.slice(0, 20)).slice(0, 2000)}, closed: ${JSON.stringify(this.closed)}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.reply();
  }

  /** Resolves with the close code and reason once the connection is closed. */
  async waitClosed(timeoutMs = 20_000): Promise<{ code: number; reason: string }> {
    return (await this.waitFor((r) => r.closed !== undefined, timeoutMs)).closed!;
  }

  send(message: unknown): void {
    this.ws.send(encode(message));
  }

  async handshake(extra: object = {}): Promise<Record<string, unknown>> {
    this.send({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeoutMs: 10_000, sessionId: 0, passwd: new Uint8Array(0), readOnly: false, ...extra });
    await this.waitFor((x) => x.count >= 1 || x.closed !== undefined);
    // undefined when the server closed instead of answering (see `closed`).
    return this.frames[0]!;
  }

  async request(message: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>> {
    this.send(message);
    const r = await this.waitFor((x) => x.frames.some((f) => f.xid === message.xid) || x.closed !== undefined, timeoutMs);
    const reply = r.frames.find((f) => f.xid === message.xid);
    if (reply === undefined) throw new Error(`closed instead of answering: ${JSON.stringify(r.closed)}`);
    return reply;
  }

  /** Stops reading the socket (ws.pause()): the server's answers pile up in the kernel and then on the server. */
  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }

  close(): void {
    this.ws.terminate();
  }
}

// ---- raw TCP: sockets that never speak HTTP at all ----

/** One socket of a flood, as the client saw it. Times are Date.now() values. */
export interface FloodSocket {
  localAddress: string;
  startedAt: number;
  connectedAt?: number;
  closedAt?: number;
  /** The first bytes the server sent (at most 256). */
  received: string;
  error?: string;
}

export interface TcpFloodOptions {
  port: number;
  /** The server's address. Default 127.0.0.1. */
  host?: string;
  /** Addresses to connect from (127.0.0.2, 127.0.0.3, …: Linux loopback answers the whole 127/8). */
  localAddresses: string[];
  perAddress: number;
  /**
   * Connects in flight at once. Thousands of SYNs at the same instant overflow the listen backlog and the
   * kernel's SYN retries (1 s, 3 s, 7 s) would then pace the flood, not the server. Default 100.
   */
  concurrency?: number;
  /** Reconnect every socket the server closes, until stop() or this many connects in all. */
  sustainUpTo?: number;
  /** Written once connected (e.g. the start of a TLS ClientHello that never finishes); default nothing. */
  firstBytes?: Uint8Array;
}

/** True when the server refused the socket the way the spec says: an HTTP 503 response. */
export function refusedWith503(s: FloodSocket): boolean {
  return /^HTTP\/1\.[01] 503/.test(s.received);
}

/**
 * Raw TCP sockets (node:net, no HTTP, nothing sent) from several local addresses, kept open until the server
 * closes them or the test calls stop(). Records, per socket, when it connected, when it closed and what the
 * server wrote.
 */
export class TcpFlood {
  readonly sockets: FloodSocket[] = [];
  private readonly live = new Set<Socket>();
  private readonly queue: string[] = [];
  private connecting = 0;
  private stopped = false;
  private readonly concurrency: number;

  private constructor(private readonly opts: TcpFloodOptions) {
    this.concurrency = opts.concurrency ?? 100;
    for (let i = 0; i < opts.perAddress; i++) for (const a of opts.localAddresses) this.queue.push(a);
    this.pump();
  }

  static start(opts: TcpFloodOptions): TcpFlood {
    return new TcpFlood(opts);
  }

  private pump(): void {
    while (!this.stopped && this.connecting < this.concurrency && this.queue.length > 0) this.open(this.queue.shift()!);
  }

  private open(localAddress: string): void {
    const record: FloodSocket = { localAddress, startedAt: Date.now(), received: '' };
    this.sockets.push(record);
    this.connecting++;
    let pending = true;
    const settle = (): void => {
      if (!pending) return;
      pending = false;
      this.connecting--;
      this.pump();
    };
    const socket = connect({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port, localAddress });
    this.live.add(socket);
    socket.on('connect', () => {
      record.connectedAt = Date.now();
      if (this.opts.firstBytes !== undefined) socket.write(this.opts.firstBytes);
      settle();
    });
    socket.on('data', (d: Buffer) => {
      if (record.received.length < 256) record.received = (record.received + d.toString('latin1')).slice(0, 256);
    });
    socket.on('error', (e) => {
      record.error ??= e.message;
    });
    socket.on('close', () => {
      record.closedAt = Date.now();
      this.live.delete(socket);
      settle();
      if (!this.stopped && this.opts.sustainUpTo !== undefined && this.sockets.length < this.opts.sustainUpTo) {
        this.queue.push(localAddress);
        this.pump();
      }
    });
  }

  /** Every socket asked for has been attempted and has connected or failed. */
  get settled(): boolean {
    return this.queue.length === 0 && this.connecting === 0;
  }

  /** Sockets connected and not closed yet. */
  get openCount(): number {
    return this.sockets.filter((s) => s.connectedAt !== undefined && s.closedAt === undefined).length;
  }

  get closedCount(): number {
    return this.sockets.filter((s) => s.closedAt !== undefined).length;
  }

  get refusedCount(): number {
    return this.sockets.filter(refusedWith503).length;
  }

  /**
   * The most sockets open at one moment as the client saw them, among those the server did not refuse with a
   * 503: the largest overlap of their [connected, closed] intervals (still open ones count until now). It can
   * overstate what the server held when sockets come and go: the kernel completes a connect before the server
   * accepts it, and the client sees a close a little after the server made it.
   */
  maxHeldAtOnce(): number {
    const edges: Array<[number, number]> = [];
    const now = Date.now();
    for (const s of this.sockets) {
      if (s.connectedAt === undefined || refusedWith503(s)) continue;
      edges.push([s.connectedAt, 1], [s.closedAt ?? now, -1]);
    }
    // At equal times a close counts before an open: the server released one slot before filling it again.
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let held = 0;
    let max = 0;
    for (const [, d] of edges) {
      held += d;
      max = Math.max(max, held);
    }
    return max;
  }

  /** A summary for assertion messages and diagnostics. */
  describe(): string {
    const errors = new Map<string, number>();
    for (const s of this.sockets) if (s.error !== undefined) errors.set(s.error, (errors.get(s.error) ?? 0) + 1);
    const other = this.sockets.find((s) => s.received !== '' && !refusedWith503(s));
    return `${this.sockets.length} sockets: ${this.sockets.filter((s) => s.connectedAt !== undefined).length} connected, ` +
      `${this.refusedCount} refused with 503, ${this.closedCount} closed, ${this.openCount} open, at most ${this.maxHeldAtOnce()} open at once (client's view)` +
      (errors.size > 0 ? `; errors: ${JSON.stringify([...errors])}` : '') +
      (other !== undefined ? `; other reply: ${JSON.stringify(other.received.slice(0, 80))}` : '');
  }

  /** Stops reconnecting and destroys every socket still open. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    for (const s of this.live) s.destroy();
  }
}

// ---- the well-behaved client's view: how long its requests take while the server is under attack ----

export interface LatencyReport {
  /** Requests completed (or failed) while the probe ran. */
  count: number;
  maxMs: number;
  errors: string[];
}

/**
 * Runs `op` (a well-behaved client's request) again and again until stop(), recording the slowest one.
 * One request at a time with a short pause between them, so the probe itself adds little load; an op
 * that never completes counts as an error once `opTimeoutMs` has passed.
 */
export class LatencyProbe {
  private running = true;
  private report: LatencyReport = { count: 0, maxMs: 0, errors: [] };
  /** Requests completed since the probe started, across phases. */
  completed = 0;
  private readonly done: Promise<void>;

  constructor(op: () => Promise<unknown>, private readonly opts: { pauseMs?: number; opTimeoutMs?: number } = {}) {
    this.done = this.loop(op);
  }

  private async loop(op: () => Promise<unknown>): Promise<void> {
    while (this.running) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          op(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.opTimeoutMs ?? 60_000} ms`)), this.opts.opTimeoutMs ?? 60_000);
          }),
        ]);
      } catch (e) {
        this.report.errors.push((e as Error).message);
      } finally {
        clearTimeout(timer);
      }
      this.report.maxMs = Math.max(this.report.maxMs, performance.now() - started);
      this.report.count++;
      this.completed++;
      // Unref'd: a probe a failed test forgot to stop must not keep the test process alive on its own.
      await new Promise((r) => setTimeout(r, this.opts.pauseMs ?? 20).unref());
    }
  }

  /** Reports the requests so far and starts a new phase (the probe keeps running). */
  phase(): LatencyReport {
    const report = { ...this.report, maxMs: Math.round(this.report.maxMs) };
    this.report = { count: 0, maxMs: 0, errors: [] };
    return report;
  }

  /** Lets the request in flight finish, then reports (the current phase). */
  async stop(): Promise<LatencyReport> {
    this.running = false;
    await this.done;
    return { ...this.report, maxMs: Math.round(this.report.maxMs) };
  }
}
