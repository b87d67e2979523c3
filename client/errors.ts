// The one error type the SDK rejects with: a ZooKeeper error code, the path it concerns, and for a
// failed multi the per-op results. Callers branch on `code`, never on the message.
import { ErrorCode, errorCodeName } from '../protocol/index.js';
import type { OpResult } from '../protocol/index.js';

/**
 * Why a link to a server failed or never came up, as far as the client can tell:
 * - refused: nothing listens at the address (ECONNREFUSED);
 * - unreachable: the host name does not resolve, or no route leads to it;
 * - not-canopy: something answered, but not a Canopy server (an HTTP answer instead of the WebSocket
 *   upgrade, bytes that are not HTTP, or a first frame that is not a connect response);
 * - tls: the TLS handshake failed (an untrusted or mismatched certificate, wss to a plain port, a refused
 *   client certificate);
 * - timeout: no session within the attempt's time, or nothing received on an open link for too long;
 * - rejected: a Canopy server answered the handshake with an error;
 * - closed: the server or the network closed the link;
 * - unknown: the runtime said nothing more (a browser's error event carries no reason).
 */
export type ConnectionFailureCause = 'refused' | 'unreachable' | 'not-canopy' | 'tls' | 'timeout' | 'rejected' | 'closed' | 'unknown';

/** The last link failure: its cause, the server's URL, and the runtime's own words. */
export interface ConnectionFailure {
  readonly cause: ConnectionFailureCause;
  readonly url: string;
  readonly message: string;
}

/** What a KeeperError carries besides its code and path. */
export interface KeeperErrorOptions {
  /** Extra words for the message (why a request was refused client-side). */
  detail?: string;
  /** For multi: one result per op. */
  results?: OpResult[];
  /** For CONNECTIONLOSS: the link failure behind it, when one is known. */
  connectionFailure?: ConnectionFailure;
}

/**
 * The error every SDK promise rejects with (recipes add RecipeClosedError, CacheLimitError and the config
 * parsers' errors; a bad option or connect string is a plain Error thrown at once). Branch on `code`, an
 * ErrorCode; the message is for people. Besides the codes each method lists, any request can fail with:
 *
 * - CONNECTIONLOSS: the link to the server dropped before the answer came. The session is not lost: the
 *   client reconnects by itself. A write may or may not have been applied; read before retrying it.
 * - SESSIONEXPIRED: the session has expired (no server heard from it for its timeout), or close() was called.
 *   Final: the client does not reconnect; its ephemeral nodes and watches are gone. Make a new Client.
 * - AUTHFAILED: the client is authFailed (the server refused an addAuthInfo and closed the connection). Final.
 * - SESSIONCLOSEDREQUIRESASLAUTH: the server requires authentication (enforce.auth.enabled) and the
 *   connection has not authenticated; the server closes the connection and the client becomes authFailed.
 * - THROTTLEDOP: too many requests at once: over 10,000 waiting for a connection or 100,000 in flight on this
 *   client, or more writes than the server takes in at a time. Retry after a back-off.
 * - BADARGUMENTS: a request the server would refuse (an invalid path, version or option, data over the
 *   server's maxDataBytes, a frame over its maxFrameBytes), refused before it is sent.
 * - OPERATIONTIMEOUT: recipes only, when a wait's timeoutMs passes.
 */
export class KeeperError extends Error {
  /** The ZooKeeper error code (KeeperException.Code numbers). */
  readonly code: ErrorCode;
  /** The path the failed request concerned, when it had one (for multi: the failing op's). */
  readonly path?: string;
  /** For multi: one result per op (the failing one with its code, those after it RUNTIMEINCONSISTENCY). */
  readonly results?: OpResult[];
  /** For CONNECTIONLOSS: why the link failed (callers branch on its `cause`, never on the message). */
  readonly connectionFailure?: ConnectionFailure;

  /** The message is the code's name, then the path and the detail when given (`NONODE: /a (...)`). */
  constructor(code: ErrorCode, path?: string, options: KeeperErrorOptions = {}) {
    super(keeperMessage(code, path, options.detail));
    this.name = 'KeeperError';
    this.code = code;
    if (path !== undefined) this.path = path;
    if (options.results !== undefined) this.results = options.results;
    if (options.connectionFailure !== undefined) this.connectionFailure = options.connectionFailure;
  }

  /**
   * A type guard for catch blocks: `if (KeeperError.is(e, ErrorCode.NONODE)) ...`.
   * @returns true when `e` is a KeeperError, and when `code` is given, one with that code.
   */
  static is(e: unknown, code?: ErrorCode): e is KeeperError {
    return e instanceof KeeperError && (code === undefined || e.code === code);
  }
}

function keeperMessage(code: number, path: string | undefined, detail: string | undefined): string {
  let message = errorCodeName(code);
  if (path !== undefined) message += `: ${path}`;
  if (detail !== undefined) message += ` (${detail})`;
  return message;
}

/** Casts a wire error number to ErrorCode; unknown numbers stay as they are (errorCodeName prints them). */
export function asErrorCode(err: number): ErrorCode {
  return err as ErrorCode;
}

/** Longest server explanation carried into an error message. */
const SERVER_MESSAGE_CHARS_MAX = 200;

/** The error for a failed response, with the server's explanation when it sent one. */
export function responseError(response: { err: number; message?: string }, path?: string): KeeperError {
  const message = response.message;
  const detail = message === undefined ? undefined : message.slice(0, SERVER_MESSAGE_CHARS_MAX);
  return new KeeperError(asErrorCode(response.err), path, detail === undefined ? {} : { detail });
}

/**
 * The error for a failed multi: the code and path of the first op that failed (those before it report
 * OK, those after it RUNTIMEINCONSISTENCY), falling back to the response's own error.
 */
export function multiError(responseErr: number, results: OpResult[] | undefined, opPaths: readonly string[]): KeeperError {
  const list = results ?? [];
  const failedIndex = list.findIndex((r) => r.err !== ErrorCode.OK && r.err !== ErrorCode.RUNTIMEINCONSISTENCY);
  const index = failedIndex >= 0 ? failedIndex : list.findIndex((r) => r.err !== ErrorCode.OK);
  const code = index >= 0 ? list[index].err : responseErr;
  const path = index >= 0 ? opPaths[index] : undefined;
  return new KeeperError(asErrorCode(code === ErrorCode.OK ? responseErr : code), path, { results: list });
}
