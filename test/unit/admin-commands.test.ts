// The admin commands and /health as pure logic over a fixed view: names and aliases (a URL's name never
// reaches a prototype), ZooKeeper's answer shapes per role, the not-serving answer, hostile watch paths,
// admin.* settings, and the proposal timer behind canopy_proposal_commit_duration_seconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_COMMANDS, adminCommandOf, runAdminCommand } from '../../src/admin/admin-commands.js';
import { healthOf } from '../../src/admin/health.js';
import { ConfigError, buildConfig } from '../../src/server/config.js';
import { ProposalTimer } from '../../src/server/proposal-timer.js';
import { FakeView, facts } from '../support/fake-server-view.js';

describe('admin commands: names', () => {
  test('primary names and ZooKeeper\'s aliases; nothing from Object.prototype', () => {
    for (const c of ADMIN_COMMANDS) assert.equal(adminCommandOf(c), c);
    assert.equal(adminCommandOf('mntr'), 'monitor');
    assert.equal(adminCommandOf('conf'), 'configuration');
    assert.equal(adminCommandOf('lsnp'), 'last_snapshot');
    for (const hostile of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'MNTR']) assert.equal(adminCommandOf(hostile), undefined, hostile);
  });
});

describe('admin commands: answers by role', () => {
  test('standalone: leader is ZooKeeper\'s "not initialized", zabstate empty, voting_view empty', async () => {
    const view = new FakeView(facts());
    assert.deepEqual(await runAdminCommand('leader', view), { command: 'leader', error: 'server is not initialized' });
    assert.deepEqual(await runAdminCommand('zabstate', view), { voting: false, zabstate: '', command: 'zabstate', error: null });
    assert.deepEqual(await runAdminCommand('voting_view', view), { current_config: {}, command: 'voting_view', error: null });
  });

  test('a follower: its leader\'s id and host, broadcast; voting_view in ZooKeeper\'s host:port[:election]:participant', async () => {
    const view = new FakeView(facts({ mode: 'follower', leaderId: 2, voters: 3 }));
    view.voterList = [
      { id: 1, host: '10.0.0.1', peerPort: 2888, electionPort: 3888 }, { id: 2, host: '10.0.0.2', peerPort: 2888, electionPort: undefined },
      { id: 3, host: '::1', peerPort: 2888, electionPort: undefined },
    ];
    assert.deepEqual(await runAdminCommand('leader', view), { is_leader: false, leader_id: 2, leader_ip: '10.0.0.2', command: 'leader', error: null });
    assert.deepEqual(await runAdminCommand('zabstate', view), { voting: true, zabstate: 'broadcast', command: 'zabstate', error: null });
    assert.deepEqual((await runAdminCommand('voting_view', view)).current_config, {
      1: '10.0.0.1:2888:3888:participant', 2: '10.0.0.2:2888:participant', 3: '[::1]:2888:participant',
    });
  });

  test('not serving: the commands that need a serving server say so, monitor and zabstate still answer', async () => {
    const view = new FakeView(facts({ mode: 'looking', serving: false, leaderId: 0 }));
    const notServing = { command: 'server_stats', error: 'This ZooKeeper instance is not currently serving requests' };
    assert.deepEqual(await runAdminCommand('server_stats', view), notServing);
    assert.equal((await runAdminCommand('zabstate', view)).zabstate, 'election');
    assert.equal((await runAdminCommand('monitor', view)).error, null);
  });

  test('last_snapshot: -1 before any, else the zxid in hex without 0x and the time in seconds', async () => {
    const view = new FakeView(facts());
    assert.deepEqual(await runAdminCommand('last_snapshot', view), { zxid: '-1', timestamp: -1, command: 'last_snapshot', error: null });
    view.snapshot = { zxid: 0x100000abc, writtenAtMs: 1_700_000_123_456 };
    assert.deepEqual(await runAdminCommand('last_snapshot', view), { zxid: '100000abc', timestamp: 1_700_000_123, command: 'last_snapshot', error: null });
  });

  test('a watch on a path named __proto__ is an ordinary key of the dump', async () => {
    const view = new FakeView(facts());
    view.watches.addDataWatch(0x55, '__proto__');
    const dump = await runAdminCommand('watches_by_path', view);
    const map = dump.path_to_session_ids as Record<string, unknown>;
    assert.ok(Object.hasOwn(map, '__proto__'));
    assert.deepEqual(JSON.parse(JSON.stringify(dump)).path_to_session_ids, JSON.parse('{"__proto__":[85]}'));
  });
});

describe('admin: /health', () => {
  test('ready only when serving, synced and the leader is known', () => {
    assert.equal(healthOf(facts()).ready, true);
    assert.equal(healthOf(facts({ mode: 'follower', leaderId: 2 })).ready, true);
    const looking = healthOf(facts({ mode: 'looking', serving: false, leaderId: 0 }));
    assert.deepEqual([looking.ready, looking.serving, looking.synced, looking.leaderKnown], [false, false, false, false]);
    const syncing = healthOf(facts({ mode: 'follower', serving: false, leaderId: 3 }));
    assert.deepEqual([syncing.ready, syncing.synced, syncing.leaderKnown], [false, false, true]);
  });
});

describe('admin: settings', () => {
  test('ZooKeeper\'s defaults but loopback; the keys and their zookeeper.* names', () => {
    const d = buildConfig({}).admin;
    assert.deepEqual([d.enabled, d.address, d.port, d.tokenFile], [true, '127.0.0.1', 8080, undefined]);
    const c = buildConfig({ 'admin.enableServer': 'false', 'zookeeper.admin.serverPort': '9090', 'admin.serverAddress': '0.0.0.0', 'admin.commandURL': '/commands' }).admin;
    assert.deepEqual([c.enabled, c.port, c.address], [false, 9090, '0.0.0.0']);
  });

  test('bad values are refused with the key named', () => {
    assert.throws(() => buildConfig({ 'admin.serverPort': '70000' }), (e: unknown) => e instanceof ConfigError && /admin\.serverPort/.test(e.message));
    assert.throws(() => buildConfig({ 'admin.enableServer': 'yes' }), ConfigError);
    assert.throws(() => buildConfig({ 'admin.commandURL': '/cmds' }), /must be \/commands/);
    assert.throws(() => buildConfig({ 'admin.tokenFile': ' ' }), /must not be empty/);
    assert.throws(() => buildConfig({ 'admin.nonsense': '1' }), /unknown configuration key/);
  });
});

describe('proposal timer', () => {
  test('each proposal is timed to the commit that covers it; commits with nothing proposed are not timed', () => {
    let now = 0;
    const times: number[] = [];
    const timer = new ProposalTimer((ms) => times.push(ms), () => now);
    timer.committed(5);
    timer.proposed(10);
    now = 2;
    timer.proposed(12);
    now = 7;
    timer.committed(10);
    assert.deepEqual(times, [7]);
    now = 9;
    timer.committed(20);
    assert.deepEqual(times, [7, 7]);
    timer.proposed(30);
    timer.clear();
    timer.committed(30);
    assert.deepEqual(times, [7, 7], 'a new leadership forgets the old proposals');
  });
});
