// The admin HTTP endpoint (ZooKeeper's AdminServer, plus /health and /metrics) on node:http. It is an
// operator's door and may still be reached by anyone who can reach its address, so: it listens on loopback
// unless told otherwise, requests other than /health must carry the bearer token when admin.tokenFile is
// set, only GET and HEAD are served, connections are counted from the TCP accept and bounded, headers and
// idle sockets time out, and at most one snapshot streams at a time. A port it cannot bind is logged and
// the server runs on without it, as ZooKeeper does.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ADMIN_COMMANDS, adminCommandOf, notServingAnswer, runAdminCommand, unknownCommandAnswer, type JsonObject } from '../admin/admin-commands.js';
import { healthOf } from '../admin/health.js';
import type { ServerView } from '../admin/server-view.js';
import type { AdminConfig } from './admin-config.js';
import { ConfigError } from './config-values.js';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';

const URL_CHARS_MAX = 2048;
const HEADER_BYTES_MAX = 8192;
const HEADERS_TIMEOUT_MS = 10_000;
/** Bytes of a token file read: a token is a line, not a document. */
const TOKEN_FILE_BYTES_MAX = 4096;
const TOKEN_CHARS_MIN = 16;
/** Snapshots streaming at once: each holds a reference copy of the tree until it is sent. */
const SNAPSHOT_STREAMS_MAX = 1;

/** A consistent snapshot of the tree at one zxid, as a stream of archive bytes. */
export interface SnapshotStream {
  zxid: number;
  chunks: AsyncIterable<Uint8Array>;
}

export interface AdminServerParts {
  config: AdminConfig;
  view: ServerView;
  metrics: ServerMetrics;
  /** Takes the snapshot now (a reference copy) and streams it as it is read. */
  snapshot(): SnapshotStream;
  log: Logger;
  /** For what remote peers can provoke: bounded, rate-limited. */
  inputLog: Logger;
}

