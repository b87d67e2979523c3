// npm run bench:txnlog [-- options]: the txn log's own cost on this machine, LevelDB against segment files.
//   1. Appending 100-byte-value create txns in group-committed batches (1, 64, 512 by default): main-thread
//      CPU µs per txn, whole-process CPU µs per txn, txns/s, and bytes sent to the disk per txn.
//   2. Recovering a log of 1,000,000 txns (no snapshot), in a fresh process, page cache warm.
//   3. A real server restarted on a 1,000,000-node snapshot: spawn to "recovered state" and to serving.
// Every measurement runs in its own child process. Figures on a shared or virtual machine are rough.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TXN_LOG_ENGINES, type TxnLogEngine } from '../../src/server/config.js';
import { ServerProcess } from '../support/server-process.js';
import type { ProcSample } from './proc-stats.js';
import { measureAppends, measureRecovery, writeLog, writeSnapshots } from './txn-log-work.js';

const USAGE = `usage: bench:txnlog [--engines leveldb,segments] [--batches 1,64,512] [--txns N] [--singleTxns N]
                    [--recoveryTxns N] [--snapshotNodes N]
  --txns           txns appended per run with batches above 1 (default 100000)
  --singleTxns     txns appended with batches of 1, one fdatasync each (default 3000)
  --recoveryTxns   txns in the log whose recovery is timed; 0 skips it (default 1000000)
  --snapshotNodes  znodes in the snapshot a server restarts on; 0 skips it (default 1000000)`;

class UsageError extends Error {}

interface Options {
  engines: TxnLogEngine[];
  batches: number[];
  txns: number;
  singleTxns: number;
  recoveryTxns: number;
  snapshotNodes: number;
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${text}'`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      engines: { type: 'string', default: 'leveldb,segments' }, batches: { type: 'string', default: '1,64,512' },
      txns: { type: 'string', default: '100000' }, singleTxns: { type: 'string', default: '3000' },
      recoveryTxns: { type: 'string', default: '1000000' }, snapshotNodes: { type: 'string', default: '1000000' },
    },
  });
  const engines = values.engines.split(',').map((e) => e.trim());
  for (const e of engines) if (!(TXN_LOG_ENGINES as readonly string[]).includes(e)) throw new UsageError(`--engines: '${e}' is not one of ${TXN_LOG_ENGINES.join(', ')}`);
  return {
    engines: engines as TxnLogEngine[],
    batches: values.batches.split(',').map((b) => integer('batches', b.trim(), 1, 10_000)),
    txns: integer('txns', values.txns, 1, 100_000_000),
    singleTxns: integer('singleTxns', values.singleTxns, 1, 1_000_000),
    recoveryTxns: integer('recoveryTxns', values.recoveryTxns, 0, 100_000_000),
    snapshotNodes: integer('snapshotNodes', values.snapshotNodes, 0, 100_000_000),
  };
}

/** Runs one piece of work (txn-log-work.ts) in a child process and returns the JSON it prints. */
function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as T) : reject(new Error(`child ${args.join(' ')} exited ${code}`))));
  });
}

async function runChild(args: string[]): Promise<void> {
  const [what, engine, dir, a, b] = args as [string, TxnLogEngine, string, string, string];
  const result = what === 'append' ? await measureAppends(dir, engine, Number(a), Number(b))
    : what === 'writeLog' ? await writeLog(dir, engine, Number(a))
    : what === 'recover' ? await measureRecovery(dir, engine)
    : what === 'snapshots' ? await writeSnapshots(JSON.parse(dir) as Record<TxnLogEngine, string>, Number(a))
    : undefined;
  if (result === undefined) throw new Error(`unknown child work '${what}'`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return total;
}

function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `canopy-bench-${label}-`));
}

