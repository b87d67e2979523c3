// ZooKeeper's four-letter words on the client port, over raw TCP as `echo srvr | nc` sends them, against a
// standalone server and a 3-server ensemble: every word's answer, the whitelist, the WebSocket door still
// open on the same port, and sockets that try to abuse the sniffing of the first bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Client } from '../../client/index.js';
import { CreateMode } from '../../protocol/index.js';
import { Ensemble } from '../support/ensemble.js';
import { fourLetterWord, monitorMap, sendFourLetterWord } from '../support/four-letter.js';
import { ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const ALL = ['--4lw.commands.whitelist', '*'];

describe('four-letter words: a standalone server with every word enabled', () => {
  let server: ServerProcess;
  let client: Client;
  before(async () => {
    server = await ServerProcess.start({ args: ALL });
    client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await client.create('/flw', 'data');
    await client.getData('/flw', { watch: () => {} });
  });
  after(async () => {
    await client?.close().catch(() => {});
    await server?.stop();
    server?.removeDataDir();
  });

  test('ruok answers imok and isro rw, then the server closes the connection', async () => {
    const ruok = await sendFourLetterWord(server.port, 'ruok');
    assert.equal(ruok.text, 'imok');
    assert.ok(ruok.closed);
    assert.equal(await fourLetterWord(server.port, 'isro'), 'rw');
  });

  test('srvr has ZooKeeper\'s lines, with this server\'s mode, zxid and node count', async () => {
    const text = await fourLetterWord(server.port, 'srvr');
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^Zookeeper version: 3\.9\.2-canopy-\d+\.\d+\.\d+/);
    assert.match(lines[1]!, /^Latency min\/avg\/max: \d+\/\d+\.\d+\/\d+$/);
    assert.match(lines[2]!, /^Received: [1-9]\d*$/);
    assert.match(lines[3]!, /^Sent: [1-9]\d*$/);
    assert.match(lines[4]!, /^Connections: 1$/);
    assert.match(lines[5]!, /^Outstanding: 0$/);
    assert.match(lines[6]!, /^Zxid: 0x[0-9a-f]+$/);
    assert.equal(lines[7], 'Mode: standalone');
    assert.match(lines[8]!, /^Node count: \d+$/);
  });

  test('stat lists the connected client; cons shows its session; crst resets its counts', async () => {
    const stat = await fourLetterWord(server.port, 'stat');
    assert.match(stat, /Clients:\n \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+\)\n/);
    assert.match(stat, /Mode: standalone\n/);
    const sid = `0x${client.sessionId.toString(16)}`;
    const cons = await fourLetterWord(server.port, 'cons');
    const line = cons.split('\n').find((l) => l.includes(`sid=${sid},`));
    assert.ok(line !== undefined, `cons lists session ${sid}: ${cons}`);
    assert.match(line, /recved=[1-9]\d*,sent=[1-9]\d*,sid=0x[0-9a-f]+,lop=\w+,est=\d+,to=\d+,lcxid=0x[0-9a-f]+,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=[\d.]+,maxlat=\d+\)$/);
    assert.equal(await fourLetterWord(server.port, 'crst'), 'Connection stats reset.\n');
    const after = (await fourLetterWord(server.port, 'cons')).split('\n').find((l) => l.includes(`sid=${sid},`))!;
    assert.match(after, /recved=0,sent=0,/);
  });

  test('mntr has tab-separated zk_ keys that move with the tree', async () => {
    const before = monitorMap(await fourLetterWord(server.port, 'mntr'));
    assert.equal(before.get('zk_server_state'), 'standalone');
    assert.equal(before.get('zk_peer_state'), 'standalone');
    assert.equal(before.get('zk_num_alive_connections'), '1');
    assert.equal(before.get('zk_watch_count'), '1');
    for (const key of ['zk_version', 'zk_avg_latency', 'zk_packets_received', 'zk_znode_count', 'zk_approximate_data_size', 'zk_ephemerals_count', 'zk_uptime']) {
      assert.ok(before.has(key), `mntr has ${key}`);
    }
    await client.create('/flw/e', 'xyz', { mode: CreateMode.EPHEMERAL });
    const after = monitorMap(await fourLetterWord(server.port, 'mntr'));
    assert.equal(Number(after.get('zk_znode_count')), Number(before.get('zk_znode_count')) + 1);
    assert.equal(Number(after.get('zk_ephemerals_count')), Number(before.get('zk_ephemerals_count')) + 1);
    assert.equal(Number(after.get('zk_approximate_data_size')), Number(before.get('zk_approximate_data_size')) + '/flw/e'.length + 3);
    assert.ok(Number(after.get('zk_packets_received')) > Number(before.get('zk_packets_received')));
    await client.delete('/flw/e');
  });

  test('wchs, wchc and wchp show the client\'s watch', async () => {
    await client.getData('/flw', { watch: () => {} });
    assert.equal(await fourLetterWord(server.port, 'wchs'), '1 connections watching 1 paths\nTotal watches:1\n');
    const sid = `0x${client.sessionId.toString(16)}`;
    assert.equal(await fourLetterWord(server.port, 'wchc'), `${sid}\n\t/flw\n`);
    assert.equal(await fourLetterWord(server.port, 'wchp'), `/flw\n\t${sid}\n`);
  });

  test('conf, envi, dirs and srst', async () => {
    const conf = await fourLetterWord(server.port, 'conf');
    assert.match(conf, new RegExp(`^clientPort=${server.port}$`, 'm'));
    assert.match(conf, /^dataDir=.+$/m);
    assert.match(conf, /^4lw\.commands\.whitelist=conf,cons,/m);
    const envi = await fourLetterWord(server.port, 'envi');
    assert.match(envi, /^Environment:\nzookeeper\.version=3\.9\.2-canopy-/);
    assert.match(envi, new RegExp(`^node\\.version=${process.version.replace(/\./g, '\\.')}$`, 'm'));
    const dirs = await fourLetterWord(server.port, 'dirs');
    const m = /^datadir_size: (\d+)\nlogdir_size: (\d+)\n$/.exec(dirs);
    assert.ok(m !== null, dirs);
    assert.ok(Number(m[1]) >= Number(m[2]) && Number(m[2]) > 0, dirs);
    assert.equal(await fourLetterWord(server.port, 'srst'), 'Server stats reset.\n');
    assert.match(await fourLetterWord(server.port, 'srvr'), /\nReceived: 0\nSent: 0\n/);
  });

  test('the same port still serves WebSocket clients and answers plain HTTP with 426', async () => {
    const other = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    try {
      assert.equal(new TextDecoder().decode((await other.getData('/flw')).data), 'data');
    } finally {
      await other.close();
    }
    const http = await sendFourLetterWord(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(http.text, /^HTTP\/1\.1 426 /);
  });

  test('a word followed by more bytes gets its answer; a word split over two writes is still a word', async () => {
    const noisy = await sendFourLetterWord(server.port, `ruok${'x'.repeat(100_000)}`);
    assert.equal(noisy.text, 'imok');
    const split = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port });
      let text = '';
      s.on('connect', () => {
        s.write('ru');
        setImmediate(() => s.write('ok'));
      });
      s.on('data', (d: Buffer) => { text += d.toString('utf8'); });
      s.on('error', reject);
      s.on('close', () => resolve(text));
    });
    assert.equal(split, 'imok');
  });
});

