// The WebSocket the SDK talks through: the browser's global one, `ws` in Node (loaded lazily so that
// bundles for the browser never pull it in), or one injected through the options.
import type { ConnectionFailureCause } from './errors.js';

/** The part of the WebSocket API the SDK uses; the browser's WebSocket and `ws` both provide it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: unknown) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/**
 * The constructor: (url) for the browser's WebSocket; `ws` also takes (url, protocols, options), and the SDK
 * passes its TLS settings as those options (an injected constructor used with `tls` must accept them too).
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: object) => WebSocketLike;

/** readyState values of the WebSocket standard. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/**
 * The constructor to use: the injected one, else the global one, else `ws`. With `nodeTls` (TLS options
 * were given) only `ws` will do: no global WebSocket, a browser's or Node's own, takes TLS options.
 */
export async function resolveWebSocket(injected?: WebSocketConstructor, nodeTls = false): Promise<WebSocketConstructor> {
  if (injected !== undefined) return injected;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined && !nodeTls) return global;
  // A computed specifier keeps browser bundlers from trying to bundle the Node-only `ws`.
  const specifier = 'ws';
  try {
    const mod = (await import(specifier)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
    const ctor = mod.WebSocket ?? mod.default;
    if (ctor !== undefined) return ctor;
  } catch (e) {
    if (nodeTls) {
      throw new Error(`the tls options need the 'ws' package (Node), which could not be loaded (${(e as Error).message}); in a browser, connect with secure: true and the browser's own certificates`);
    }
    throw new Error(`no WebSocket available: there is no global WebSocket and 'ws' could not be loaded (${(e as Error).message})`);
  }
  throw new Error("no WebSocket available: the 'ws' module exports no WebSocket class");
}

/** Longest error text kept from a socket's error event. */
const ERROR_TEXT_MAX = 300;

/**
 * OpenSSL's "<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:..." form: the reason is what
 * matters. Node may put words before it ("write EPROTO 80..:error:..."), so it is not anchored.
 */
const OPENSSL_ERROR = /(?:^|\s)[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/;

/**
 * What an error event says, on one line: `ws` gives a message (e.g. why a certificate was refused, reduced
 * to OpenSSL's reason); a browser's error event says nothing.
 */
export function errorEventText(event: unknown): string | undefined {
  const message = typeof event === 'object' && event !== null ? (event as { message?: unknown }).message : undefined;
  if (typeof message !== 'string') return undefined;
  const text = (OPENSSL_ERROR.exec(message)?.[1] ?? message).replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text.slice(0, ERROR_TEXT_MAX);
}

const REFUSED_CODES = new Set(['ECONNREFUSED']);
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT']);
/** Node's and OpenSSL's names for certificate and handshake failures (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID...). */
const TLS_CODE = /^(?:EPROTO|ERR_(?:TLS|SSL|OSSL)_\w*|\w*CERT\w*|UNABLE_TO_\w+|\w*_SIGNATURE\w*|\w*ISSUER\w*)$/;
/** `ws`'s own words for an answer that is not a WebSocket upgrade, and Node's HTTP parser's error codes. */
const NOT_WEBSOCKET = /^(?:Unexpected server response|Invalid Sec-WebSocket|Server sent|Invalid Upgrade header|Missing expected)/;
const HTTP_PARSE_CODE = /^HPE_/;
const TLS_HANGUP = /before secure TLS connection was established/;

/**
 * What kind of failure an error event reports, from `ws`'s underlying error code or message. A browser's
 * error event says nothing: unknown.
 */
export function errorEventCause(event: unknown): ConnectionFailureCause {
  if (typeof event !== 'object' || event === null) return 'unknown';
  const error = (event as { error?: unknown }).error;
  const rawCode = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof rawCode === 'string' ? rawCode : '';
  const rawMessage = (event as { message?: unknown }).message;
  const message = typeof rawMessage === 'string' ? rawMessage : '';
  if (REFUSED_CODES.has(code)) return 'refused';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  // A TLS server that hangs up mid-handshake (a plain port that does not speak TLS) gives ECONNRESET with these words.
  if (TLS_CODE.test(code) || OPENSSL_ERROR.test(message) || TLS_HANGUP.test(message)) return 'tls';
  if (HTTP_PARSE_CODE.test(code) || NOT_WEBSOCKET.test(message)) return 'not-canopy';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'closed';
  return 'unknown';
}

/**
 * Binary messages as Node Buffers where the socket can (`ws`: no copy into a fresh ArrayBuffer per message),
 * else as ArrayBuffers. A browser's WebSocket ignores a binaryType it does not know, which leaves 'blob'.
 */
export function preferBuffers(socket: WebSocketLike): void {
  socket.binaryType = 'nodebuffer';
  if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
}

/**
 * The bytes of a binary message as a plain Uint8Array (a Buffer is not what the SDK hands out); undefined for
 * text or anything else. What the SDK returns (getData's data) are views of these bytes, so a message that
 * fills less than half of the memory under it (a slice of a larger socket read) is copied rather than kept
 * as a view that would hold on to the rest.
 */
export function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (!(data instanceof Uint8Array)) return undefined;
  if (data.byteLength * 2 < data.buffer.byteLength) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(data);
    return copy;
  }
  return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface CorkableStream {
  cork(): void;
  uncork(): void;
}

function isCorkable(v: unknown): v is CorkableStream {
  return typeof v === 'object' && v !== null && typeof (v as CorkableStream).cork === 'function' && typeof (v as CorkableStream).uncork === 'function';
}

/**
 * For Node's `ws` (whose stream is `_socket`, not part of its typed API): a function to call before each send
 * that holds the stream's writes until the current run of callbacks and promise continuations ends, so that
 * requests issued together leave in one syscall rather than one each. Undefined in a browser, where the
 * WebSocket itself decides.
 */
export function writeCoalescer(socket: WebSocketLike): (() => void) | undefined {
  const stream = (socket as { _socket?: unknown })._socket;
  const nextTick = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process?.nextTick;
  if (!isCorkable(stream) || nextTick === undefined) return undefined;
  let held = false;
  const release = (): void => {
    held = false;
    stream.uncork();
  };
  return () => {
    if (held) return;
    held = true;
    stream.cork();
    nextTick(release);
  };
}
