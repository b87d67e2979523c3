#!/usr/bin/env node
// `npm run ensemble`: a local ensemble on loopback for trying failover by hand. Each server lives in
// <base-dir>/server<N> with its own zoo.cfg and myid; both are kept across runs (edit them freely), so
// data survives a restart. Output: every server's log lines prefixed with [server N], then the connect string.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildConfig, parseZooCfg } from '../../src/server/config.js';
import type { Config } from '../../src/server/config.js';
import { writeServerConfig } from './ensemble-config.js';
import { ServerProcess } from './server-process.js';

interface RunOptions {
  baseDir: string;
  size: number;
  clientPort: number;
  peerPort: number;
  tickTime: number;
}

async function parseArgs(): Promise<RunOptions> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run ensemble --')
    .usage('$0 [options]\n\nStarts a local Canopy ensemble on 127.0.0.1; Ctrl-C stops it.')
    .options({
      'base-dir': { type: 'string', default: './canopy-ensemble', describe: 'directory holding server1..N (kept across runs)' },
      size: { type: 'number', choices: [3, 5], default: 3, describe: 'number of servers' },
      'client-port': { type: 'number', default: 2181, describe: 'client port of server 1; server N uses this + N - 1' },
      'peer-port': { type: 'number', default: 2888, describe: 'peer port of server 1; server N uses this + N - 1' },
      'tick-time': { type: 'number', default: 2000, describe: 'tickTime, ms, written into new configs' },
    })
    .strict()
    .version(false)
    .help()
    .parseAsync();
  const opts = { baseDir: resolve(argv['base-dir']), size: argv.size, clientPort: argv['client-port'], peerPort: argv['peer-port'], tickTime: argv['tick-time'] };
  const overlaps = Math.abs(opts.clientPort - opts.peerPort) < opts.size;
  if (overlaps) throw new Error(`client ports ${opts.clientPort}.. and peer ports ${opts.peerPort}.. overlap for ${opts.size} servers`);
  return opts;
}

/** Writes missing configs, then reads every member's actual config (they may have been edited). */
function prepareConfigs(opts: RunOptions): { id: number; configFile: string; config: Readonly<Config> }[] {
  const peers = Array.from({ length: opts.size }, (_, i) => ({ id: i + 1, host: '127.0.0.1', peerPort: opts.peerPort + i }));
  const existing = peers.filter((p) => existsSync(join(opts.baseDir, `server${p.id}`, 'zoo.cfg'))).map((p) => p.id);
  if (existing.length > 0 && existing.length < opts.size) {
    throw new Error(`${opts.baseDir} holds configs for server ${existing.join(', ')} only, not server1..${opts.size}: check --size, or use another --base-dir`);
  }
  const members = peers.map((p, i) => {
    const dataDir = join(opts.baseDir, `server${p.id}`);
    const { configFile, written } = writeServerConfig({ id: p.id, dataDir, clientPort: opts.clientPort + i, peers, tickTime: opts.tickTime }, { overwrite: false });
    if (!written) console.log(`[ensemble] using existing ${configFile} (delete ${opts.baseDir} to start afresh)`);
    const myid = Number(readFileSync(join(dataDir, 'myid'), 'utf8').trim());
    return { id: p.id, configFile, config: buildConfig({ ...parseZooCfg(readFileSync(configFile, 'utf8'), configFile), myid }) };
  });
  const shape = (c: Readonly<Config>): string => c.servers.map((s) => `${s.id}=${s.host}:${s.peerPort}`).join(',');
  const differing = members.find((m) => shape(m.config) !== shape(members[0]!.config));
  if (differing !== undefined) {
    throw new Error(`${differing.configFile} names other servers than ${members[0]!.configFile}; fix the files, or use another --base-dir`);
  }
  const named = members[0]!.config.servers.length;
  if (named !== opts.size) throw new Error(`the configs in ${opts.baseDir} name ${named} servers: pass --size ${named}, or use another --base-dir`);
  const extra = join(opts.baseDir, `server${opts.size + 1}`);
  if (existsSync(join(extra, 'zoo.cfg'))) console.log(`[ensemble] note: ${extra} exists but is not started (--size ${opts.size})`);
  return members;
}

async function main(): Promise<void> {
  const opts = await parseArgs();
  const members = prepareConfigs(opts);
  const procs = await Promise.all(members.map((m) => ServerProcess.start({
    configFile: m.configFile, waitServing: false, port: m.config.clientPort,
    onLine: (line) => console.log(`[server ${m.id}] ${line}`),
  })));
  let stopping = false;
  procs.forEach((p, i) => void p.waitExit().then((code) => {
    if (!stopping) console.log(`[ensemble] server ${members[i]!.id} exited (${code ?? p.child.signalCode})`);
  }));
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all(procs.map((p) => p.stop()));
  };
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) {
      console.log('[ensemble] killing servers');
      for (const p of procs) void p.kill('SIGKILL');
      return;
    }
    console.log('[ensemble] stopping servers (Ctrl-C again to kill them)');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // No deadline: without a quorum the servers wait for each other, as a real ensemble would.
    await Promise.all(procs.map((p) => p.waitServing({ timeoutMs: 2 ** 31 - 1 })));
  } catch (e) {
    if (stopping) return;
    console.error(`[ensemble] a server stopped before the ensemble served: ${(e as Error).message.split('\n')[0]}`);
    await stopAll();
    process.exit(1);
  }
  const connect = members.map((m) => `${m.config.clientPortAddress === '0.0.0.0' ? '127.0.0.1' : m.config.clientPortAddress}:${m.config.clientPort}`).join(',');
  console.log(`connect with: ${connect}`);
}

main().catch((e: unknown) => {
  console.error(`[ensemble] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
