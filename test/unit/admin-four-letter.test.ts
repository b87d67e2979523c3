// Four-letter words as pure logic: which bytes are a word, the whitelist, each answer's layout from a
// fixed view of a server, the bounds on the watch lists, and the request/answer matching behind the
// latency figures.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FOUR_LETTER_WORDS, FourLetterWhitelistError, fourLetterWordOf, notWhitelistedAnswer, parseFourLetterWhitelist,
} from '../../src/admin/four-letter-words.js';
import { NOT_SERVING, WATCH_DUMP_ENTRIES_MAX, answerFourLetterWord, connectionLine, monitorValues } from '../../src/admin/four-letter-answers.js';
import { FakeView, connection, facts } from '../support/fake-server-view.js';
import { WatchManager } from '../../src/tree/watch-manager.js';
import { ConnectionStats, ServerStats } from '../../src/server/server-stats.js';
import { ConfigError, buildConfig } from '../../src/server/config.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('four-letter words: which first bytes are a word', () => {
  test('exactly four lowercase letters of a known word', () => {
    for (const w of FOUR_LETTER_WORDS) assert.equal(fourLetterWordOf(bytes(w)), w);
    assert.equal(fourLetterWordOf(bytes('ruok\n')), 'ruok', 'nc sends a newline after the word');
    for (const other of ['GET ', 'SRVR', 'srv', '', 'abcd', 'stmk', 'gtmk']) assert.equal(fourLetterWordOf(bytes(other)), undefined, other);
    assert.equal(fourLetterWordOf(new Uint8Array([0x16, 0x03, 0x01, 0x02])), undefined, 'a TLS ClientHello is not a word');
  });
});

describe('four-letter words: 4lw.commands.whitelist', () => {
  test('srvr is always on; a list adds to it; * is every word', () => {
    assert.deepEqual([...parseFourLetterWhitelist('')], ['srvr']);
    assert.deepEqual([...parseFourLetterWhitelist(' ruok , stat,')].sort(), ['ruok', 'srvr', 'stat']);
    assert.deepEqual([...parseFourLetterWhitelist('ruok,*')].sort(), [...FOUR_LETTER_WORDS].sort());
  });

  test('an unknown word is an error naming it (clipped), and buildConfig turns it into a ConfigError', () => {
    assert.throws(() => parseFourLetterWhitelist('ruok,dump'), FourLetterWhitelistError);
    assert.throws(() => parseFourLetterWhitelist(`x${'y'.repeat(10_000)}`), (e: unknown) => e instanceof Error && e.message.length < 300);
    assert.throws(() => buildConfig({ '4lw.commands.whitelist': 'constructor' }), ConfigError);
    assert.deepEqual([...buildConfig({ '4lw.commands.whitelist': 'mntr' }).fourLetterWords].sort(), ['mntr', 'srvr']);
    assert.deepEqual([...buildConfig({}).fourLetterWords], ['srvr']);
  });

  test('a word off the list gets ZooKeeper\'s sentence', () => {
    assert.equal(notWhitelistedAnswer('mntr'), 'mntr is not executed because it is not in the whitelist.\n');
  });
});

