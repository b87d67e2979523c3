// A loopback TCP proxy whose two directions can each be held, the way a network partition holds packets:
// while a direction is held nothing crosses it — bytes, a close, or (forward) the connection attempt
// itself — and when it is released everything held is delivered late, in order, as TCP retransmission
// would. Endpoints see what a real partition shows them: silence, then stale data or a late close.
// A held direction applies backpressure (its source socket is paused), so holding costs no memory.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export type Direction = 'forward' | 'backward';

/** One direction of one proxied connection: bytes from `src` to `dst`. */
class Flow {
  private readonly pending: Buffer[] = [];
  private ended = false;
  private delivered = false;
  /** A 'drain' listener is waiting: one is enough, however often pump runs meanwhile. */
  private draining = false;
  dst: Socket | undefined;

  constructor(private readonly src: Socket, private readonly isHeld: () => boolean, private readonly onDone: () => void) {
    src.on('data', (chunk: Buffer) => {
      this.pending.push(chunk);
      this.pump();
    });
    const end = (): void => {
      this.ended = true;
      this.pump();
    };
    src.on('end', end);
    src.on('close', end);
    src.on('error', () => undefined); // 'close' follows every error
  }

  /** Moves what it can to dst; pauses src while held, unattached, or dst is full. */
  pump(): void {
    const dst = this.dst;
    if (this.isHeld() || dst === undefined || this.draining) {
      if (!this.ended) this.src.pause();
      return;
    }
    while (this.pending.length > 0) {
      const chunk = this.pending.shift()!;
      if (dst.destroyed) continue;
      if (!dst.write(chunk)) {
        if (!this.ended) this.src.pause();
        this.draining = true;
        const resume = (): void => {
          if (!this.draining) return;
          this.draining = false;
          this.pump();
        };
        // A destination that closes instead of draining still lets the held end through.
        dst.once('drain', resume);
        dst.once('close', resume);
        return;
      }
    }
    if (this.ended) {
      if (!this.delivered) {
        this.delivered = true;
        if (!dst.destroyed) dst.end();
        this.onDone();
      }
      return;
    }
    this.src.resume();
  }
}

interface ProxiedConnection {
  client: Socket;
  upstream: Socket | undefined;
  forward: Flow;
  backward: Flow | undefined;
  done: number;
}

export class HoldingProxy {
  private readonly connections = new Set<ProxiedConnection>();
  private readonly heldDirections = { forward: false, backward: false };

  private constructor(private readonly server: Server, readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<HoldingProxy> {
    let proxy: HoldingProxy | undefined;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => proxy?.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new HoldingProxy(server, (server.address() as AddressInfo).port, target);
    return proxy;
  }

  /** Holds (or releases) one direction; releasing delivers everything held, connection attempts included. */
  hold(direction: Direction, on: boolean): void {
    if (this.heldDirections[direction] === on) return;
    this.heldDirections[direction] = on;
    if (on) return;
    for (const c of [...this.connections]) {
      if (direction === 'forward') {
        if (c.upstream === undefined) this.dialUpstream(c);
        else c.forward.pump();
      } else {
        c.backward?.pump();
      }
    }
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const c: ProxiedConnection = { client, upstream: undefined, forward: undefined as unknown as Flow, backward: undefined, done: 0 };
    c.forward = new Flow(client, () => this.heldDirections.forward, () => this.flowDone(c));
    this.connections.add(c);
    client.on('close', () => {
      // A client that gave up before its connection attempt got through never reaches the target.
      if (c.upstream === undefined) this.connections.delete(c);
    });
    if (!this.heldDirections.forward) this.dialUpstream(c);
  }

  private dialUpstream(c: ProxiedConnection): void {
    if (c.client.destroyed) {
      this.connections.delete(c);
      return;
    }
    const upstream = connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    c.upstream = upstream;
    c.backward = new Flow(upstream, () => this.heldDirections.backward, () => this.flowDone(c));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      c.forward.dst = upstream;
      c.backward!.dst = c.client;
      c.forward.pump();
      c.backward!.pump();
    });
    // A refused or reset upstream: the client sees its connection drop, as it would without the proxy.
    upstream.once('error', () => {
      if (connected) return;
      this.connections.delete(c);
      c.client.destroy();
    });
  }

  private flowDone(c: ProxiedConnection): void {
    if (++c.done < 2) return;
    this.connections.delete(c);
    c.client.destroy();
    c.upstream?.destroy();
  }

  /** Drops every connection at once (both ends see a reset) and stops listening. */
  async close(): Promise<void> {
    for (const c of this.connections) {
      c.client.destroy();
      c.upstream?.destroy();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