const f1 = (n: number): string => n.toFixed(1);
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function appendTable(o: Options): Promise<void> {
  console.log('\n## Appends: 100-byte-value creates, group-committed batches\n');
  console.log('| engine | batch | txns | txns/s | main-thread CPU µs/txn | process CPU µs/txn | disk bytes/txn (write_bytes) | bytes to write() /txn | disk bytes/txn incl. close |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const batch of o.batches) {
    for (const engine of o.engines) {
      const dir = tempDir(engine);
      const txns = batch === 1 ? o.singleTxns : o.txns;
      try {
        const r = await child<{ appended: ProcSample; closed: ProcSample }>(['append', engine, dir, String(batch), String(txns)]);
        const a = r.appended;
        console.log(`| ${engine} | ${batch} | ${txns} | ${Math.round(txns / (a.wallMs / 1000))} | ${f1(a.mainThreadCpuUs / txns)} | ${f1(a.processCpuUs / txns)} | ${f1(a.writeBytes / txns)} | ${f1(a.wchar / txns)} | ${f1(r.closed.writeBytes / txns)} |`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

async function recoveryTable(o: Options): Promise<void> {
  if (o.recoveryTxns === 0) return;
  console.log(`\n## Recovery of a log of ${o.recoveryTxns} txns (no snapshot; fresh process, warm page cache)\n`);
  console.log('| engine | write (batches of 512) | disk bytes/txn written | on disk | recover wall | main-thread CPU | main thread waiting for a CPU | process CPU | txns |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const engine of o.engines) {
    const dir = tempDir(engine);
    try {
      const w = await child<{ written: ProcSample }>(['writeLog', engine, dir, String(o.recoveryTxns)]);
      const r = await child<{ txns: number; recovered: ProcSample }>(['recover', engine, dir]);
      const rec = r.recovered;
      const s = (us: number): string => `${(us / 1e6).toFixed(2)} s`;
      console.log(`| ${engine} | ${(w.written.wallMs / 1000).toFixed(1)} s | ${f1(w.written.writeBytes / o.recoveryTxns)} | ${mib(bytesUnder(dir))} | ${s(rec.wallMs * 1000)} | ${s(rec.mainThreadCpuUs)} | ${s(rec.mainThreadWaitUs)} | ${s(rec.processCpuUs)} | ${r.txns} |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function restartTable(o: Options): Promise<void> {
  if (o.snapshotNodes === 0) return;
  const dirs = Object.fromEntries(o.engines.map((e) => [e, tempDir(e)])) as Record<TxnLogEngine, string>;
  try {
    const w = await child<{ nodes: number; written: Record<string, ProcSample> }>(['snapshots', 'leveldb', JSON.stringify(dirs), String(o.snapshotNodes)]);
    console.log(`\n## A server restarted on a snapshot of ${w.nodes} znodes (100-byte values; spawn to recovered, to serving)\n`);
    console.log('| engine | snapshot write | on disk | spawn → "recovered state" | of which recoveryMs (open, recover, build the tree) | spawn → serving |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const engine of o.engines) {
      const started = Date.now();
      let recoveredAt = 0;
      const server = await ServerProcess.start({
        dataDir: dirs[engine], args: ['--txnLogEngine', engine, '--logLevel', 'info'], startTimeoutMs: 600_000,
        onLine: (line) => {
          if (recoveredAt === 0 && line.includes('recovered state')) recoveredAt = Date.now();
        },
      });
      const servingMs = Date.now() - started;
      const storageMs = /"recoveryMs":(\d+)/.exec(server.log)?.[1] ?? '?';
      await server.kill('SIGTERM');
      console.log(`| ${engine} | ${(w.written[engine]!.wallMs / 1000).toFixed(1)} s | ${mib(bytesUnder(dirs[engine]))} | ${recoveredAt - started} ms | ${storageMs} ms | ${servingMs} ms |`);
    }
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return runChild(argv.slice(1));
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bench:txnlog: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  console.log(`# bench:txnlog on ${process.platform}, node ${process.version}; figures are rough (shared, noisy machines)`);
  await appendTable(o);
  await recoveryTable(o);
  await restartTable(o);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
