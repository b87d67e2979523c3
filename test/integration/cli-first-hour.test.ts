// canopy-cli's first hour (issue 15), against real server processes and real listeners made here: a
// command against a server that is gone fails after --command-timeout with a DISCONNECTED prompt; Ctrl-C
// cancels the running command and not the shell; a failed connect names its cause (refused, not a Canopy
// server, TLS, timeout) in one line, and the SDK's error carries it typed; CANOPY_SERVER; streaming watch
// and one-shot addWatch; ws:// URLs in -server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Client, KeeperError } from '../../client/index.js';
import type { ConnectionFailureCause } from '../../client/index.js';
import { freePorts } from '../../bench/launch/free-ports.js';
import { haveOpenssl, makeCertAuthority, removeCertAuthority } from '../support/certs.js';
import type { CertAuthority } from '../support/certs.js';
import { CliProcess, runCli, stripAnsi } from '../support/cli.js';
import { ServerProcess } from '../support/server-process.js';

const PROMPT = (state: string, n: number): RegExp => new RegExp(`\\[canopy: 127\\.0\\.0\\.1:\\d+\\(${state}\\) ${n}\\] `);
/** Short enough to keep the file quick, long enough for a loaded machine to open a refused socket many times over. */
const CONNECT_TIMEOUT_MS = 2_500;

/** host:port as a regular expression. */
function escaped(address: string): string {
  return address.replace(/\./g, '\\.');
}

/** Sends a line and resolves with the output it produced, up to `until`. */
async function send(cli: CliProcess, line: string, until: RegExp): Promise<string> {
  const from = cli.mark();
  cli.write(`${line}\n`);
  await cli.waitFor(until, { from });
  return stripAnsi(cli.stdout.slice(from));
}

