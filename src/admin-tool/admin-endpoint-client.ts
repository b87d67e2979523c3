// canopy-admin's side of a server's admin endpoint: which address a --server value names, and GET requests
// with the bearer token, a deadline, and a bound on what a JSON answer may hold (a server, or something
// pretending to be one, could send without end).
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AdminToolError, EXIT } from './subcommand.js';

/** ZooKeeper's admin.serverPort default. */
export const DEFAULT_ADMIN_PORT = 8080;
const JSON_ANSWER_BYTES_MAX = 16 * 1024 * 1024;
const TOKEN_FILE_BYTES_MAX = 4096;

/** A server that cannot be asked, or answers what it should not: the command failed (exit 1). */
export function endpointError(message: string): AdminToolError {
  return new AdminToolError(message, EXIT.failed);
}

export interface AdminEndpoint {
  /** As the user wrote it, for messages. */
  label: string;
  secure: boolean;
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]:port`, or an http(s):// URL of one. */
export function parseAdminEndpoint(text: string): AdminEndpoint {
  const label = text.trim();
  let rest = label;
  let secure = false;
  const scheme = /^(https?):\/\//i.exec(rest);
  if (scheme !== null) {
    secure = scheme[1]!.toLowerCase() === 'https';
    rest = rest.slice(scheme[0].length).replace(/\/+$/, '');
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new AdminToolError(`'${label.slice(0, 100)}' is not host:port`);
    host = rest.slice(1, close);
    portText = rest[close + 1] === ':' ? rest.slice(close + 2) : rest.length === close + 1 ? undefined : '';
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
  }
  const port = portText === undefined ? DEFAULT_ADMIN_PORT : Number(portText);
  if (host === '' || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AdminToolError(`'${label.slice(0, 100)}' is not an admin address (host:port, default port ${DEFAULT_ADMIN_PORT})`);
  }
  return { label, secure, host, port };
}

/** A --timeout value in ms, checked. */
export function timeoutArg(ms: number): number {
  if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) throw new AdminToolError(`--timeout must be a whole number of ms in [1, 3600000], got '${String(ms).slice(0, 20)}'`);
  return ms;
}

/** The token in a file, trimmed (the server reads admin.tokenFile the same way). */
export function readTokenFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new AdminToolError(`cannot read token file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (bytes.byteLength > TOKEN_FILE_BYTES_MAX) throw new AdminToolError(`token file ${file} is over ${TOKEN_FILE_BYTES_MAX} bytes`);
  return bytes.toString('utf8').trim();
}

export interface GetOptions {
  token: string | undefined;
  timeoutMs: number;
}

/** GET path; resolves with the response (its body unread) once the headers arrive. */
export function adminGet(endpoint: AdminEndpoint, path: string, opts: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
    const request = endpoint.secure ? httpsRequest : httpRequest;
    const req = request({ host: endpoint.host, port: endpoint.port, path, method: 'GET', headers, agent: false }, resolve);
    req.setTimeout(opts.timeoutMs, () => req.destroy(endpointError(`${endpoint.label}: no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof AdminToolError ? e : endpointError(`${endpoint.label}: ${describeSocketError(e)}`)));
    req.end();
  });
}

function describeSocketError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused (is the admin endpoint enabled on this port?)';
    case 'ENOTFOUND': return 'host not found';
    case 'ECONNRESET': return 'connection reset';
    default: return e.message;
  }
}

/** GET path and parse its JSON answer; a non-2xx status is an error naming it (401: the token). */
export async function adminGetJson(endpoint: AdminEndpoint, path: string, opts: GetOptions & { okStatuses?: readonly number[] }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await adminGet(endpoint, path, opts);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.byteLength;
    if (bytes > JSON_ANSWER_BYTES_MAX) {
      res.destroy();
      throw endpointError(`${endpoint.label}${path}: the answer is over ${JSON_ANSWER_BYTES_MAX} bytes`);
    }
    chunks.push(chunk);
  }
  const status = res.statusCode ?? 0;
  if (status === 401) throw endpointError(`${endpoint.label}: the admin endpoint wants a bearer token (--token-file)`);
  if (!(opts.okStatuses ?? [200]).includes(status)) throw endpointError(`${endpoint.label}${path}: HTTP ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw endpointError(`${endpoint.label}${path}: the answer is not JSON (is this a Canopy admin endpoint?)`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw endpointError(`${endpoint.label}${path}: the answer is not a JSON object`);
  return { status, body: body as Record<string, unknown> };
}
