// dataLogDir and autopurge.* as the configuration reads them, and as openTxnStore honours them on real
// directories: the log lands in dataLogDir/txnlog, and a data directory opened with the other log
// directory setting (or with LevelDB) is refused with a configuration error that says what to give.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Txn } from '../../protocol/index.js';
import { ConfigError, buildConfig } from '../../src/server/config.js';
import { DEFAULT_STORAGE_CONFIG, type StorageConfig } from '../../src/server/storage-config.js';
import { openTxnStore, txnLogDir } from '../../src/server/txn-store-open.js';

const warnings: string[] = [];
const logger = { info: () => {}, warn: (msg: string) => void warnings.push(msg) };

function txn(zxid: number): Txn {
  return { zxid, time: zxid, sessionId: 1, xid: zxid, body: { type: 'delete', path: `/n${zxid}` } };
}

describe('storage keys in the configuration', () => {
  test('defaults: no dataLogDir, 3 snapshots kept, purged at every snapshot', () => {
    assert.deepEqual(buildConfig({}).storage, DEFAULT_STORAGE_CONFIG);
    assert.deepEqual(DEFAULT_STORAGE_CONFIG, { dataLogDir: undefined, snapRetainCount: 3, purgeIntervalHours: 0, notes: [] });
  });

  test('ZooKeeper\'s keys are read, not ignored', () => {
    const storage = buildConfig({ dataDir: '/d', dataLogDir: '/l', 'autopurge.snapRetainCount': '5', 'autopurge.purgeInterval': '24' }).storage;
    assert.deepEqual(storage, { dataLogDir: '/l', snapRetainCount: 5, purgeIntervalHours: 24, notes: [] });
  });

  test('a snapRetainCount below 2 is raised to 2, with a note for the start log', () => {
    const storage = buildConfig({ 'autopurge.snapRetainCount': '1' }).storage;
    assert.equal(storage.snapRetainCount, 2);
    assert.match(storage.notes[0]!, /autopurge.snapRetainCount=1 is below the minimum of 2/);
  });

  test('dataLogDir equal to dataDir is no separate directory', () => {
    assert.equal(buildConfig({ dataDir: '/d', dataLogDir: '/d/' }).storage.dataLogDir, undefined);
  });

  test('bad values are configuration errors', () => {
    for (const raw of [{ dataLogDir: ' ' }, { 'autopurge.purgeInterval': '-1' }, { 'autopurge.purgeInterval': '1.5' }, { 'autopurge.snapRetainCount': 'x' }]) {
      assert.throws(() => buildConfig(raw), ConfigError, JSON.stringify(raw));
    }
    assert.throws(() => buildConfig({ txnLogEngine: 'leveldb', dataLogDir: '/l' }), /dataLogDir \(\/l\) needs txnLogEngine=segments/);
  });
});

describe('openTxnStore with dataLogDir', () => {
  async function withDirs(body: (dataDir: string, logDir: string) => Promise<void>): Promise<void> {
    const root = await mkdtemp(join(tmpdir(), 'canopy-logdir-'));
    try {
      await body(join(root, 'data'), join(root, 'log'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  const withLogDir = (dataLogDir: string): StorageConfig => ({ ...DEFAULT_STORAGE_CONFIG, dataLogDir });

  test('the log goes to dataLogDir/txnlog; meta and snapshots stay in dataDir/txnlog; reopening recovers', () => withDirs(async (dataDir, logDir) => {
    const { store, engine } = await openTxnStore(dataDir, 'auto', logger, withLogDir(logDir));
    assert.equal(engine, 'segments');
    await store.recover();
    await store.appendBatch([txn(1), txn(2)]);
    await store.writeSnapshot({ zxid: 2, nodes: [], sessions: [] });
    await store.append(txn(3));
    await store.close();
    assert.equal(txnLogDir(dataDir, logDir, 'segments'), join(logDir, 'txnlog'));
    assert.deepEqual((await readdir(join(dataDir, 'txnlog'))).sort(), ['meta', 'snap.0000000000000002']);
    assert.deepEqual((await readdir(join(logDir, 'txnlog'))).sort(), ['log.0000000000000001', 'logmeta']);
    const { store: again } = await openTxnStore(dataDir, 'segments', logger, withLogDir(logDir));
    const state = await again.recover();
    assert.equal(state.snapshot?.zxid, 2);
    assert.deepEqual(state.txns, [txn(3)]);
    await again.close();
  }));

  test('without dataLogDir, or with another one, the same dataDir is refused, naming the one to give', () => withDirs(async (dataDir, logDir) => {
    const { store } = await openTxnStore(dataDir, 'auto', logger, withLogDir(logDir));
    await store.recover();
    await store.append(txn(1));
    await store.close();
    await assert.rejects(openTxnStore(dataDir, 'auto', logger), (e: unknown) => e instanceof ConfigError && e.message.includes(join(logDir, 'txnlog')));
    await assert.rejects(openTxnStore(dataDir, 'auto', logger, withLogDir(`${logDir}2`)), (e: unknown) =>
      e instanceof ConfigError && /holds no txn log/.test(e.message) && e.message.includes(join(logDir, 'txnlog')));
  }));

  test('a dataDir started without dataLogDir is refused with one', () => withDirs(async (dataDir, logDir) => {
    const { store } = await openTxnStore(dataDir, 'auto', logger);
    await store.recover();
    await store.append(txn(1));
    await store.close();
    await assert.rejects(openTxnStore(dataDir, 'auto', logger, withLogDir(logDir)), (e: unknown) => e instanceof ConfigError && /start without dataLogDir/.test(e.message));
  }));

  test('a LevelDB dataDir (found by auto) refuses dataLogDir; the warnings of the settings are logged', () => withDirs(async (dataDir, logDir) => {
    const { store } = await openTxnStore(dataDir, 'leveldb', logger);
    await store.close();
    await assert.rejects(openTxnStore(dataDir, 'auto', logger, withLogDir(logDir)), /needs txnLogEngine=segments/);
    warnings.length = 0;
    const { store: again } = await openTxnStore(dataDir, 'auto', logger, { ...DEFAULT_STORAGE_CONFIG, snapRetainCount: 2, notes: ['raised'] });
    await again.close();
    assert.deepEqual(warnings, ['raised']);
  }));
});
