// Helpers for tests of the ZooKeeper door (zkClientPort): its port as the server logs it, raw jute bytes a
// hostile or minimal client sends, and Kazoo (Debian's python3-kazoo, run by the system python) running a
// scenario script from test/zookeeper/ with its results as JSON.
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureDebianPackages, type Availability } from './debian-packages.js';
import type { ServerProcess } from './server-process.js';
import type { Ensemble } from './ensemble.js';

/** The line a server logs when its ZooKeeper door listens; the port is the one the OS picked for 0. */
const ZK_LISTENING_LINE = /listening for clients .*"protocol":"zookeeper".*"port":(\d+)/;
/** Debian's python, the one python3-kazoo installs for. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
/** Scripts stay in the source tree: <build dir>/test/support → <repo>/test/zookeeper. */
const SCRIPTS_DIR = join(here, '..', '..', '..', 'test', 'zookeeper');
const KAZOO_RUN_TIMEOUT_MS = 3 * 60_000;
const STDERR_CHARS_MAX = 20_000;

/** The ZooKeeper port of a server started with --zkClientPort. */
export async function zkPortOf(server: ServerProcess): Promise<number> {
  const m = await server.waitForLine(ZK_LISTENING_LINE);
  return Number(m[1]);
}

/** Every member's ZooKeeper door, comma-separated, as ZooKeeper clients take a server list. */
export async function zkHostsOf(ensemble: Ensemble): Promise<string> {
  const ports = await Promise.all(ensemble.servers.map((s) => zkPortOf(s.process!)));
  return ports.map((p) => `127.0.0.1:${p}`).join(',');
}

/** Kazoo importable by the system python, installing python3-kazoo when missing and this machine can. */
export async function kazooAvailable(): Promise<Availability> {
  const importable = (): Promise<boolean> => promisify(execFile)(SYSTEM_PYTHON, ['-c', 'import kazoo']).then(() => true, () => false);
  if (await importable()) return { ok: true };
  const installed = await ensureDebianPackages(['python3-kazoo']);
  if (!installed.ok) return installed;
  return (await importable()) ? { ok: true } : { ok: false, reason: `${SYSTEM_PYTHON} cannot import kazoo after installing python3-kazoo` };
}

/** Runs test/zookeeper/<script> with input as JSON on stdin; its JSON on stdout is the result. */
export async function runKazoo(script: string, input: object, timeoutMs = KAZOO_RUN_TIMEOUT_MS): Promise<Record<string, unknown>> {
  const child = spawn(SYSTEM_PYTHON, [join(SCRIPTS_DIR, script)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-STDERR_CHARS_MAX);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
    child.stdin.end(JSON.stringify(input));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`${script} exited with ${String(code)}:\n${stderr}`);
  try {
    return JSON.parse(Buffer.concat(stdout).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${script} printed no JSON (${(e as Error).message}):\n${stderr}`);
  }
}

/** A jute ConnectRequest for a new session (protocolVersion 0, lastZxidSeen 0, timeout, session 0, 16 zero bytes), with its length prefix. */
export function juteConnectRequest(timeoutMs = 10_000, readOnlyByte = true): Buffer {
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16 + (readOnlyByte ? 1 : 0));
  let at = 0;
  at = body.writeInt32BE(0, at);
  body.writeBigInt64BE(0n, at);
  at += 8;
  at = body.writeInt32BE(timeoutMs, at);
  body.writeBigInt64BE(0n, at);
  at += 8;
  at = body.writeInt32BE(16, at);
  return withLength(body);
}

export function withLength(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.byteLength);
  return Buffer.concat([prefix, body]);
}

/** A raw TCP socket to the door, recording what it receives and when it closes. */
export class RawZkSocket {
  received = Buffer.alloc(0);
  closedAt: number | undefined;
  readonly openedAt = Date.now();
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closedAt = Date.now();
    });
  }

  static open(port: number, localAddress?: string): Promise<RawZkSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', ...(localAddress !== undefined ? { localAddress } : {}) });
      socket.once('connect', () => resolve(new RawZkSocket(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The line a server logs when its ZooKeeper TLS door (zkSecureClientPort) listens. */
const ZK_SECURE_LISTENING_LINE = /listening for clients .*"protocol":"zookeeper\+tls".*"port":(\d+)/;

/** The ZooKeeper TLS port of a server started with --zkSecureClientPort. */
export async function zkSecurePortOf(server: ServerProcess): Promise<number> {
  const m = await server.waitForLine(ZK_SECURE_LISTENING_LINE);
  return Number(m[1]);
}
