// For storage crash tests: a child process (the test file itself, run with `child <dir>`) appends txns and
// prints each acknowledged zxid on a line; it is killed with SIGKILL once it has acknowledged enough.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Txn } from '../../protocol/index.js';
import type { TxnStore } from '../../src/storage/index.js';

/** Starts testFileUrl as the child, kills it with SIGKILL once it has acknowledged `ackTarget` txns, returns what it acknowledged. */
export function killAfterAcks(testFileUrl: string, dir: string, ackTarget: number, timeoutMs: number): Promise<number[]> {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, [fileURLToPath(testFileUrl), 'child', dir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: number[] = [];
  let partial = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged only ${acked.length} txns in ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= ackTarget) child.kill('SIGKILL');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(acked);
    });
    child.on('error', reject);
  });
}

/**
 * What recovery must give back after the kill: every acknowledged txn, as a gap-free prefix from zxid 1
 * (txns the child appended but had not yet seen acknowledged may follow), the last acknowledged one intact.
 */
export function assertAckedPrefixRecovered(txns: readonly Txn[], acked: readonly number[], makeTxn: (zxid: number) => Txn): void {
  const maxAcked = Math.max(...acked);
  assert.ok(txns.length >= maxAcked, `acknowledged up to ${maxAcked} but only ${txns.length} recovered`);
  txns.forEach((t, i) => assert.equal(t.zxid, i + 1));
  assert.deepEqual(txns[maxAcked - 1], makeTxn(maxAcked));
}

const CHILD_BURST = 50;

/** The child's half: recovers the store, then appends forever in bursts, printing each zxid once its append resolved (= durable). */
export async function appendAndReportAcks(store: TxnStore, makeTxn: (zxid: number) => Txn): Promise<never> {
  await store.recover();
  for (let zxid = 1; ; ) {
    for (let i = 0; i < CHILD_BURST; i++, zxid++) {
      const z = zxid;
      void store.append(makeTxn(z)).then(() => process.stdout.write(`${z}\n`));
    }
    await new Promise((r) => setImmediate(r));
  }
}
