// npm run bench: ops/s of simple create and getData loops through the SDK against a real server
// process on loopback (fsync on every acknowledged write, group-committed). Sequential = one call
// in flight at a time (latency bound); concurrent = N calls in flight on one session (pipelined).
import { Client, CreateMode } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';

const COUNT = Number(process.env.BENCH_OPS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${label.padEnd(40)} ${String(count).padStart(7)} ops  ${(count / (ms / 1000)).toFixed(0).padStart(8)} ops/s  ${(ms / count).toFixed(3)} ms/op`);
}

async function inParallel(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await op(next++);
  }));
}

async function main(): Promise<void> {
  const server = await ServerProcess.start();
  const client = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
  try {
    const payload = new Uint8Array(100);
    await client.create('/bench', '');
    await client.create('/bench/seq', '');
    await client.create('/bench/par', '');
    console.log(`Canopy standalone, 1 client session, ${payload.byteLength}-byte values, loopback, fsync per group commit`);
    await timed('create (sequential, 1 in flight)', COUNT, () => inParallel(COUNT, 1, () => client.create('/bench/seq/n-', payload, { mode: CreateMode.PERSISTENT_SEQUENTIAL })));
    await timed(`create (concurrent, ${CONCURRENCY} in flight)`, COUNT, () => inParallel(COUNT, CONCURRENCY, () => client.create('/bench/par/n-', payload, { mode: CreateMode.PERSISTENT_SEQUENTIAL })));
    await timed('getData (sequential, 1 in flight)', COUNT, () => inParallel(COUNT, 1, () => client.getData('/bench')));
    await timed(`getData (concurrent, ${CONCURRENCY} in flight)`, COUNT * 4, () => inParallel(COUNT * 4, CONCURRENCY, () => client.getData('/bench')));
  } finally {
    await client.close();
    await server.stop();
    server.removeDataDir();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
