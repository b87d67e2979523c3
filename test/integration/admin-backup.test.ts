// A backup taken with `canopy-admin snapshot save` while writers keep writing, restored with `canopy-admin
// snapshot restore` into a fresh data directory and served by a fresh server, holds a consistent prefix of
// the history: every acknowledged write at or below the snapshot's zxid, and nothing above it. Also
// `canopy-admin status` of an ensemble, and a save that cannot work saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '../../client/index.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const ADMIN_MAIN = join(here, '..', '..', 'src', 'admin-tool', 'main.js');
const WRITERS = 4;

async function canopyAdmin(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ADMIN_MAIN, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** One acknowledged write: the value a writer set and the zxid the server gave it. */
interface Ack {
  value: number;
  zxid: number;
}

describe('canopy-admin: a backup under load restores a consistent prefix', () => {
  let server: ServerProcess;
  let restored: ServerProcess | undefined;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-backup-'));
    server = await ServerProcess.start({ args: ['--admin.serverPort', '0', '--snapCount', '200'] });
  });
  after(async () => {
    await restored?.stop();
    restored?.removeDataDir();
    await server?.stop();
    server?.removeDataDir();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every write acknowledged at or below the snapshot\'s zxid is in the restored tree, and none above it', async () => {
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 20_000 });
    await client.create('/backup', '');
    for (let w = 0; w < WRITERS; w++) await client.create(`/backup/w${w}`, '-1');
    const acks: Ack[][] = Array.from({ length: WRITERS }, () => []);
    const created: Array<{ path: string; zxid: number }> = [];
    let stop = false;
    // Writers set their counter and create a child each round, so the history has both updates and creates.
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; !stop || i < 20; i++) {
        const stat = await client.setData(`/backup/w${w}`, String(i));
        acks[w]!.push({ value: i, zxid: stat.mzxid });
        const path = await client.create(`/backup/w${w}-c${i}`, String(i));
        created.push({ path, zxid: (await client.exists(path))!.czxid });
      }
    });
    const file = join(dir, 'backup.canopy');
    // Save while the writers run: once they have written something, and with them still going.
    while (acks.every((a) => a.length < 10)) await new Promise((r) => setImmediate(r));
    const saved = await canopyAdmin(['snapshot', 'save', file, '--server', `127.0.0.1:${server.adminPort}`]);
    stop = true;
    await Promise.all(writers);
    assert.equal(saved.code, 0, saved.stderr);
    const zxidMatch = /zxid (0x[0-9a-f]+)/.exec(saved.stdout);
    assert.ok(zxidMatch !== null, `save names the zxid: ${saved.stdout}`);
    const snapZxid = Number(zxidMatch[1]);
    assert.ok(statSync(file).size > 0);
    const lastAck = Math.max(...acks.flat().map((a) => a.zxid));
    assert.ok(snapZxid < lastAck, 'writes went on after the snapshot (the test would prove nothing otherwise)');
    assert.ok(acks.flat().some((a) => a.zxid <= snapZxid), 'some writes came before it');
    await client.close();

    const dataDir = join(dir, 'restored');
    const restore = await canopyAdmin(['snapshot', 'restore', file, '--data-dir', dataDir]);
    assert.equal(restore.code, 0, restore.stderr);
    const again = await canopyAdmin(['snapshot', 'restore', file, '--data-dir', dataDir]);
    assert.notEqual(again.code, 0, 'a data dir that holds state is not overwritten');

    restored = await ServerProcess.start({ dataDir, args: ['--admin.enableServer', 'false'] });
    const reader = await Client.connect(restored.connectString, { sessionTimeoutMs: 20_000 });
    try {
      for (let w = 0; w < WRITERS; w++) {
        const before = acks[w]!.filter((a) => a.zxid <= snapZxid);
        const expected = before.length === 0 ? { value: -1, zxid: undefined } : before[before.length - 1]!;
        const { data, stat } = await reader.getData(`/backup/w${w}`);
        assert.equal(new TextDecoder().decode(data), String(expected.value), `writer ${w}: its last write at or below the snapshot`);
        if (expected.zxid !== undefined) assert.equal(stat.mzxid, expected.zxid);
        assert.ok(stat.mzxid <= snapZxid);
      }
      const children = new Set((await reader.getChildren('/backup')).children);
      for (const c of created) {
        const name = c.path.slice('/backup/'.length);
        assert.equal(children.has(name), c.zxid <= snapZxid, `${c.path} (zxid 0x${c.zxid.toString(16)}) is there exactly when at or below the snapshot`);
      }
      assert.equal(children.size, WRITERS + created.filter((c) => c.zxid <= snapZxid).length, 'nothing else is there');
      // The restored server goes on from the snapshot: it takes writes.
      await reader.create('/after-restore', '');
    } finally {
      await reader.close();
    }
  });

  test('a save from a port with nothing listening, or a damaged archive, fails and says why', async () => {
    const bad = await canopyAdmin(['snapshot', 'save', join(dir, 'never.canopy'), '--server', '127.0.0.1:1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /refused/);
    assert.throws(() => statSync(join(dir, 'never.canopy')), 'no file is left behind');
  });
});

describe('canopy-admin status of an ensemble', () => {
  let ensemble: Ensemble;
  before(async () => {
    ensemble = await Ensemble.start({ size: 3, extraConfig: { 'admin.serverPort': '0' } });
  });
  after(async () => {
    await ensemble?.removeAll();
  });

  test('one row per server with its role, zxid, lag, sessions and connections; a dead server is a row that says so', async () => {
    const client = await Client.connect(ensemble.connectString, { sessionTimeoutMs: 10_000 });
    await client.create('/status', '');
    const servers = ensemble.servers.map((s) => `127.0.0.1:${s.process!.adminPort}`);
    const result = await canopyAdmin(['status', '--servers', [...servers, '127.0.0.1:1'].join(',')]);
    await client.close();
    assert.equal(result.code, 1, 'not every server is ready');
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^SERVER\s+ID\s+ROLE\s+READY\s+ZXID\s+LAG\s+SESSIONS\s+CONNECTIONS\s+ZNODES$/);
    const rows = lines.slice(1, 4).map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((r) => r[2]).sort(), ['follower', 'follower', 'leader']);
    for (const r of rows) {
      assert.equal(r[3], 'yes');
      assert.match(r[4]!, /^0x[0-9a-f]+$/);
      assert.match(r[5]!, /^\d+$/);
    }
    assert.match(lines[4]!, /^127\.0\.0\.1:1\s+-\s+unreachable/);
    assert.match(result.stdout, /127\.0\.0\.1:1: .*refused/);
    const json = await canopyAdmin(['status', '--servers', servers.join(','), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as Array<{ role: string; ready: boolean }>;
    assert.deepEqual(parsed.map((p) => p.role).sort(), ['follower', 'follower', 'leader']);
    assert.ok(parsed.every((p) => p.ready));
  });
});
