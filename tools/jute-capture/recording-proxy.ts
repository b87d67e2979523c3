// A loopback TCP proxy that records every jute frame through it, in arrival order, with its connection and
// direction. Bytes are forwarded as they come; the recording splits them into frames with the codec's own
// frame reader (frames are length-prefixed in both directions, so no knowledge of ops is needed here).
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { JuteFrameReader } from '../../protocol/jute/index.js';

export type Direction = 'request' | 'response';

export interface RecordedFrame {
  /** 1 for the first connection through the proxy, then 2, ... */
  conn: number;
  dir: Direction;
  /** The body, without its 4-byte length. */
  body: Uint8Array;
}

/** Far above anything the capture sends; the recording must never refuse a real frame. */
const RECORD_FRAME_BYTES_MAX = 64 * 1024 * 1024;

export class RecordingProxy {
  readonly frames: RecordedFrame[] = [];
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<RecordingProxy> {
    const server = createServer();
    const proxy = new RecordingProxy(server);
    server.on('connection', (client) => proxy.serverOnConnection(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private serverOnConnection(client: Socket, targetPort: number): void {
    const conn = ++this.connections;
    const upstream = connect(targetPort, '127.0.0.1');
    this.relay(client, upstream, conn, 'request');
    this.relay(upstream, client, conn, 'response');
  }

  private relay(from: Socket, to: Socket, conn: number, dir: Direction): void {
    const reader = new JuteFrameReader(RECORD_FRAME_BYTES_MAX);
    this.sockets.add(from);
    from.on('data', (chunk: Buffer) => {
      for (const body of reader.push(chunk)) this.frames.push({ conn, dir, body });
      to.write(chunk);
    });
    from.on('close', () => {
      this.sockets.delete(from);
      to.destroy();
    });
    from.on('error', () => to.destroy());
  }

  /** Cuts every link, as a network failure would: the client reconnects and re-sends its watches. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
