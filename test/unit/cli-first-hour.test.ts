// The shell's first-hour pieces that need no server: the server list from -server or CANOPY_SERVER, the
// command timeout flag, how a link failure is classified and read, and a bounded wait's timeout and cancel.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorEventCause, errorEventText } from '../../client/socket.js';
import { DEFAULT_SERVER, parseMainArgs } from '../../client/shell/argv.js';
import { bounded } from '../../client/shell/bounded.js';
import { failureSentence, printableDetail } from '../../client/shell/connection-failure.js';
import { CancelledError, CommandTimeoutError, UsageError, errorJson, errorText, exitCodeOf } from '../../client/shell/errors.js';
import { ErrorCode, KeeperError } from '../../client/index.js';

/** `ws`'s error events carry the underlying error (with Node's code) and its message. */
function wsError(message: string, code?: string): unknown {
  const error = Object.assign(new Error(message), code === undefined ? {} : { code });
  return { type: 'error', message, error };
}

describe('canopy-cli server list and timeouts', () => {
  test('-server, else CANOPY_SERVER, else the default', () => {
    assert.equal(parseMainArgs(['ls', '/']).server, DEFAULT_SERVER);
    assert.equal(parseMainArgs(['ls', '/'], { CANOPY_SERVER: 'a:1,b:2' }).server, 'a:1,b:2');
    assert.equal(parseMainArgs(['ls', '/'], { CANOPY_SERVER: '  ' }).server, DEFAULT_SERVER);
    assert.equal(parseMainArgs(['-server', 'c:3', 'ls', '/'], { CANOPY_SERVER: 'a:1' }).server, 'c:3');
    assert.equal(parseMainArgs(['-server', 'ws://a:1,ws://b:2/app']).server, 'ws://a:1,ws://b:2/app');
  });

  test('a bad server list is a usage error naming where it came from; --help answers whatever the environment holds', () => {
    assert.throws(() => parseMainArgs(['ls'], { CANOPY_SERVER: 'http://a:1' }), (e: unknown) => e instanceof UsageError && /^CANOPY_SERVER: unsupported scheme/.test(e.message));
    assert.throws(() => parseMainArgs(['-server', 'a:99999', 'ls']), (e: unknown) => e instanceof UsageError && /^-server: port 99999 out of range/.test(e.message));
    assert.throws(() => parseMainArgs(['-server', 'ws://a:1,wss://b:2']), /-server: .*mixes ws:\/\/ and wss:\/\//);
    assert.throws(() => parseMainArgs(['-server', 'a'.repeat(20_000)]), /-server: longer than/);
    assert.equal(parseMainArgs(['--help'], { CANOPY_SERVER: 'http://a:1' }).help, true);
  });

  test('--command-timeout: 30 s by default, apart from -timeout (the session timeout, as in zkCli) and --connect-timeout', () => {
    const defaults = parseMainArgs([]);
    assert.equal(defaults.commandTimeoutMs, 30_000);
    assert.equal(defaults.sessionTimeoutMs, 30_000);
    assert.equal(defaults.connectTimeoutMs, 15_000);
    const given = parseMainArgs(['--command-timeout', '1500', '-timeout', '6000', '--connect-timeout', '2000', 'ls', '/']);
    assert.deepEqual([given.commandTimeoutMs, given.sessionTimeoutMs, given.connectTimeoutMs, given.command], [1500, 6000, 2000, ['ls', '/']]);
    assert.throws(() => parseMainArgs(['--command-timeout', '0']), /--command-timeout needs a positive number of ms/);
    assert.throws(() => parseMainArgs(['--command-timeout', '5s']), /--command-timeout needs a positive number of ms/);
  });
});

describe('link failure causes', () => {
  test('from the error events ws gives', () => {
    assert.equal(errorEventCause(wsError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'refused');
    assert.equal(errorEventCause(wsError('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND')), 'unreachable');
    assert.equal(errorEventCause(wsError('Unexpected server response: 200')), 'not-canopy');
    assert.equal(errorEventCause(wsError('Parse Error: Expected HTTP/', 'HPE_INVALID_CONSTANT')), 'not-canopy');
    assert.equal(errorEventCause(wsError('Invalid Sec-WebSocket-Accept header')), 'not-canopy');
    assert.equal(errorEventCause(wsError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')), 'tls');
    assert.equal(errorEventCause(wsError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID')), 'tls');
    assert.equal(errorEventCause(wsError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'tls');
    const wrongVersion = 'write EPROTO 801C2600317F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:350:\n';
    assert.equal(errorEventCause(wsError(wrongVersion, 'EPROTO')), 'tls');
    assert.equal(errorEventText({ message: wrongVersion }), 'wrong version number');
    assert.equal(errorEventCause(wsError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET')), 'tls');
    assert.equal(errorEventCause(wsError('socket hang up', 'ECONNRESET')), 'closed');
    assert.equal(errorEventCause(wsError('connect ETIMEDOUT 10.0.0.1:2181', 'ETIMEDOUT')), 'timeout');
    // A browser's error event says nothing.
    assert.equal(errorEventCause({ type: 'error' }), 'unknown');
    assert.equal(errorEventCause(undefined), 'unknown');
    assert.equal(errorEventCause({ error: { code: 42 }, message: 7 }), 'unknown');
  });

  test('one line for each cause, with the address; remote words are made printable and bounded', () => {
    const url = 'ws://127.0.0.1:2181/';
    const sentence = (cause: Parameters<typeof failureSentence>[0]['cause'], message: string): string => failureSentence({ cause, url, message });
    assert.match(sentence('refused', `${url}: connect ECONNREFUSED 127.0.0.1:2181 (closed 1006)`), /^connection refused: nothing listens at 127\.0\.0\.1:2181 /);
    assert.equal(sentence('not-canopy', `${url}: Unexpected server response: 404 (closed 1006)`), 'not a Canopy server at 127.0.0.1:2181: it answered HTTP 404 instead of a WebSocket upgrade');
    assert.equal(sentence('tls', `${url}: wrong version number (closed 1006)`), 'TLS handshake with 127.0.0.1:2181 failed: wrong version number (closed 1006) (a plain ws:// port?)');
    assert.equal(sentence('timeout', 'no session within 2000 ms'), 'connection timed out: no answer from 127.0.0.1:2181 (no session within 2000 ms)');
    assert.equal(sentence('closed', `${url} closed the connection (1001: going\naway\u001b[2J)`), '127.0.0.1:2181 closed the connection (1001: going away [2J)');
    assert.equal(sentence('closed', `${url}: socket hang up (closed 1006)`), '127.0.0.1:2181 closed the connection: socket hang up (closed 1006)');
    assert.match(sentence('unknown', 'x'.repeat(1_000)), /^cannot connect to 127\.0\.0\.1:2181: x{200}…$/);
    assert.equal(printableDetail('a\u0000b\r\nc'), 'a b c');
  });

  test('a CONNECTIONLOSS with its failure reads as that failure, and --json carries the cause', () => {
    const connectionFailure = { cause: 'refused' as const, url: 'ws://127.0.0.1:2181/', message: 'connect ECONNREFUSED' };
    const error = new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { detail: 'no session within 10 ms', connectionFailure });
    assert.match(errorText(error), /^connection refused: nothing listens at 127\.0\.0\.1:2181/);
    const json = errorJson(error) as { error: { name: string; connection: { cause: string; url: string } } };
    assert.equal(json.error.name, 'CONNECTIONLOSS');
    assert.deepEqual(json.error.connection, { cause: 'refused', url: 'ws://127.0.0.1:2181/' });
    assert.match(errorText(new KeeperError(ErrorCode.CONNECTIONLOSS, '/a', { connectionFailure })), /\(\/a not answered\)$/);
    // Without one, zkCli's sentence as before.
    assert.match(errorText(new KeeperError(ErrorCode.CONNECTIONLOSS, '/a')), /^No connection to the server/);
  });
});

describe('bounded waits', () => {
  test('settles with the work; times out with the message made then; cancels at the signal', async () => {
    const never = new AbortController().signal;
    assert.equal(await bounded(Promise.resolve(7), { timeoutMs: 10_000, signal: never, timeoutMessage: () => 'x' }), 7);
    await assert.rejects(bounded(Promise.reject(new Error('boom')), { timeoutMs: 10_000, signal: never, timeoutMessage: () => 'x' }), /boom/);

    let state = 'CONNECTING';
    const pending = bounded(new Promise(() => undefined), { timeoutMs: 5, signal: never, timeoutMessage: () => `no answer; ${state}` });
    state = 'DISCONNECTED';
    await assert.rejects(pending, (e: unknown) => e instanceof CommandTimeoutError && e.message === 'no answer; DISCONNECTED' && exitCodeOf(e) === 1);

    const cancel = new AbortController();
    const cancelled = bounded(new Promise(() => undefined), { timeoutMs: 60_000, signal: cancel.signal, timeoutMessage: () => 'x' });
    cancel.abort();
    await assert.rejects(cancelled, (e: unknown) => e instanceof CancelledError && exitCodeOf(e) === 130);
    // Already cancelled: at once, and the work's later failure is no unhandled rejection.
    await assert.rejects(bounded(Promise.reject(new Error('late')), { timeoutMs: 60_000, signal: cancel.signal, timeoutMessage: () => 'x' }), CancelledError);
  });
});
