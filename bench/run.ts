// runWorkload: one measured run of one workload against running servers, in this process (the CLI and
// bench:compare both call it). It checks the options, finds the server processes to measure, makes a
// root path of its own for the run, and hands the workload a context to set up and measure with.
import { execFileSync } from 'node:child_process';
import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ClientGroup } from './clients/client-group.js';
import type { ClientEndpoint } from './clients/client-group.js';
import { forkedEndpoint, inProcessEndpoint } from './clients/endpoints.js';
import { driverFor } from './drivers/index.js';
import type { Cluster } from './launch/cluster.js';
import { BenchError, UsageError, errorText } from './errors.js';
import { connectServers, inputOf, resolveBenchOptions } from './options.js';
import type { BenchOptions, ServerAddress } from './options.js';
import { UsageMeter } from './proc-usage.js';
import { silentProgress, terminalProgress } from './progress.js';
import type { BenchDriver, WorkloadResult } from './types.js';
import { workloadNamed } from './workloads/index.js';
import type { Plan, Workload, WorkloadContext } from './workloads/workload.js';

export type { BenchOptions, BenchOptionsInput } from './options.js';
export { resolveBenchOptions } from './options.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Where every run makes its own subtree (nodes are left behind for inspection; a new run never collides). */
export const BENCH_ROOT = '/canopy-bench';
/** Descriptors a client process needs besides its sessions (stdio, IPC, the event loop, a coordinator session). */
const FD_MARGIN = 64;

export interface RunHooks {
  /** Draw a progress bar on stderr (only ever when stderr is a TTY). Default true. */
  progress?: boolean;
  /** The cluster launched for the run: workloads that kill and start servers need it. */
  cluster?: Cluster;
}

export async function runWorkload(options: BenchOptions, hooks: RunHooks = {}): Promise<WorkloadResult> {
  const checked = resolveBenchOptions(inputOf(options));
  const workload = workloadNamed(checked.workload)!;
  checkDescriptors(checked, workload);
  const driver = await driverFor(checked.protocol);
  const pids = checked.pids ?? UsageMeter.discover(connectServers(checked.connect).filter(isLocal).map((s) => s.port));
  const root = `${BENCH_ROOT}/${checked.workload}-${Date.now().toString(36)}-${process.pid}`;
  await makeRoot(driver, checked, root);
  const ctx: WorkloadContext = {
    options: checked,
    driver,
    root,
    usage: new UsageMeter(pids),
    cluster: hooks.cluster,
    connect: () => driver.connect(checked.connect, checked.sessionTimeoutMs),
    startClients: (plan) => startClients(checked, plan),
    progress: (label, total, unit, read) => (hooks.progress === false ? silentProgress : terminalProgress(label, total, unit, read)),
  };
  return workload.run(ctx);
}

async function makeRoot(driver: BenchDriver, options: BenchOptions, root: string): Promise<void> {
  let session;
  try {
    session = await driver.connect(options.connect, options.sessionTimeoutMs);
  } catch (e) {
    throw new BenchError(`cannot open a ${options.system} session with ${options.connect}: ${errorText(e)}`, { cause: e });
  }
  try {
    await session.ensurePath(root);
  } catch (e) {
    throw new BenchError(`cannot create ${root}: ${errorText(e)}`, { cause: e });
  } finally {
    await session.close();
  }
}

async function startClients(options: BenchOptions, plan: Plan): Promise<ClientGroup> {
  const group = new ClientGroup(options.processes);
  const endpoints: ClientEndpoint[] = [];
  try {
    if (options.processes === 1) {
      endpoints.push(inProcessEndpoint(group, 0));
    } else {
      for (let i = 0; i < options.processes; i++) endpoints.push(await forkedEndpoint(group, i, WORKER_PATH));
    }
  } catch (e) {
    for (const endpoint of endpoints) endpoint.stop();
    throw new BenchError(`cannot start client process ${endpoints.length + 1}: ${errorText(e)}`, { cause: e });
  }
  group.attach(endpoints);
  endpoints.forEach((endpoint, processIndex) => endpoint.send({ type: 'start', workload: options.workload, options, plan, processIndex }));
  return group;
}

/** Only servers on this machine have a /proc entry here. */
function isLocal(server: ServerAddress): boolean {
  const host = server.host.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1' || host.startsWith('127.') || host === hostname().toLowerCase()) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === host));
}

/** The soft limit on open files of processes started from here (Node raises its own to the hard limit). */
function openFilesLimit(): number {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return text === 'unlimited' ? Infinity : Number(text) || Infinity;
  } catch {
    return Infinity;
  }
}

/** Each session is a socket: refuse a run that would run out of descriptors halfway through opening them. */
function checkDescriptors(options: BenchOptions, workload: Workload): void {
  const held = workload.sessionsHeld?.(options) ?? options.sessions;
  const perProcess = Math.ceil(held / options.processes);
  const limit = openFilesLimit();
  if (perProcess + FD_MARGIN > limit) {
    throw new UsageError(`${held} sessions over ${options.processes} client processes need about ${perProcess + FD_MARGIN} open files each, `
      + `but ulimit -n is ${limit}: raise it or add --processes`);
  }
}
