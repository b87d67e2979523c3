// npm run bench:restart: how long a server holding 100k znodes takes to restart — recovering from the
// txn log alone, and from a snapshot. Timed from process spawn to "serving clients".
import { Client, Op } from '../../client/index.js';
import { ServerProcess } from '../support/server-process.js';

const NODES = Number(process.env.BENCH_NODES ?? 100_000);
/** Creates per txn: 1 makes 100k txns to replay; more packs them into multis. */
const PER_MULTI = Number(process.env.BENCH_PER_MULTI ?? 1);

async function fill(server: ServerProcess): Promise<void> {
  const client = await Client.connect(server.connectString, { sessionTimeoutMs: 30_000 });
  await client.create('/r', '');
  const payload = new Uint8Array(32);
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < NODES) {
      const start = next;
      next += PER_MULTI;
      if (PER_MULTI === 1) {
        await client.create(`/r/n${start}`, payload);
        continue;
      }
      const ops = [];
      for (let i = start; i < Math.min(start + PER_MULTI, NODES); i++) ops.push(Op.create(`/r/n${i}`, payload));
      await client.multi(ops);
    }
  }));
  const count = await client.getAllChildrenNumber('/r');
  if (count !== NODES) throw new Error(`expected ${NODES} nodes, found ${count}`);
  await client.close();
}

async function timeRestart(server: ServerProcess, args: string[]): Promise<ServerProcess> {
  await server.stop();
  const started = Date.now();
  const restarted = await server.restart({ args });
  const total = Date.now() - started;
  const recovery = /recovered state .*"recoveryMs":(\d+)/.exec(restarted.log)?.[1];
  const replayed = /"loggedTxns":(\d+)/.exec(restarted.log)?.[1];
  const client = await Client.connect(restarted.connectString, { sessionTimeoutMs: 30_000 });
  const count = await client.getAllChildrenNumber('/r');
  await client.close();
  console.log(`  spawn → serving: ${total} ms (storage recovery ${recovery} ms, ${replayed} txns replayed), ${count} znodes back`);
  return restarted;
}

async function main(): Promise<void> {
  for (const [label, snapCount] of [['txn log only (no snapshot)', 10_000_000], ['snapshot', 20_000]] as const) {
    const args = ['--logLevel', 'info', '--snapCount', String(snapCount)];
    let server = await ServerProcess.start({ args });
    await fill(server);
    console.log(`${NODES} znodes, recovery from ${label}:`);
    server = await timeRestart(server, args);
    server = await timeRestart(server, args);
    await server.stop();
    server.removeDataDir();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
