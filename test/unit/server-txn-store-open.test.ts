// The server opens its txn log with the configured engine, and a data directory keeps the engine it was
// written with: the other one is refused with a message that says which to use.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Txn } from '../../protocol/index.js';
import { ConfigError } from '../../src/server/config.js';
import { ENGINE_DIRS, openTxnStore, resolveEngine } from '../../src/server/txn-store-open.js';

const silent = { info: () => {}, warn: () => {} };

function txn(zxid: number): Txn {
  return { zxid, time: zxid, sessionId: 1, xid: zxid, body: { type: 'delete', path: `/n${zxid}` } };
}

describe('txnLogEngine', () => {
  for (const [engine, other] of [['leveldb', 'segments'], ['segments', 'leveldb']] as const) {
    test(`a dataDir written with ${engine} reopens with ${engine} and is refused with ${other}`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'canopy-engine-'));
      try {
        const { store } = await openTxnStore(dataDir, engine, silent);
        await store.recover();
        await store.append(txn(1));
        await store.close();
        await assert.rejects(openTxnStore(dataDir, other, silent), (e: unknown) =>
          e instanceof ConfigError && e.message.includes(`written with txnLogEngine=${engine}`) && e.message.includes(`start with txnLogEngine=${engine}`));
        const { store: again } = await openTxnStore(dataDir, engine, silent);
        assert.deepEqual((await again.recover()).txns, [txn(1)]);
        await again.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  for (const engine of ['leveldb', 'segments'] as const) {
    test(`auto opens a dataDir written with ${engine} with ${engine}`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'canopy-engine-'));
      try {
        const first = await openTxnStore(dataDir, engine, silent);
        await first.store.recover();
        await first.store.append(txn(1));
        await first.store.close();
        const again = await openTxnStore(dataDir, 'auto', silent);
        assert.equal(again.engine, engine);
        assert.deepEqual((await again.store.recover()).txns, [txn(1)]);
        await again.store.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  test('auto gives a new dataDir segment files, and refuses one that holds both engines', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'canopy-engine-'));
    try {
      assert.equal(resolveEngine(dataDir, 'auto'), 'segments');
      const { store } = await openTxnStore(dataDir, 'leveldb', silent);
      await store.recover();
      await store.close();
      await mkdir(join(dataDir, ENGINE_DIRS.segments));
      await writeFile(join(dataDir, ENGINE_DIRS.segments, 'stray'), '');
      assert.throws(() => resolveEngine(dataDir, 'auto'), (e: unknown) => e instanceof ConfigError && e.message.includes('both engines'));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
