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
import { killAfterAcks } from '../support/kill-after-acks.js';

function makeTxn(zxid: number): Txn {
  return { zxid, time: zxid, sessionId: 9, xid: zxid, body: { type: 'setData', path: `/k/${zxid % 100}`, data: new Uint8Array(64).fill(zxid & 0xff) } };
}

const CHILD_BURST = 50;

/** The child: appends forever in bursts and prints each zxid once its append resolved (= durable). */
async function runChild(dir: string): Promise<void> {
  const store = await LevelStorage.open(dir);
  await store.recover();
  for (let zxid = 1; ; ) {
    for (let i = 0; i < CHILD_BURST; i++, zxid++) {
      const z = zxid;
      void store.append(makeTxn(z)).then(() => process.stdout.write(`${z}\n`));
    }
    await new Promise((r) => setImmediate(r));
  }
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
        const maxAcked = Math.max(...acked);
        assert.ok(txns.length >= maxAcked, `acknowledged up to ${maxAcked} but only ${txns.length} recovered`);
        txns.forEach((t, i) => assert.equal(t.zxid, i + 1));
        assert.deepEqual(txns[maxAcked - 1], makeTxn(maxAcked));
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
      // The target is well under 2 s; the bound is loose because CI machines are slow and noisy.
      assert.ok(elapsedMs < 15_000, `recovery took ${elapsedMs.toFixed(0)} ms`);
    }));
  });
}
