// LevelStorage on a real disk: acknowledged txns survive a killed process, and recovery of a large
// log or snapshot stays fast. Run with an argument 'child <dir>', this file is the process that gets killed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Txn } from '../../protocol/index.js';
import { LevelStorage } from '../../src/storage/index.js';
import { appendAndReportAcks, assertAckedPrefixRecovered, killAfterAcks } from '../support/kill-after-acks.js';

function makeTxn(zxid: number): Txn {
  return { zxid, time: zxid, sessionId: 9, xid: zxid, body: { type: 'setData', path: `/k/${zxid % 100}`, data: new Uint8Array(64).fill(zxid & 0xff) } };
}

/** The child: appends forever and prints each zxid once it is durable. */
async function runChild(dir: string): Promise<void> {
  await appendAndReportAcks(await LevelStorage.open(dir), makeTxn);
}

async function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'canopy-level-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  await runChild(process.argv[3]!);
} else {
  describe('LevelStorage durability', () => {
    test('every acknowledged append survives a SIGKILL, and the log is a gap-free prefix', () => withDir(async (dir) => {
      const acked = await killAfterAcks(import.meta.url, dir, 2000, 60_000);
      assert.ok(acked.length >= 2000);
      const store = await LevelStorage.open(dir);
      try {
        const { txns } = await store.recover();
        assertAckedPrefixRecovered(txns, acked, makeTxn);
      } finally {
        await store.close();
      }
    }));
  });

  describe('LevelStorage recovery speed', () => {
    test('100k txns and a 100k-node snapshot recover quickly', (t) => withDir(async (dir) => {
      let store = await LevelStorage.open(dir);
      await store.recover();
      const nodes = Array.from({ length: 100_000 }, (_, i) => ({ path: `/n/${i}`, data: new Uint8Array(16), version: i }));
      await Promise.all(Array.from({ length: 50_000 }, (_, i) => store.append(makeTxn(i + 1))));
      await store.writeSnapshot({ zxid: 50_000, nodes, sessions: [] });
      await Promise.all(Array.from({ length: 100_000 }, (_, i) => store.append(makeTxn(i + 50_001))));
      await store.close();

      store = await LevelStorage.open(dir);
      const started = performance.now();
      const state = await store.recover();
      const elapsedMs = performance.now() - started;
      await store.close();
      t.diagnostic(`recovered a 100k-node snapshot and 100k txns in ${elapsedMs.toFixed(0)} ms`);
      assert.equal(state.snapshot?.nodes.length, 100_000);
      assert.equal(state.txns.length, 100_000);
      assert.equal(state.lastZxid, 150_000);
      // How long it takes is measured by npm run bench:txnlog and bench:restart, not asserted: CI machines are noisy.
    }));
  });
}