describe('four-letter words: the whitelist and abusive sockets', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({ args: ['--clientHandshakeTimeoutMs', '500', '--maxClientCnxns', '3'] });
  });
  after(async () => {
    await server?.stop();
    server?.removeDataDir();
  });

  test('by default only srvr runs; any other word gets ZooKeeper\'s refusal', async () => {
    assert.match(await fourLetterWord(server.port, 'srvr'), /^Zookeeper version: /);
    for (const word of ['ruok', 'mntr', 'wchp', 'conf', 'envi', 'cons']) {
      assert.equal(await fourLetterWord(server.port, word), `${word} is not executed because it is not in the whitelist.\n`);
    }
  });

  test('a socket that sends three letters and stops is closed at the handshake deadline; unknown words go to HTTP', async () => {
    const partial = await sendFourLetterWord(server.port, 'srv');
    assert.equal(partial.text, '', 'nothing is answered to an unfinished word, and the deadline closes it');
    const unknown = await sendFourLetterWord(server.port, 'abcd\r\n\r\n');
    assert.match(unknown.text, /^HTTP\/1\.1 400 |^$/, 'not a four-letter word: HTTP refuses it or closes');
  });

  test('sockets waiting to say their first bytes count against maxClientCnxns', async () => {
    const idle = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: server.port }, () => resolve(s));
      s.on('error', () => {});
    })));
    try {
      const refused = await sendFourLetterWord(server.port, 'srvr');
      assert.match(refused.text, /^HTTP\/1\.1 503 /);
    } finally {
      for (const s of idle) s.destroy();
    }
    await until(async () => /^Zookeeper version/.test(await fourLetterWord(server.port, 'srvr')), { message: 'the slots to free up', timeoutMs: 10_000 });
  });
});

describe('four-letter words: a 3-server ensemble', () => {
  let ensemble: Ensemble;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { '4lw.commands.whitelist': '*' } });
  });
  after(async () => {
    await ensemble?.stopAll();
    await ensemble?.removeAll();
  });

  test('srvr gives each server its role: one leader, two followers; the leader\'s mntr counts two synced followers', async () => {
    const leader = await ensemble.waitForLeader();
    const modes = new Map<number, string>();
    for (const s of ensemble.servers) {
      const text = await fourLetterWord(s.clientPort, 'srvr');
      modes.set(s.id, /^Mode: (\w+)$/m.exec(text)?.[1] ?? text);
    }
    for (const [id, mode] of modes) assert.equal(mode, id === leader ? 'leader' : 'follower', `server ${id}`);
    const leaderPort = ensemble.servers.find((s) => s.id === leader)!.clientPort;
    await until(async () => monitorMap(await fourLetterWord(leaderPort, 'mntr')).get('zk_synced_followers') === '2', { message: 'two synced followers', timeoutMs: 20_000 });
    const mntr = monitorMap(await fourLetterWord(leaderPort, 'mntr'));
    assert.equal(mntr.get('zk_server_state'), 'leader');
    assert.equal(mntr.get('zk_learners'), '2');
    assert.equal(mntr.get('zk_peer_state'), 'leading - broadcast');
    const follower = ensemble.servers.find((s) => s.id !== leader)!;
    const fm = monitorMap(await fourLetterWord(follower.clientPort, 'mntr'));
    assert.equal(fm.get('zk_server_state'), 'follower');
    assert.equal(fm.get('zk_peer_state'), 'following - broadcast');
    assert.equal(fm.get('zk_learners'), undefined);
    const conf = await fourLetterWord(follower.clientPort, 'conf');
    for (const s of ensemble.servers) assert.match(conf, new RegExp(`^server\\.${s.id}=127\\.0\\.0\\.1:${s.peerPort}$`, 'm'));
  });
});
