// The admin HTTP endpoint against real server processes: every AdminServer command as JSON (ZooKeeper's
// keys) from a standalone server and from each server of a 3-server ensemble with its role, /health,
// the bearer token, the bounds on requests and connections, a port that cannot be bound, and a /metrics
// scrape read as Prometheus text whose counters and histograms move under a short load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../client/index.js';
import { ADMIN_COMMANDS } from '../../src/admin/admin-commands.js';
import { adminJson, adminRequest } from '../support/admin-http.js';
import { Ensemble } from '../support/ensemble.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const TOKEN = 'test-admin-token-0123456789abcdef';
const JSON_COMMANDS = ADMIN_COMMANDS.filter((c) => c !== 'snapshot');
const IDLE_TIMEOUT_MS = 1500;

/** A raw socket to the admin port that sends `text` and then reads nothing unless asked. */
function rawAdminSocket(port: number, text: string): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(text));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

describe('admin endpoint: a standalone server with a bearer token', () => {
  let server: ServerProcess;
  let client: Client;
  let port: number;
  let tokenDir: string;
  before(async () => {
    tokenDir = mkdtempSync(join(tmpdir(), 'canopy-admin-token-'));
    const tokenFile = join(tokenDir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    server = await ServerProcess.start({
      args: ['--admin.serverPort', '0', '--admin.tokenFile', tokenFile, '--admin.maxConnections', '4', '--admin.idleTimeout', String(IDLE_TIMEOUT_MS)],
    });
    port = server.adminPort;
    assert.ok(port > 0, 'the server logs the admin port it listens on');
    client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await client.create('/adm', 'data');
    await client.getData('/adm', { watch: () => {} });
  });
  after(async () => {
    await client?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  test('/health is ready without a token; everything else needs it', async () => {
    const health = await adminJson(port, '/health');
    assert.deepEqual({ ready: health.ready, serving: health.serving, synced: health.synced, leaderKnown: health.leaderKnown, mode: health.mode }, {
      ready: true, serving: true, synced: true, leaderKnown: true, mode: 'standalone',
    });
    assert.equal((await adminRequest(port, '/health/live')).status, 200);
    for (const path of ['/commands/ruok', '/metrics', '/commands', '/commands/snapshot']) {
      const none = await adminRequest(port, path);
      assert.equal(none.status, 401, `${path} without a token`);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await adminRequest(port, path, { token: `${TOKEN}x` })).status, 401, `${path} with a wrong token`);
    }
  });

  test('every command answers ZooKeeper-shaped JSON: command, error, and its fields', async () => {
    // The resets have their own test: run here, they would zero the counts checked below.
    for (const command of JSON_COMMANDS.filter((c) => !c.endsWith('stat_reset'))) {
      const answer = await adminJson(port, `/commands/${command}`, { token: TOKEN });
      assert.equal(answer.command, command, `${command} names itself`);
      // As ZooKeeper: a standalone server has no leader to report.
      assert.equal(answer.error, command === 'leader' ? 'server is not initialized' : null, `${command}'s error`);
    }
    const srvr = await adminJson(port, '/commands/server_stats', { token: TOKEN });
    const stats = srvr.server_stats as Record<string, unknown>;
    assert.equal(stats.server_state, 'standalone');
    assert.equal(stats.num_alive_client_connections, 1);
    assert.ok((stats.packets_received as number) > 0);
    assert.ok((srvr.node_count as number) >= 5);
    assert.match(String(srvr.version), /^3\.9\.2-canopy-\d+\.\d+\.\d+/);
    const monitor = await adminJson(port, '/commands/monitor', { token: TOKEN });
    assert.equal(monitor.server_state, 'standalone');
    assert.equal(monitor.watch_count, 1);
    assert.equal(typeof monitor.znode_count, 'number');
    const zab = await adminJson(port, '/commands/zabstate', { token: TOKEN });
    assert.deepEqual([zab.voting, zab.zabstate], [false, '']);
    assert.deepEqual((await adminJson(port, '/commands/voting_view', { token: TOKEN })).current_config, {});
    assert.equal((await adminJson(port, '/commands/is_read_only', { token: TOKEN })).read_only, false);
    const conf = await adminJson(port, '/commands/configuration', { token: TOKEN });
    assert.equal(conf.client_port, server.port);
    assert.equal(conf.server_id, 1);
    const dirs = await adminJson(port, '/commands/dirs', { token: TOKEN });
    assert.ok((dirs.datadir_size as number) > 0 && (dirs.logdir_size as number) > 0);
    assert.match(String((await adminJson(port, '/commands/environment', { token: TOKEN }))['zookeeper.version']), /^3\.9\.2-canopy-/);
    assert.deepEqual((await adminJson(port, '/commands/observers', { token: TOKEN })).observers, []);
  });

  test('connections, watches and watch counts name this client\'s session', async () => {
    const sid = client.sessionId;
    const cons = await adminJson(port, '/commands/connections', { token: TOKEN });
    const list = cons.connections as Array<Record<string, unknown>>;
    const mine = list.find((c) => c.session_id === sid);
    assert.ok(mine !== undefined, `connections lists session ${sid}: ${JSON.stringify(list)}`);
    assert.match(String(mine.remote_socket_address), /^127\.0\.0\.1:\d+$/);
    assert.ok((mine.packets_received as number) > 0);
    assert.deepEqual(cons.secure_connections, []);
    const stat = await adminJson(port, '/commands/stats', { token: TOKEN });
    assert.equal((stat.connections as unknown[]).length, 1);
    assert.deepEqual((await adminJson(port, '/commands/watches', { token: TOKEN })).session_id_to_watched_paths, { [String(sid)]: ['/adm'] });
    assert.deepEqual((await adminJson(port, '/commands/watches_by_path', { token: TOKEN })).path_to_session_ids, { '/adm': [sid] });
    const summary = await adminJson(port, '/commands/watch_summary', { token: TOKEN });
    assert.deepEqual([summary.num_connections, summary.num_paths, summary.num_total_watches], [1, 1, 1]);
  });

  test('the resets reset: stat_reset zeroes the server\'s packets, connection_stat_reset the connection\'s', async () => {
    await client.exists('/adm');
    await adminJson(port, '/commands/stat_reset', { token: TOKEN });
    const stats = (await adminJson(port, '/commands/server_stats', { token: TOKEN })).server_stats as Record<string, unknown>;
    assert.equal(stats.packets_received, 0);
    await adminJson(port, '/commands/connection_stat_reset', { token: TOKEN });
    const mine = ((await adminJson(port, '/commands/connections', { token: TOKEN })).connections as Array<Record<string, unknown>>)[0]!;
    assert.equal(mine.packets_received, 0);
  });

  test('four-letter aliases, the index, unknown commands, methods and long URLs', async () => {
    assert.equal((await adminJson(port, '/commands/mntr', { token: TOKEN })).command, 'monitor');
    assert.equal((await adminJson(port, '/commands/srvr', { token: TOKEN })).command, 'server_stats');
    const index = await adminRequest(port, '/commands', { token: TOKEN });
    assert.equal(index.status, 200);
    for (const c of ADMIN_COMMANDS) assert.ok(index.text.includes(`/commands/${c}"`), `the index links ${c}`);
    const unknown = await adminJson(port, '/commands/__proto__', { token: TOKEN, status: 404 });
    assert.deepEqual(unknown, { command: '__proto__', error: 'Unknown command: __proto__' });
    assert.equal((await adminRequest(port, '/commands/ruok', { token: TOKEN, method: 'POST' })).status, 405);
    assert.equal((await adminRequest(port, `/commands/${'x'.repeat(3000)}`, { token: TOKEN })).status, 414);
    assert.equal((await adminRequest(port, '/nowhere', { token: TOKEN })).status, 404);
  });

  test('connections past admin.maxConnections are closed at the accept; the endpoint serves on', async () => {
    const held: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const s = connect(port, '127.0.0.1');
      const index = i;
      closed[index] = false;
      s.on('close', () => { closed[index] = true; });
      s.on('error', () => {});
      held.push(s);
    }
    await until(() => closed.filter((c) => c).length >= 6, { timeoutMs: 30_000, message: 'sockets past the limit to be closed' });
    assert.equal(closed.filter((c) => !c).length, 4, 'the first four stay open');
    for (const s of held) s.destroy();
    await until(async () => (await adminRequest(port, '/health')).status === 200, { timeoutMs: 30_000, message: 'the endpoint to serve again' });
  });

  test('oversized headers get 431; a socket that never finishes its headers is closed', async () => {
    const big = rawAdminSocket(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    let answer = '';
    big.socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    await big.closed;
    assert.match(answer, /^HTTP\/1\.1 431 /);
    const slow = rawAdminSocket(port, 'GET /health HTTP/1.1\r\nHost: x\r\n');
    await slow.closed;
    assert.equal((await adminRequest(port, '/health')).status, 200);
  });

  test('one snapshot streams at a time: a second gets 429 while a reader stalls the first; the slot frees when it goes', async () => {
    const blob = 'z'.repeat(900_000);
    for (let i = 0; i < 24; i++) await client.create(`/adm/big${i}`, blob);
    // A client that asks for the snapshot and reads nothing: the stream stalls on the socket's buffers.
    const stalled = rawAdminSocket(port, `GET /commands/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    stalled.socket.pause();
    const busy = await until(async () => {
      const a = await adminRequest(port, '/commands/snapshot', { token: TOKEN });
      return a.status === 429 ? a : undefined;
    }, { timeoutMs: 60_000, message: 'a second snapshot to be refused while the first streams' });
    assert.match(busy.text, /already streaming/);
    stalled.socket.destroy();
    const whole = await until(async () => {
      const a = await adminRequest(port, '/commands/snapshot', { token: TOKEN });
      return a.status === 200 ? a : undefined;
    }, { timeoutMs: 60_000, message: 'the slot to free once the stalled reader is gone' });
    assert.ok(whole.body.byteLength > 24 * 900_000);
    assert.match(String(whole.headers.last_zxid), /^0x[0-9a-f]+$/);
    for (let i = 0; i < 24; i++) await client.delete(`/adm/big${i}`);
  });

  test('a port in use: the second server logs it and serves clients without an admin endpoint', async () => {
    const second = await ServerProcess.start({ args: ['--admin.serverPort', String(port)] });
    try {
      assert.equal(second.adminPort, 0);
      assert.match(second.log, /admin server not started: cannot listen.*"code":"EADDRINUSE"/);
      const c = await Client.connect(second.connectString, { sessionTimeoutMs: 10_000 });
      await c.create('/second', '');
      await c.close();
    } finally {
      await second.stop();
      second.removeDataDir();
    }
  });

  test('/metrics is Prometheus text whose counters and histograms move under load', async () => {
    const scrape = async (): Promise<ReturnType<typeof parseExposition>> => {
      const answer = await adminRequest(port, '/metrics', { token: TOKEN });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return parseExposition(answer.text);
    };
    const before = await scrape();
    for (const [name, type] of [
      ['canopy_requests_total', 'counter'], ['canopy_request_duration_seconds', 'histogram'], ['canopy_outstanding_requests', 'gauge'],
      ['canopy_throttled_requests_total', 'counter'], ['canopy_connections', 'gauge'], ['canopy_sessions', 'gauge'], ['canopy_watches', 'gauge'],
      ['canopy_znodes', 'gauge'], ['canopy_data_bytes', 'gauge'], ['canopy_fsync_duration_seconds', 'histogram'],
      ['canopy_proposal_commit_duration_seconds', 'histogram'], ['canopy_elections_total', 'counter'], ['canopy_election_duration_seconds', 'histogram'],
      ['canopy_learner_lag_zxids', 'gauge'], ['canopy_snapshot_duration_seconds', 'histogram'], ['canopy_snapshot_bytes', 'gauge'],
      ['canopy_storage_errors_total', 'counter'],
    ] as const) {
      assert.equal(before.get(name)?.type, type, `${name} is a ${type}`);
    }
    // The SDK's create is ZooKeeper's create2 (it returns the Stat); either name counts.
    const sumOf = (m: typeof before, family: string, name: string, extra: Record<string, string> = {}): number =>
      m.get(family)!.samples.filter((x) => x.name === name && x.labels.op?.startsWith('create') === true && Object.entries(extra).every(([k, v]) => x.labels[k] === v))
        .reduce((n, x) => n + x.value, 0);
    const creates = (m: typeof before): number => sumOf(m, 'canopy_requests_total', 'canopy_requests_total');
    const createLatencies = (m: typeof before): number => sumOf(m, 'canopy_request_duration_seconds', 'canopy_request_duration_seconds_count');
    const fsyncs = (m: typeof before): number => sampleValue(m, 'canopy_fsync_duration_seconds', {}, 'canopy_fsync_duration_seconds_count') ?? 0;
    const commits = (m: typeof before): number =>
      sampleValue(m, 'canopy_proposal_commit_duration_seconds', {}, 'canopy_proposal_commit_duration_seconds_count') ?? 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.create(`/adm/m${i}`, 'x')));
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.getData(`/adm/m${i}`)));
    await client.create('/adm/m0', 'again').catch(() => undefined);
    const after = await scrape();
    assert.equal(creates(after) - creates(before), 51);
    assert.equal(createLatencies(after) - createLatencies(before), 51);
    assert.ok((sampleValue(after, 'canopy_requests_total', { op: 'getData' }) ?? 0) >= 20);
    assert.equal(sumOf(after, 'canopy_request_errors_total', 'canopy_request_errors_total', { err: 'NODEEXISTS' }), 1);
    assert.ok(fsyncs(after) > fsyncs(before), 'synced log writes were timed');
    assert.ok(commits(after) > commits(before), 'proposals were timed to their commit');
    assert.equal(sampleValue(after, 'canopy_znodes'), (sampleValue(before, 'canopy_znodes') ?? 0) + 50);
    assert.ok((sampleValue(after, 'canopy_data_bytes') ?? 0) > (sampleValue(before, 'canopy_data_bytes') ?? 0));
    assert.equal(sampleValue(after, 'canopy_connections'), 1);
    assert.equal(sampleValue(after, 'canopy_server_state', { state: 'standalone' }), 1);
    assert.ok((sampleValue(after, 'canopy_elections_total') ?? 0) >= 1, 'starting counts as an election');
  });
});

describe('admin endpoint: a 3-server ensemble', () => {
  let ensemble: Ensemble;
  let client: Client;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { 'admin.serverPort': '0', snapCount: '40' } });
    client = await Client.connect(ensemble.connectString, { sessionTimeoutMs: 10_000 });
    await client.create('/ens', '');
    for (let i = 0; i < 60; i++) await client.create(`/ens/n${i}`, 'v');
  });
  after(async () => {
    await client?.close().catch(() => {});
    await ensemble?.removeAll();
  });

  const adminPort = (id: number): number => ensemble.server(id).process!.adminPort;

  test('every server answers every command; one leader, two followers, and they agree on it', async () => {
    const roles = new Map<number, string>();
    for (const { id } of ensemble.servers) {
      const port = adminPort(id);
      assert.ok(port > 0);
      await until(async () => (await adminJson(port, '/health').catch(() => undefined))?.ready === true, { timeoutMs: 60_000, message: `server ${id} ready` });
      for (const command of JSON_COMMANDS) {
        const answer = await adminJson(port, `/commands/${command}`);
        assert.equal(answer.command, command);
        assert.equal(answer.error, null, `${command} on server ${id}`);
      }
      const stats = (await adminJson(port, '/commands/server_stats')).server_stats as Record<string, unknown>;
      roles.set(id, String(stats.server_state));
      const zab = await adminJson(port, '/commands/zabstate');
      assert.deepEqual([zab.voting, zab.zabstate], [true, 'broadcast']);
      const voting = (await adminJson(port, '/commands/voting_view')).current_config as Record<string, string>;
      assert.deepEqual(Object.keys(voting).sort(), ['1', '2', '3']);
      for (const s of ensemble.servers) assert.equal(voting[String(s.id)], `127.0.0.1:${s.peerPort}:participant`);
    }
    assert.deepEqual([...roles.values()].sort(), ['follower', 'follower', 'leader']);
    const leaderId = [...roles].find(([, r]) => r === 'leader')![0];
    for (const { id } of ensemble.servers) {
      const lead = await adminJson(adminPort(id), '/commands/leader');
      assert.deepEqual([lead.is_leader, lead.leader_id, lead.leader_ip], [id === leaderId, leaderId, '127.0.0.1']);
      const health = await adminJson(adminPort(id), '/health');
      assert.equal(health.mode, id === leaderId ? 'leader' : 'follower');
      assert.equal(health.leaderId, leaderId);
    }
    const monitor = await adminJson(adminPort(leaderId), '/commands/monitor');
    assert.deepEqual([monitor.server_state, monitor.learners, monitor.synced_followers], ['leader', 2, 2]);
  });

  test('last_snapshot reports a snapshot written past snapCount; the leader\'s metrics show learner lag and snapshots', async () => {
    for (const { id } of ensemble.servers) {
      const snap = await until(async () => {
        const s = await adminJson(adminPort(id), '/commands/last_snapshot');
        return s.zxid !== '-1' ? s : undefined;
      }, { timeoutMs: 60_000, message: `server ${id} to write a snapshot` });
      assert.match(String(snap.zxid), /^[0-9a-f]+$/);
      assert.ok((snap.timestamp as number) > 1_600_000_000 && (snap.timestamp as number) < 10_000_000_000, 'seconds, as ZooKeeper gives');
    }
    let leaderId = 0;
    for (const { id } of ensemble.servers) if ((await adminJson(adminPort(id), '/commands/leader')).is_leader === true) leaderId = id;
    assert.ok(leaderId > 0);
    const text = (await adminRequest(adminPort(leaderId), '/metrics')).text;
    const m = parseExposition(text);
    const lags = m.get('canopy_learner_lag_zxids')!.samples;
    assert.deepEqual(lags.map((s) => s.labels.learner).sort(), ensemble.servers.map((s) => String(s.id)).filter((id) => id !== String(leaderId)).sort());
    for (const s of lags) assert.ok(s.value >= 0);
    assert.ok((sampleValue(m, 'canopy_snapshot_duration_seconds', {}, 'canopy_snapshot_duration_seconds_count') ?? 0) >= 1);
    assert.ok((sampleValue(m, 'canopy_snapshot_bytes') ?? 0) > 0);
  });
});
