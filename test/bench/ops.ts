// npm run bench: ops/s of simple create and getData loops through the SDK against real server processes
// on loopback (fsync on every acknowledged write, group-committed): first a standalone server, then a
// 3-server ensemble with the same load (writes through the leader, then through a follower that forwards
// them). Sequential = one call in flight at a time (latency bound); concurrent = N calls in flight on one
// session (pipelined). `npm run bench -- standalone` or `-- ensemble` runs one of the two.
import { Client, CreateMode } from '../../client/index.js';
import { Ensemble } from '../support/ensemble.js';
import { ServerProcess } from '../support/server-process.js';

const COUNT = Number(process.env.BENCH_OPS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PAYLOAD = new Uint8Array(100);

async function timed(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`  ${label.padEnd(44)} ${String(count).padStart(7)} ops  ${(count / (ms / 1000)).toFixed(0).padStart(8)} ops/s  ${(ms / count).toFixed(3)} ms/op`);
}

async function inParallel(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await op(next++);
  }));
}

async function writeLoad(client: Client, root: string, label: string): Promise<void> {
  await client.create(root, '');
  await client.create(`${root}/seq`, '');
  await client.create(`${root}/par`, '');
  await timed(`create ${label}(sequential, 1 in flight)`, COUNT, () => inParallel(COUNT, 1, () => client.create(`${root}/seq/n-`, PAYLOAD, { mode: CreateMode.PERSISTENT_SEQUENTIAL })));
  await timed(`create ${label}(concurrent, ${CONCURRENCY} in flight)`, COUNT, () => inParallel(COUNT, CONCURRENCY, () => client.create(`${root}/par/n-`, PAYLOAD, { mode: CreateMode.PERSISTENT_SEQUENTIAL })));
}

async function readLoad(client: Client, path: string): Promise<void> {
  await timed('getData (sequential, 1 in flight)', COUNT, () => inParallel(COUNT, 1, () => client.getData(path)));
  await timed(`getData (concurrent, ${CONCURRENCY} in flight)`, COUNT * 4, () => inParallel(COUNT * 4, CONCURRENCY, () => client.getData(path)));
}

async function standalone(): Promise<void> {
  const server = await ServerProcess.start();
  const client = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
  try {
    console.log(`Canopy standalone, 1 client session, ${PAYLOAD.byteLength}-byte values, loopback, fsync per group commit`);
    await writeLoad(client, '/bench', '');
    await readLoad(client, '/bench');
  } finally {
    await client.close();
    await server.stop();
    server.removeDataDir();
  }
}

async function ensemble(): Promise<void> {
  const e = await Ensemble.start({ size: 3, tickTime: 200 });
  const clients: Client[] = [];
  try {
    const leader = await e.waitForLeader();
    const follower = e.servers.find((s) => s.id !== leader)!;
    const toLeader = await Client.connect(`127.0.0.1:${e.server(leader).clientPort}`, { sessionTimeoutMs: 30_000 });
    const toFollower = await Client.connect(`127.0.0.1:${follower.clientPort}`, { sessionTimeoutMs: 30_000 });
    clients.push(toLeader, toFollower);
    console.log(`Canopy 3-server ensemble on one 2-core machine, 1 client session, ${PAYLOAD.byteLength}-byte values, fsync on a quorum`);
    await writeLoad(toLeader, '/bench-l', 'via leader ');
    await writeLoad(toFollower, '/bench-f', 'via follower ');
    await readLoad(toFollower, '/bench-f');
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await e.stopAll();
    await e.removeAll();
  }
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'both';
  if (which === 'standalone' || which === 'both') await standalone();
  if (which === 'ensemble' || which === 'both') await ensemble();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
