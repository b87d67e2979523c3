// The SDK's TLS options and wss:// connect strings, and the shell's TLS flags, without a server: what is
// accepted, what each bad option's error names, and which WebSocket constructor TLS options lead to.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket as WsWebSocket } from 'ws';
import { parseConnectString } from '../../client/connect-string.js';
import { TLS_PEM_MAX, settingsFrom } from '../../client/options.js';
import type { ClientOptions } from '../../client/options.js';
import { errorEventText, resolveWebSocket } from '../../client/socket.js';
import type { WebSocketConstructor } from '../../client/socket.js';
import { parseMainArgs } from '../../client/shell/argv.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('tls options', () => {
  test('tls implies wss; the settings hold copies, with rejectUnauthorized on by default', () => {
    const key = new TextEncoder().encode('key');
    const s = settingsFrom({ tls: { ca: [PEM, PEM], cert: PEM, key, servername: 'zk.example' } });
    assert.equal(s.secure, true);
    assert.deepEqual(s.tls, { ca: [PEM, PEM], cert: PEM, key: Uint8Array.from(key), servername: 'zk.example', rejectUnauthorized: true });
    assert.notEqual(s.tls?.key, key, 'a copy: the caller may reuse its buffer');
    assert.deepEqual(settingsFrom({ tls: {} }).tls, { rejectUnauthorized: true });
    assert.equal(settingsFrom({}).tls, undefined);
    assert.equal(settingsFrom({}).secure, false);
  });

  test('a bad option is a plain Error naming it', () => {
    const bad: Array<[ClientOptions, RegExp]> = [
      [{ tls: { ca: '' } }, /tls\.ca must be a non-empty PEM/],
      [{ tls: { ca: [PEM, 3 as unknown as string] } }, /tls\.ca\[1\] must be/],
      [{ tls: { ca: [] } }, /tls\.ca must name at least one certificate/],
      [{ tls: { cert: PEM } }, /tls\.cert and tls\.key go together/],
      [{ tls: { key: PEM } }, /tls\.cert and tls\.key go together/],
      [{ tls: { cert: PEM, key: 'x'.repeat(TLS_PEM_MAX + 1) } }, /tls\.key must be a non-empty PEM string or Uint8Array of at most/],
      [{ tls: { servername: '' } }, /tls\.servername/],
      [{ tls: { rejectUnauthorized: 'no' as unknown as boolean } }, /tls\.rejectUnauthorized must be a boolean/],
      [{ tls: null as unknown as ClientOptions['tls'] }, /tls must be an object/],
      [{ tls: {}, secure: false }, /tls options need secure connections/],
      [{ secure: 'yes' as unknown as boolean }, /secure must be a boolean/],
    ];
    for (const [options, message] of bad) assert.throws(() => settingsFrom(options), (e: unknown) => e instanceof Error && message.test(e.message), String(message));
  });

  test('a wss:// or ws:// connect string chooses TLS for every server, and must agree with the options', () => {
    const parsed = parseConnectString('wss://a:1,b:2/app');
    assert.deepEqual(parsed, { servers: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], chroot: '/app', secure: true });
    assert.equal(parseConnectString('WS://a:1').secure, false);
    assert.equal(parseConnectString('a:1').secure, undefined);
    assert.equal(settingsFrom({}, true).secure, true);
    assert.equal(settingsFrom({ secure: true }, true).secure, true);
    assert.throws(() => settingsFrom({ secure: false }, true), /contradicts the connect string's wss:\/\/ prefix/);
    assert.throws(() => settingsFrom({ tls: {} }, false), /the connect string says ws:\/\//);
    assert.throws(() => parseConnectString('wss://'), /names no server/);
    assert.throws(() => parseConnectString('https://a:1'), /unsupported scheme 'https:\/\/'/);
  });

  test('with tls options the WebSocket is ws, even where a global WebSocket exists; without, the global one', async () => {
    const global = globalThis as { WebSocket?: unknown };
    const before = global.WebSocket;
    class BrowserLike {}
    global.WebSocket = BrowserLike;
    try {
      assert.equal(await resolveWebSocket(undefined, false), BrowserLike as unknown as WebSocketConstructor);
      assert.equal(await resolveWebSocket(undefined, true), WsWebSocket as unknown as WebSocketConstructor);
    } finally {
      if (before === undefined) delete global.WebSocket;
      else global.WebSocket = before;
    }
  });

  test('error events: ws\'s message on one line (OpenSSL\'s reason), nothing from a browser\'s', () => {
    assert.equal(errorEventText({ message: 'self-signed certificate in certificate chain' }), 'self-signed certificate in certificate chain');
    const openssl = '80ECE9E16F7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n';
    assert.equal(errorEventText({ message: openssl }), 'tlsv13 alert certificate required');
    assert.equal(errorEventText({ message: 'a\n\n b' }), 'a b');
    assert.equal(errorEventText({ message: 'x'.repeat(1000) })?.length, 300);
    assert.equal(errorEventText({ type: 'error' }), undefined);
    assert.equal(errorEventText(undefined), undefined);
    assert.equal(errorEventText({ message: 42 }), undefined);
  });
});

describe('the shell\'s TLS flags', () => {
  test('--tls, --ca, --cert/--key and --servername; any file flag implies --tls', () => {
    assert.deepEqual(parseMainArgs(['ls', '/']).tls, { secure: false });
    assert.deepEqual(parseMainArgs(['--tls', 'ls', '/']).tls, { secure: true });
    assert.deepEqual(parseMainArgs(['--ca', 'ca.pem', '--cert', 'c.pem', '--key', 'k.pem', '--servername', 'zk', 'ls']).tls,
      { secure: true, caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem', servername: 'zk' });
    assert.throws(() => parseMainArgs(['--cert', 'c.pem']), /--cert and --key go together/);
    assert.throws(() => parseMainArgs(['--ca']), /--ca needs a value/);
  });
});