/** A loopback listener made by the test; close() also ends the sockets it accepted (a silent peer never would). */
class Listener {
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(readonly server: Server) {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('canopy-cli: a server that goes away', () => {
  let server: ServerProcess;
  const shells: CliProcess[] = [];

  before(async () => {
    server = await ServerProcess.start();
  });
  after(async () => {
    for (const s of shells) await s.kill();
    await server?.stop();
    server?.removeDataDir();
  });

  test('a command times out after --command-timeout, the prompt shows DISCONNECTED, Ctrl-C cancels a command and not the shell', async () => {
    const timing = CliProcess.startPty(['-server', server.connectString, '--command-timeout', '1500']);
    const patient = CliProcess.startPty(['-server', server.connectString]);
    shells.push(timing, patient);
    await timing.waitFor(PROMPT('CONNECTED', 0));
    await patient.waitFor(PROMPT('CONNECTED', 0));
    assert.match(await send(timing, 'create /gone "still here"', PROMPT('CONNECTED', 1)), /Created \/gone/);

    const lostFrom = timing.mark();
    const patientLostFrom = patient.mark();
    await server.stop();
    // The state change is printed and the prompt redrawn while the shell is idle.
    await timing.waitFor(/WatchedEvent state:Disconnected type:None path:null/, { from: lostFrom });
    await timing.waitFor(PROMPT('DISCONNECTED', 1), { from: lostFrom });
    await patient.waitFor(PROMPT('DISCONNECTED', 0), { from: patientLostFrom });

    // A read with nowhere to go: it fails at the command timeout, naming the state and the last failure.
    const timedOut = await send(timing, 'get /gone', PROMPT('DISCONNECTED', 2));
    assert.match(timedOut, /get: no answer within 1500 ms \(--command-timeout\); the session is DISCONNECTED; last failure: /);
    assert.match(timedOut, /127\.0\.0\.1:\d+/);

    // The default command timeout (30 s) would outlast the test: only Ctrl-C ends this one.
    const runFrom = patient.mark();
    patient.write('ls /\n');
    await patient.waitFor(/ls \/\n/, { from: runFrom });
    patient.write('\u0003');
    const cancelled = await patient.waitFor(/cancelled\n[^]*?\[canopy: 127\.0\.0\.1:\d+\((\w+)\) 1\] /, { from: runFrom });
    assert.equal(cancelled[1], 'DISCONNECTED');
    // The shell lives on: the next command runs (and is numbered after the cancelled one).
    assert.match(await send(patient, 'history', PROMPT('DISCONNECTED', 2)), /^0 - ls \/\n1 - history$/m);

    // At an empty prompt the first Ctrl-C only says how to leave; the second leaves, with status 0.
    const hintFrom = patient.mark();
    patient.write('\u0003');
    await patient.waitFor(/to leave, press Ctrl-C again or Ctrl-D, or type quit/, { from: hintFrom });
    await patient.waitFor(PROMPT('DISCONNECTED', 2), { from: hintFrom });
    patient.write('\u0003');
    assert.equal(await patient.waitExit(), 0);
  });
});

describe('canopy-cli: connection errors name their cause', () => {
  const listeners: Listener[] = [];
  let ca: CertAuthority | undefined;

  /** Starts listening; the address as host:port. */
  function listen(server: Server): Promise<string> {
    const listener = new Listener(server);
    listeners.push(listener);
    return listener.listen();
  }

  after(async () => {
    for (const l of listeners) await l.close();
    if (ca !== undefined) removeCertAuthority(ca);
  });

  /** One-shot `get /` against the address: exit 1, one line on stderr; the --json error carries the cause. */
  async function expectCause(server: string, cause: ConnectionFailureCause, line: RegExp, extra: string[] = []): Promise<void> {
    const text = await runCli(['-server', server, '--connect-timeout', String(CONNECT_TIMEOUT_MS), ...extra, 'get', '/']);
    assert.equal(text.code, 1, text.stderr);
    assert.equal(text.stdout, '');
    assert.equal(text.stderr.trimEnd().split('\n').length, 1, `one line expected:\n${text.stderr}`);
    assert.match(text.stderr.trimEnd(), line);
    const json = await runCli(['-server', server, '--connect-timeout', String(CONNECT_TIMEOUT_MS), '--json', ...extra, 'get', '/']);
    assert.equal(json.code, 1);
    const body = (JSON.parse(json.stdout) as { error: { name: string; connection?: { cause: string; url: string } } }).error;
    assert.equal(body.name, 'CONNECTIONLOSS');
    assert.equal(body.connection?.cause, cause);
  }

  /** The SDK alone: Client.connect rejects with CONNECTIONLOSS whose connectionFailure has the cause. */
  async function expectSdkCause(server: string, cause: ConnectionFailureCause): Promise<void> {
    await assert.rejects(Client.connect(server, { connectTimeoutMs: CONNECT_TIMEOUT_MS }), (e: unknown) => {
      assert.ok(e instanceof KeeperError);
      assert.equal(e.connectionFailure?.cause, cause, e.message);
      assert.match(e.connectionFailure.url, /^wss?:\/\/127\.0\.0\.1:\d+\/$/);
      return true;
    });
  }

  test('refused: nothing listens', async () => {
    const nothing = `127.0.0.1:${(await freePorts(1))[0]}`;
    await expectCause(nothing, 'refused', new RegExp(`^connection refused: nothing listens at ${escaped(nothing)} `));
    await expectSdkCause(nothing, 'refused');
  });

  test('not a Canopy server: a plain HTTP server, and a TCP server that sends garbage', async () => {
    const http = await listen(createHttpServer((_req, res) => res.writeHead(404).end('not here')));
    await expectCause(http, 'not-canopy', new RegExp(`^not a Canopy server at ${escaped(http)}: it answered HTTP 404 instead of a WebSocket upgrade$`));
    await expectSdkCause(http, 'not-canopy');

    const garbage = await listen(createNetServer((s) => s.end('\u0000\u0001 220 smtp.example ESMTP ready\r\n')));
    await expectCause(garbage, 'not-canopy', new RegExp(`^not a Canopy server at ${escaped(garbage)}: it answered with bytes that are not HTTP$`));
  });

  test('TLS: wss to a plain port, and a certificate nobody told the shell to trust', { skip: !haveOpenssl() && 'no openssl' }, async () => {
    const plain = await listen(createHttpServer((_req, res) => res.writeHead(404).end()));
    await expectCause(`wss://${plain}`, 'tls', new RegExp(`^TLS handshake with ${escaped(plain)} failed: .*\\(a plain ws:// port\\?\\)$`));

    ca = makeCertAuthority();
    const leaf = ca.leaf('server');
    const https = await listen(createHttpsServer({ cert: readFileSync(leaf.certFile), key: readFileSync(leaf.keyFile) }, (_req, res) => res.writeHead(404).end()));
    await expectCause(`wss://${https}`, 'tls', new RegExp(`^TLS handshake with ${escaped(https)} failed: .*certificate`));
    await expectSdkCause(`wss://${https}`, 'tls');
    // Trusted, the same listener is reached and found to be no Canopy server: the TLS cause was the certificate.
    await expectCause(`wss://${https}`, 'not-canopy', /it answered HTTP 404/, ['--ca', ca.caFile]);
  });

  test('timeout: a server that accepts and never answers', async () => {
    const silent = await listen(createNetServer(() => undefined));
    await expectCause(silent, 'timeout', new RegExp(`^connection timed out: no answer from ${escaped(silent)} \\(no session within ${CONNECT_TIMEOUT_MS} ms\\)$`));
    await expectSdkCause(silent, 'timeout');
  });
});

describe('canopy-cli: CANOPY_SERVER, ws:// URLs, streaming watch', () => {
  let server: ServerProcess;
  let sdk: Client;
  let refusedAt: string;

  before(async () => {
    server = await ServerProcess.start();
    sdk = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await sdk.create('/fh', 'first hour');
    await sdk.create('/fh/inside', 'in the chroot');
    refusedAt = `127.0.0.1:${(await freePorts(1))[0]}`;
  });
  after(async () => {
    await sdk?.close();
    await server?.stop();
    server?.removeDataDir();
  });

  test('CANOPY_SERVER is the server list when -server is not given; -server wins over it', async () => {
    const fromEnv = await runCli(['get', '/fh'], { env: { CANOPY_SERVER: server.connectString } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(fromEnv.stdout, 'first hour\n');

    const flagWins = await runCli(['-server', server.connectString, 'get', '/fh'], { env: { CANOPY_SERVER: refusedAt } });
    assert.equal(flagWins.code, 0, flagWins.stderr);
    assert.equal(flagWins.stdout, 'first hour\n');

    const envUsed = await runCli(['--connect-timeout', String(CONNECT_TIMEOUT_MS), 'get', '/fh'], { env: { CANOPY_SERVER: refusedAt } });
    assert.equal(envUsed.code, 1);
    assert.match(envUsed.stderr, new RegExp(`^connection refused: nothing listens at ${escaped(refusedAt)} `));

    const bad = await runCli(['get', '/fh'], { env: { CANOPY_SERVER: 'http://example.com:2181' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^CANOPY_SERVER: unsupported scheme 'http:\/\/'/);

    const help = await runCli(['--help'], { env: { CANOPY_SERVER: 'http://example.com:2181' } });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /\$CANOPY_SERVER/);
    assert.match(help.stdout, /--command-timeout/);
    assert.match((await runCli(['help', 'watch'])).stdout, /^watch \[-r\|--recursive\] path$/m);
  });

  test('-server takes ws:// URLs, a comma-separated list of them, and a chroot after the last', async () => {
    const url = `ws://${server.connectString}`;
    const list = await runCli(['-server', `${url},${url}/`, 'get', '/fh']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'first hour\n');
    const chrooted = await runCli(['-server', `${url},${url}/fh`, 'get', '/inside']);
    assert.equal(chrooted.code, 0, chrooted.stderr);
    assert.equal(chrooted.stdout, 'in the chroot\n');
  });

  test('one-shot watch -r prints one line per event until SIGINT, then exits 0', async () => {
    const cli = CliProcess.start(['-server', server.connectString, 'watch', '-r', '/w']);
    try {
      await cli.waitFor(/^watching \/w and below it \(Ctrl-C to stop\)$/m, { stream: 'stderr' });
      await sdk.create('/w');
      await sdk.create('/w/a', 'one');
      await sdk.setData('/w/a', 'two');
      await sdk.delete('/w/a');
      await cli.waitFor(/NodeDeleted \/w\/a\n/);
      cli.child.kill('SIGINT');
      assert.equal(await cli.waitExit(), 0, cli.stderr);
      assert.equal(cli.stdout, 'NodeCreated /w\nNodeCreated /w/a\nNodeDataChanged /w/a\nNodeDeleted /w/a\n');
    } finally {
      await cli.kill();
    }
  });

  test('one-shot watch --json prints one object per event and ends at SIGTERM; one-shot addWatch streams too', async () => {
    const json = CliProcess.start(['-server', server.connectString, '--json', 'watch', '/wj']);
    const added = CliProcess.start(['-server', server.connectString, 'addWatch', '/wj']);
    try {
      await json.waitFor(/^watching \/wj its data and children/m, { stream: 'stderr' });
      await added.waitFor(/^watching \/wj and below it/m, { stream: 'stderr' });
      await sdk.create('/wj', 'x');
      await sdk.create('/wj/child');
      await json.waitFor(/"NodeChildrenChanged"/);
      await added.waitFor(/NodeCreated \/wj\/child\n/);
      json.child.kill('SIGTERM');
      added.child.kill('SIGINT');
      assert.equal(await json.waitExit(), 0, json.stderr);
      assert.equal(await added.waitExit(), 0, added.stderr);
      const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; path: string; zxid: number });
      assert.deepEqual(events.map((e) => [e.type, e.path]), [['NodeCreated', '/wj'], ['NodeChildrenChanged', '/wj']]);
      assert.equal(events[0]!.zxid, (await sdk.exists('/wj'))!.czxid);
      assert.equal(added.stdout, 'NodeCreated /wj\nNodeCreated /wj/child\n');
    } finally {
      await json.kill();
      await added.kill();
    }
  });

  test('interactive watch streams until Ctrl-C, then the prompt is back', async () => {
    const cli = CliProcess.startPty(['-server', server.connectString]);
    try {
      await cli.waitFor(PROMPT('CONNECTED', 0));
      const from = cli.mark();
      cli.write('watch /wi\n');
      await cli.waitFor(/watching \/wi its data and children \(Ctrl-C to stop\)/, { from });
      await sdk.create('/wi', 'v1');
      await cli.waitFor(/^NodeCreated \/wi$/m, { from });
      await sdk.setData('/wi', 'v2');
      await cli.waitFor(/^NodeDataChanged \/wi$/m, { from });
      cli.write('\u0003');
      await cli.waitFor(PROMPT('CONNECTED', 1), { from });
      assert.doesNotMatch(stripAnsi(cli.stdout.slice(from)), /cancelled|PersistentWatchRemoved/);
      // The watch is gone: a change now prints nothing (its event would reach the shell before the answer to the get).
      const afterFrom = cli.mark();
      await sdk.setData('/wi', 'v3');
      assert.match(await send(cli, 'get /wi', PROMPT('CONNECTED', 2)), /^v3$/m);
      assert.doesNotMatch(stripAnsi(cli.stdout.slice(afterFrom)), /NodeDataChanged|PersistentWatchRemoved|WATCHER::/);
      cli.write('quit\n');
      assert.equal(await cli.waitExit(), 0);
    } finally {
      await cli.kill();
    }
  });
});
