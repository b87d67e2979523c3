// canopy-admin's offline subcommands against the data directories of a real server started with dataLogDir:
// the log lands in dataLogDir/txnlog and recovers across a restart; log dump prints it; verify finds it clean,
// finds a flipped byte (damage) and a cut tail (a torn write recovery cuts) in copies, and changes nothing;
// snapshot restore makes a new data directory that a server then serves exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../client/index.js';
import { snapshotArchiveChunks } from '../../src/storage/index.js';
import { DEFAULT_STORAGE_CONFIG } from '../../src/server/storage-config.js';
import { openTxnStore } from '../../src/server/txn-store-open.js';
import { DataTree, type TreeSnapshot } from '../../src/tree/index.js';
import { framesOf } from '../support/segment-files.js';
import { ServerProcess } from '../support/server-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const ADMIN_MAIN = join(here, '..', '..', 'src', 'admin-tool', 'main.js');
const RUN_TIMEOUT_MS = 60_000;
const NODES = 40;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function admin(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ADMIN_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`canopy-admin ${args.join(' ')} did not exit:\n${stdout}\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A digest of every file under dir: equal before and after means nothing was changed. */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function lastSegment(logDir: string): string {
  const names = readdirSync(join(logDir, 'txnlog')).filter((n) => n.startsWith('log.')).sort();
  return join(logDir, 'txnlog', names[names.length - 1]!);
}

describe('canopy-admin on a server\'s data directories (dataLogDir)', () => {
  const root = mkdtempSync(join(tmpdir(), 'canopy-admin-it-'));
  const dataDir = join(root, 'data');
  const logDir = join(root, 'log');
  const configFile = join(root, 'zoo.cfg');
  const servers: ServerProcess[] = [];

  async function startServer(dir: string, extra: string[] = []): Promise<ServerProcess> {
    const server = await ServerProcess.start({ dataDir: dir, args: extra });
    servers.push(server);
    return server;
  }

  before(async () => {
    mkdirSync(dataDir);
    writeFileSync(configFile, [`dataDir=${dataDir}`, `dataLogDir=${logDir}`, 'clientPort=0', 'tickTime=200', 'snapCount=16', 'autopurge.snapRetainCount=3', ''].join('\n'));
    const server = await ServerProcess.start({ configFile, dataDir });
    servers.push(server);
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    await client.create('/app', 'root');
    for (let i = 0; i < NODES; i++) await client.create(`/app/n${i}`, `value ${i}`);
    await client.close();
    assert.equal(await server.stop(), 0);
  });

  after(async () => {
    for (const s of servers) await s.kill();
    rmSync(root, { recursive: true, force: true });
  });

  test('the log is in dataLogDir/txnlog, snapshots and meta in dataDir/txnlog, and a restart recovers both', async () => {
    const storeFiles = readdirSync(join(dataDir, 'txnlog'));
    const logFiles = readdirSync(join(logDir, 'txnlog'));
    assert.ok(storeFiles.includes('meta') && storeFiles.some((n) => n.startsWith('snap.')), storeFiles.join(' '));
    assert.ok(!storeFiles.some((n) => n.startsWith('log.')), storeFiles.join(' '));
    assert.ok(logFiles.includes('logmeta') && logFiles.some((n) => n.startsWith('log.')), logFiles.join(' '));
    assert.ok(storeFiles.filter((n) => n.startsWith('snap.')).length <= 3, 'autopurge.snapRetainCount=3');
    const server = await ServerProcess.start({ configFile, dataDir });
    servers.push(server);
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    assert.equal(new TextDecoder().decode((await client.getData(`/app/n${NODES - 1}`)).data), `value ${NODES - 1}`);
    assert.equal((await client.getChildren('/app')).children.length, NODES);
    await client.close();
    assert.equal(await server.stop(), 0);
    // Started without its dataLogDir, the same dataDir is refused in one line, not served empty.
    const refused = await ServerProcess.start({ dataDir, waitServing: false });
    servers.push(refused);
    assert.equal(await refused.waitExit(), 2);
    assert.match(refused.log, /configuration error: .*separate log directory .*start with dataLogDir/);
  });

  test('log dump prints every logged txn, as text or JSON lines, within --from/--to', async () => {
    const json = await admin(['log', 'dump', dataDir, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { zxid: string; epoch: number; type: string; paths: string[]; sessionId: string; time: string });
    const created = lines.filter((l) => l.type === 'create').flatMap((l) => l.paths);
    assert.ok(created.includes(`/app/n${NODES - 1}`), 'the last create is in the log');
    assert.ok(lines.every((l) => /^0x[0-9a-f]+$/.test(l.zxid) && l.epoch >= 1 && !Number.isNaN(Date.parse(l.time))));
    const from = lines[2]!.zxid;
    const to = lines[4]!.zxid;
    const window = await admin(['log', 'dump', dataDir, '--from', from, '--to', to]);
    assert.equal(window.code, 0, window.stderr);
    const textLines = window.stdout.trim().split('\n');
    assert.equal(textLines.length, 3);
    assert.match(textLines[0]!, new RegExp(`^${from}  epoch \\d+  session 0x[0-9a-f]+  \\d{4}-\\d\\d-\\d\\dT[^ ]+Z  \\w+`));
  });

  test('verify: the directories are clean, and verify changes nothing', async () => {
    const before = treeDigest(root);
    const run = await admin(['verify', dataDir]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /recovery would load the snapshot at 0x[0-9a-f]+, replay \d+ txns and end at zxid 0x[0-9a-f]+/);
    assert.match(run.stdout, /verdict: clean/);
    assert.equal(treeDigest(root), before);
  });

  test('verify: a flipped byte inside the log is damage (exit 1, file and offset); a cut tail is a torn write (exit 3)', async () => {
    for (const damage of ['flip', 'cut'] as const) {
      const copy = mkdtempSync(join(tmpdir(), 'canopy-admin-damage-'));
      try {
        cpSync(root, copy, { recursive: true });
        const copyLog = join(copy, 'log');
        const segment = lastSegment(copyLog);
        const bytes = readFileSync(segment);
        const frames = framesOf(bytes);
        assert.ok(frames.length >= 3, `${frames.length} frames`);
        const target = damage === 'flip' ? frames[1]! : frames[frames.length - 1]!;
        if (damage === 'flip') {
          bytes[target.offset + 16 + 2]! ^= 0x20;
          writeFileSync(segment, bytes);
        } else {
          truncateSync(segment, target.offset + 16 + Math.floor(target.length / 2));
        }
        const before = treeDigest(copy);
        const run = await admin(['verify', join(copy, 'data'), '--data-log-dir', copyLog]);
        const name = segment.split('/').pop()!;
        if (damage === 'flip') {
          assert.equal(run.code, 1, run.stdout + run.stderr);
          assert.match(run.stdout, new RegExp(`BAD  ${name.replace('.', '\\.')} at offset ${target.offset}: checksum mismatch`));
          assert.match(run.stdout, /recovery would FAIL/);
        } else {
          assert.equal(run.code, 3, run.stdout + run.stderr);
          assert.match(run.stdout, new RegExp(`BAD  ${name.replace('.', '\\.')} at offset ${target.offset}: torn write at the end`));
          assert.match(run.stdout, new RegExp(`recovery would repair: .*cut ${name.replace('.', '\\.')} to ${target.offset} bytes`));
        }
        assert.equal(treeDigest(copy), before, 'verify changed nothing');
        const dump = await admin(['log', 'dump', join(copy, 'data'), '--data-log-dir', copyLog]);
        assert.equal(dump.code, damage === 'flip' ? 1 : 0, dump.stderr);
        assert.match(dump.stderr, new RegExp(`at offset ${target.offset}`));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
  });

  test('snapshot restore: a server on the restored directory serves exactly the archived state', async () => {
    const archive = join(root, 'backup.canopy');
    const state = await archivedState(dataDir, logDir, archive);
    const restored = join(root, 'restored');
    mkdirSync(restored);
    writeFileSync(join(restored, 'myid'), '1\n');
    const run = await admin(['snapshot', 'restore', archive, '--data-dir', restored]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`restored the snapshot at 0x${state.zxid.toString(16)} \\(${state.nodeCount} nodes`));
    const again = await admin(['snapshot', 'restore', archive, '--data-dir', restored]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not empty/);
    const damaged = Uint8Array.from(readFileSync(archive));
    damaged[damaged.length - 40]! ^= 1;
    writeFileSync(`${archive}.bad`, damaged);
    const bad = await admin(['snapshot', 'restore', `${archive}.bad`, '--data-dir', join(root, 'never')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /snapshot archive at offset \d+: /);

    const server = await startServer(restored);
    const client = await Client.connect(server.connectString, { sessionTimeoutMs: 10_000 });
    assert.equal((await client.getChildren('/app')).children.length, NODES);
    assert.equal(new TextDecoder().decode((await client.getData('/app/n7')).data), 'value 7');
    await client.create('/after-restore', '');
    await client.close();
    assert.equal(await server.stop(), 0);
    const verify = await admin(['verify', restored]);
    assert.equal(verify.code, 0, verify.stdout);
  });
});

/** The state the data directories hold, written as an archive (what snapshot save gives from a live server). */
async function archivedState(dataDir: string, logDir: string, file: string): Promise<{ zxid: number; nodeCount: number }> {
  const { store } = await openTxnStore(dataDir, 'auto', { info: () => {}, warn: () => {} }, { ...DEFAULT_STORAGE_CONFIG, dataLogDir: logDir });
  let snapshot: TreeSnapshot;
  try {
    const recovered = await store.recover();
    const tree = recovered.snapshot !== undefined ? DataTree.fromSnapshot(recovered.snapshot) : new DataTree();
    for (const txn of recovered.txns) tree.apply(txn);
    snapshot = tree.snapshot();
  } finally {
    await store.close();
  }
  const parts: Uint8Array[] = [];
  for await (const part of snapshotArchiveChunks(snapshot)) parts.push(part);
  writeFileSync(file, Buffer.concat(parts));
  return { zxid: snapshot.zxid, nodeCount: snapshot.nodes.length };
}