/** The SHA-256 of the token in admin.tokenFile: read once at start, compared in constant time. */
function loadTokenDigest(file: string): Buffer {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.byteLength > TOKEN_FILE_BYTES_MAX) throw new ConfigError(`admin.tokenFile ${file} is over ${TOKEN_FILE_BYTES_MAX} bytes: it should hold one token`);
    text = bytes.toString('utf8').trim();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`admin.tokenFile ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.length < TOKEN_CHARS_MIN || /\s/.test(text)) throw new ConfigError(`admin.tokenFile ${file} must hold one token of at least ${TOKEN_CHARS_MIN} characters, no spaces`);
  return createHash('sha256').update(text).digest();
}

export class AdminServer {
  private readonly sockets = new Set<Socket>();
  private snapshotStreams = 0;

  private constructor(
    private readonly parts: AdminServerParts,
    private readonly server: Server,
    private readonly tokenDigest: Buffer | undefined,
  ) {}

  /** Listens as configured; undefined (with a warning) when disabled or when the port cannot be bound. */
  static async start(parts: AdminServerParts): Promise<AdminServer | undefined> {
    const c = parts.config;
    if (!c.enabled) return undefined;
    const tokenDigest = c.tokenFile !== undefined ? loadTokenDigest(c.tokenFile) : undefined;
    const server = createServer({ maxHeaderSize: HEADER_BYTES_MAX });
    const admin = new AdminServer(parts, server, tokenDigest);
    server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, c.idleTimeoutMs);
    server.requestTimeout = c.idleTimeoutMs;
    server.keepAliveTimeout = Math.min(5_000, c.idleTimeoutMs);
    server.on('connection', (socket: Socket) => admin.serverOnConnection(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => admin.serverOnRequest(req, res));
    server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => clientErrorAnswer(e, socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(c.port, c.address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      parts.log.warn('admin server not started: cannot listen (the server runs on without it)', { address: c.address, port: c.port, code });
      return undefined;
    }
    // An accept that fails later (EMFILE when descriptors run out) must cost a log line, not the process.
    server.on('error', (e: NodeJS.ErrnoException) => parts.inputLog.warn('admin server error', { code: e.code ?? 'error' }));
    parts.log.info('admin server listening', { address: c.address, port: admin.port, token: tokenDigest !== undefined });
    return admin;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serverOnConnection(socket: Socket): void {
    if (this.sockets.size >= this.parts.config.maxConnections) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setTimeout(this.parts.config.idleTimeoutMs, () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
  }

  private serverOnRequest(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((e: unknown) => {
      this.parts.log.error('admin request failed', { error: e instanceof Error ? (e.stack ?? e.message) : typeof e });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (url.length > URL_CHARS_MAX) return sendJson(res, 414, { error: `the URL is over ${URL_CHARS_MAX} characters` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'only GET and HEAD are served' });
    }
    const path = url.split('?')[0]!;
    if (path === '/health' || path === '/health/ready') {
      const health = healthOf(this.parts.view.facts());
      return sendJson(res, health.ready ? 200 : 503, { ...health });
    }
    if (path === '/health/live') return sendJson(res, 200, { live: true });
    if (!this.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="canopy-admin"');
      return sendJson(res, 401, { error: 'this endpoint needs the bearer token of admin.tokenFile' });
    }
    if (path === '/metrics') {
      const { contentType, text } = await this.parts.metrics.scrape();
      return send(res, 200, contentType, text);
    }
    if (path === '/commands' || path === '/commands/') return send(res, 200, 'text/html', commandIndex());
    if (path.startsWith('/commands/')) return this.command(path.slice('/commands/'.length), res);
    return sendJson(res, 404, { error: 'not found: the endpoints are /commands, /commands/<name>, /health and /metrics' });
  }

  private async command(name: string, res: ServerResponse): Promise<void> {
    const command = adminCommandOf(name);
    // An unknown name is echoed in the answer as ZooKeeper does, clipped: it is the client's string.
    if (command === undefined) return sendJson(res, 404, unknownCommandAnswer(name.slice(0, 64)));
    if (command === 'snapshot') return this.streamSnapshot(res);
    return sendJson(res, 200, await runAdminCommand(command, this.parts.view));
  }

  private async streamSnapshot(res: ServerResponse): Promise<void> {
    if (!this.parts.view.facts().serving) return sendJson(res, 503, notServingAnswer('snapshot'));
    if (this.snapshotStreams >= SNAPSHOT_STREAMS_MAX) return sendJson(res, 429, { command: 'snapshot', error: 'a snapshot is already streaming; try again when it is done' });
    this.snapshotStreams++;
    try {
      const { zxid, chunks } = this.parts.snapshot();
      const zxidHex = `0x${zxid.toString(16)}`;
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename="canopy-snapshot.${zxid.toString(16)}"`,
        // ZooKeeper 3.9's name for the same header.
        last_zxid: zxidHex,
      });
      if (res.req.method === 'HEAD') return void res.end();
      for await (const chunk of chunks) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
      }
      res.end();
      this.parts.log.info('snapshot streamed', { zxid: zxidHex });
    } finally {
      this.snapshotStreams--;
    }
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.tokenDigest === undefined) return true;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    const given = createHash('sha256').update(header.slice('Bearer '.length).trim()).digest();
    return timingSafeEqual(given, this.tokenDigest);
  }
}

/** A request node:http could not parse: one status line, then the socket goes (Node's own answer, without keep-alive). */
function clientErrorAnswer(e: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || e.code === 'ECONNRESET') return void socket.destroy();
  const status = e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function commandIndex(): string {
  return ADMIN_COMMANDS.map((c) => `<a href="/commands/${c}">${c}</a>\n<br/>\n`).join('');
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, body: JsonObject): void {
  send(res, status, 'application/json', `${JSON.stringify(body, null, 2)}\n`);
}
