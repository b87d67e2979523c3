// Client options, their defaults and their validation. A bad option is a programming error: a plain
// Error naming the option, thrown before anything connects.
import type { WebSocketConstructor } from './socket.js';

export interface RetryOptions {
  /** First delay between reconnect attempts (default 100 ms); it doubles up to maxDelayMs. */
  initialDelayMs?: number;
  /** Longest delay between reconnect attempts (default 2000 ms). */
  maxDelayMs?: number;
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
  /** Use wss:// (default false). */
  secure?: boolean;
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
  random: () => number;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_PASSWD_BYTES = 64;

function positiveMs(name: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new Error(`${name} must be a positive integer number of ms (got ${String(value)})`);
  }
  return value;
}

export function settingsFrom(options: ClientOptions): Settings {
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
    secure: options.secure ?? false,
    random: options.random ?? Math.random,
  };
}
