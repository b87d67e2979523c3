// Client options, their defaults and their validation. A bad option is a programming error: a plain
// Error naming the option, thrown before anything connects.
import type { WebSocketConstructor } from './socket.js';

export interface RetryOptions {
  /** First delay between reconnect attempts (default 100 ms); it doubles up to maxDelayMs. */
  initialDelayMs?: number;
  /** Longest delay between reconnect attempts (default 2000 ms). */
  maxDelayMs?: number;
}

/** PEM text, or its bytes (a Node Buffer is a Uint8Array). */
export type Pem = string | Uint8Array;

/**
 * TLS settings for `wss` in Node, handed to `ws` (and from it to node:tls). A browser's WebSocket takes
 * none of these: there `wss://` uses the browser's own trust store and client certificates, so these
 * options are refused where `ws` cannot be loaded.
 */
export interface TlsOptions {
  /** CA certificates to trust instead of Node's built-in list: for servers whose certificate a private CA signed. */
  ca?: Pem | Pem[];
  /** The client certificate (chain), for servers with ssl.clientAuth=need or want; needs `key`. */
  cert?: Pem;
  /** The client certificate's private key (unencrypted PEM). */
  key?: Pem;
  /** The name the server's certificate must carry (default: the host from the connect string). */
  servername?: string;
  /** Check the server's certificate (default true). Turning it off lets anyone in the middle read the session. */
  rejectUnauthorized?: boolean;
}

export interface ClientOptions {
  /** Requested session timeout; the server clamps it (default 30000 ms). */
  sessionTimeoutMs?: number;
  /** Client.connect rejects with CONNECTIONLOSS if no session is established within this (default 30000 ms). */
  connectTimeoutMs?: number;
  /** Accept a read-only server (default false). */
  readOnly?: boolean;
  retry?: RetryOptions;
  /** WebSocket constructor to use instead of the global one or `ws`. */
  webSocket?: WebSocketConstructor;
  /** Resume this session instead of starting a new one (with sessionPasswd). */
  sessionId?: number;
  sessionPasswd?: Uint8Array;
  /** Use wss:// (default: true with `tls` or a `wss://` connect string, else false). */
  secure?: boolean;
  /** Node only: certificates for wss (implies `secure`). */
  tls?: TlsOptions;
  /** Uniform in [0, 1), for the server shuffle and retry jitter (default Math.random). */
  random?: () => number;
}

export interface Settings {
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  readOnly: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  sessionId: number;
  sessionPasswd: Uint8Array;
  secure: boolean;
  /** Validated copies, for `ws`; undefined without `tls`. */
  tls: TlsSettings | undefined;
  random: () => number;
}

export interface TlsSettings {
  ca?: Pem[];
  cert?: Pem;
  key?: Pem;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** Largest CA bundle, certificate or key accepted, in bytes or characters. */
export const TLS_PEM_MAX = 1024 * 1024;
/** Longest DNS name. */
const SERVERNAME_MAX = 253;

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_PASSWD_BYTES = 64;

function positiveMs(name: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new Error(`${name} must be a positive integer number of ms (got ${String(value)})`);
  }
  return value;
}

function pem(name: string, value: unknown): Pem {
  const size = typeof value === 'string' ? value.length : value instanceof Uint8Array ? value.byteLength : -1;
  if (size <= 0 || size > TLS_PEM_MAX) throw new Error(`${name} must be a non-empty PEM string or Uint8Array of at most ${TLS_PEM_MAX} bytes`);
  return typeof value === 'string' ? value : Uint8Array.from(value as Uint8Array);
}

function tlsSettings(tls: TlsOptions): TlsSettings {
  if (typeof tls !== 'object' || tls === null) throw new Error('tls must be an object');
  const out: TlsSettings = { rejectUnauthorized: tls.rejectUnauthorized ?? true };
  if (typeof out.rejectUnauthorized !== 'boolean') throw new Error('tls.rejectUnauthorized must be a boolean');
  if (tls.ca !== undefined) {
    const list: unknown[] = Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    if (list.length === 0) throw new Error('tls.ca must name at least one certificate');
    out.ca = list.map((c, i) => pem(Array.isArray(tls.ca) ? `tls.ca[${i}]` : 'tls.ca', c));
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('tls.cert and tls.key go together');
  if (tls.cert !== undefined) out.cert = pem('tls.cert', tls.cert);
  if (tls.key !== undefined) out.key = pem('tls.key', tls.key);
  if (tls.servername !== undefined) {
    if (typeof tls.servername !== 'string' || tls.servername === '' || tls.servername.length > SERVERNAME_MAX) {
      throw new Error(`tls.servername must be a host name of 1 to ${SERVERNAME_MAX} characters`);
    }
    out.servername = tls.servername;
  }
  return out;
}

/** wss or ws: the option, else `tls` or the connect string's prefix; a contradiction is an error. */
function secureFrom(options: ClientOptions, connectStringSecure: boolean | undefined): boolean {
  const secure = options.secure;
  if (secure !== undefined && typeof secure !== 'boolean') throw new Error('secure must be a boolean');
  if (secure === false && options.tls !== undefined) throw new Error('tls options need secure connections (secure: false was given)');
  if (secure !== undefined && connectStringSecure !== undefined && secure !== connectStringSecure) {
    throw new Error(`secure: ${secure} contradicts the connect string's ${connectStringSecure ? 'wss' : 'ws'}:// prefix`);
  }
  if (connectStringSecure === false && options.tls !== undefined) throw new Error("tls options need secure connections (the connect string says ws://)");
  return secure ?? connectStringSecure ?? options.tls !== undefined;
}

/** `connectStringSecure`: what the connect string's ws:// or wss:// prefix says, if it has one. */
export function settingsFrom(options: ClientOptions, connectStringSecure?: boolean): Settings {
  const sessionId = options.sessionId ?? 0;
  if (typeof sessionId !== 'number' || !Number.isInteger(sessionId) || sessionId < 0 || sessionId > Number.MAX_SAFE_INTEGER) {
    throw new Error(`sessionId must be a non-negative safe integer (got ${String(sessionId)})`);
  }
  const passwd = options.sessionPasswd ?? new Uint8Array(0);
  if (!(passwd instanceof Uint8Array) || passwd.byteLength > MAX_PASSWD_BYTES) {
    throw new Error(`sessionPasswd must be a Uint8Array of at most ${MAX_PASSWD_BYTES} bytes`);
  }
  if (sessionId !== 0 && passwd.byteLength === 0) throw new Error('sessionId needs its sessionPasswd');
  const initialDelayMs = positiveMs('retry.initialDelayMs', options.retry?.initialDelayMs, 100);
  const maxDelayMs = positiveMs('retry.maxDelayMs', options.retry?.maxDelayMs, Math.max(2_000, initialDelayMs));
  if (maxDelayMs < initialDelayMs) throw new Error('retry.maxDelayMs must not be below retry.initialDelayMs');
  return {
    sessionTimeoutMs: positiveMs('sessionTimeoutMs', options.sessionTimeoutMs, 30_000),
    connectTimeoutMs: positiveMs('connectTimeoutMs', options.connectTimeoutMs, 30_000),
    readOnly: options.readOnly ?? false,
    initialDelayMs,
    maxDelayMs,
    sessionId,
    sessionPasswd: passwd,
    secure: secureFrom(options, connectStringSecure),
    tls: options.tls !== undefined ? tlsSettings(options.tls) : undefined,
    random: options.random ?? Math.random,
  };
}