describe('four-letter words: answers', () => {
  test('srvr: ZooKeeper\'s lines in ZooKeeper\'s order', async () => {
    const text = await answerFourLetterWord('srvr', new FakeView(facts()));
    assert.equal(text, [
      'Zookeeper version: 3.9.2-canopy-1.2.3', 'Latency min/avg/max: 0/0.5/3', 'Received: 10', 'Sent: 9', 'Connections: 1', 'Outstanding: 0',
      'Zxid: 0x100000005', 'Mode: standalone', 'Node count: 7', '',
    ].join('\n'));
  });

  test('a server that is not serving says so to srvr, stat and mntr', async () => {
    const view = new FakeView(facts({ serving: false, mode: 'looking' }));
    for (const w of ['srvr', 'stat', 'mntr'] as const) assert.equal(await answerFourLetterWord(w, view), NOT_SERVING);
    assert.equal(await answerFourLetterWord('ruok', view), 'imok');
  });

  test('stat lists connections briefly; cons in full, with the session fields only once a session is bound', async () => {
    const view = new FakeView(facts({ connections: [connection(), connection({ sessionId: 0, remoteAddress: '10.0.0.9:5' })] }));
    const stat = await answerFourLetterWord('stat', view);
    assert.match(stat, /^Zookeeper version: 3\.9\.2-canopy-1\.2\.3\nClients:\n \/127\.0\.0\.1:40000\[1\]\(queued=0,recved=5,sent=4\)\n \/10\.0\.0\.9:5\[1\]\(queued=0,recved=5,sent=4\)\n\nLatency/);
    const cons = await answerFourLetterWord('cons', view);
    assert.equal(cons, `${connectionLine(connection(), false)}\n${connectionLine(connection({ sessionId: 0, remoteAddress: '10.0.0.9:5' }), false)}\n\n`);
    assert.equal(connectionLine(connection(), false),
      ' /127.0.0.1:40000[1](queued=0,recved=5,sent=4,sid=0x1000a,lop=getData,est=1700000000000,to=30000,lcxid=0x3,lzxid=0x10,lresp=1700000000500,llat=1,minlat=0,avglat=0.75,maxlat=3)');
    assert.equal(connectionLine(connection({ lastZxid: -1, lastCxid: -1, lastOp: '' }), false).includes(',lop=NA,'), true);
    assert.equal(connectionLine(connection({ lastZxid: -1, lastCxid: -1 }), false).includes('lzxid=0xffffffffffffffff'), true);
  });

  test('mntr: ZooKeeper\'s keys, with the leader\'s learner counts only on a leader', async () => {
    const standalone = new Map(monitorValues(facts(), 3));
    assert.equal(standalone.get('zk_server_state'), 'standalone');
    assert.equal(standalone.get('zk_watch_count'), 3);
    assert.equal(standalone.get('zk_synced_followers'), undefined);
    const leader = new Map(monitorValues(facts({ mode: 'leader', voters: 3, learners: [{ id: 2, synced: true, ackedZxid: 5 }, { id: 3, synced: false, ackedZxid: 0 }] }), 0));
    assert.equal(leader.get('zk_learners'), 2);
    assert.equal(leader.get('zk_synced_followers'), 1);
    assert.equal(leader.get('zk_pending_syncs'), 1);
    assert.equal(leader.get('zk_peer_state'), 'leading - broadcast');
    const text = await answerFourLetterWord('mntr', new FakeView(facts()));
    for (const line of text.trimEnd().split('\n')) assert.match(line, /^(zk|canopy)_[a-z_]+\t\S+$/);
  });

  test('wchs, wchc and wchp over every kind of watch; the lists stop at their bound and say so', async () => {
    const view = new FakeView(facts());
    view.watches.addDataWatch(1, '/a');
    view.watches.addChildWatch(1, '/a');
    view.watches.addDataWatch(2, '/b');
    view.watches.addPersistentWatch(2, '/a', true);
    assert.equal(await answerFourLetterWord('wchs', view), '2 connections watching 2 paths\nTotal watches:4\n');
    assert.equal(await answerFourLetterWord('wchc', view), '0x1\n\t/a\n0x2\n\t/b\n\t/a\n');
    assert.equal(await answerFourLetterWord('wchp', view), '/a\n\t0x1\n\t0x2\n/b\n\t0x2\n');
    const many = new WatchManager({ watchesPerSessionMax: 10 * WATCH_DUMP_ENTRIES_MAX });
    for (let i = 0; i < WATCH_DUMP_ENTRIES_MAX + 10; i++) many.addDataWatch(7, `/n${i}`);
    const dump = many.dump('session', WATCH_DUMP_ENTRIES_MAX);
    assert.equal(dump.truncated, true);
    assert.equal(dump.groups.get(7)?.size, WATCH_DUMP_ENTRIES_MAX);
    assert.equal(many.dump('path', 5).groups.size, 5);
  });

  test('conf, envi, dirs, isro, ruok; crst and srst reset', async () => {
    const view = new FakeView(facts());
    assert.equal(await answerFourLetterWord('conf', view), 'clientPort=2181\ndataDir=/d\n');
    assert.equal(await answerFourLetterWord('envi', view), 'Environment:\nzookeeper.version=3.9.2-canopy-1.2.3\nhost.name=h\n');
    assert.equal(await answerFourLetterWord('dirs', view), 'datadir_size: 300\nlogdir_size: 200\n');
    assert.equal(await answerFourLetterWord('isro', view), 'rw');
    assert.equal(await answerFourLetterWord('crst', view), 'Connection stats reset.\n');
    assert.equal(await answerFourLetterWord('srst', view), 'Server stats reset.\n');
    assert.equal(view.connectionResets, 1);
    assert.equal(view.serverResets, 1);
  });
});

describe('connection stats: answers close requests in order', () => {
  test('each answer closes the oldest open request; events close none; the server totals follow', () => {
    let now = 0;
    const server = new ServerStats();
    const c = new ConnectionStats(server, () => now);
    c.requestArrived('createSession', undefined);
    now = 2;
    c.frameSent(true, undefined);
    c.requestArrived('getData', 7);
    now = 3;
    c.requestArrived('setData', 8);
    now = 10;
    c.frameSent(false, 5);
    assert.equal(c.queued, 2, 'a watch event answers nothing');
    c.frameSent(true, 0x20);
    assert.deepEqual([c.lastOp, c.lastCxid, c.lastZxid, c.lastLatencyMs], ['getData', 8, 0x20, 8]);
    now = 13;
    c.frameSent(true, 0x21);
    assert.deepEqual([c.lastOp, c.lastLatencyMs, c.latency.minMs, c.latency.maxMs, c.latency.count], ['setData', 10, 2, 10, 3]);
    assert.deepEqual([server.received, server.sent, server.latency.count], [3, 4, 3]);
    c.frameSent(true, 0x22);
    assert.equal(c.latency.count, 3, 'an answer with no open request is counted as sent only');
    c.reset();
    assert.deepEqual([c.received, c.sent, c.latency.count, c.lastOp], [0, 0, 0, '']);
    server.reset();
    assert.deepEqual([server.received, server.sent, server.latency.count], [0, 0, 0]);
  });

  test('open requests are bounded: a client that is never answered cannot grow them without end', () => {
    const c = new ConnectionStats(new ServerStats(), () => 0);
    for (let i = 0; i < 250_000; i++) c.requestArrived('getData', i);
    assert.ok(c.queued <= 100_000, `${c.queued} open requests remembered`);
    for (let i = 0; i < 250_000; i++) c.frameSent(true, i);
    assert.equal(c.queued, 0);
  });
});
