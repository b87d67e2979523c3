// Runs something against a cluster launched for it and removes the cluster afterwards: when it ends, when
// it throws, and on Ctrl-C (SIGINT) or SIGTERM. Should the process exit some other way (an uncaught error),
// the servers are killed and their directories deleted synchronously on the way out.
import { rmSync } from 'node:fs';
import type { SystemName } from '../types.js';
import type { Cluster, ClusterOptions } from './cluster.js';
import { launchCluster } from './index.js';

const live = new Set<Cluster>();
let handlersInstalled = false;
let signalled = false;

function killNow(cluster: Cluster): void {
  for (const s of cluster.servers) {
    try {
      if (s.running) process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(cluster.directory, { recursive: true, force: true });
}

function onSignal(signal: NodeJS.Signals, exitCode: number): void {
  if (signalled) {
    // A second Ctrl-C: do not wait for graceful stops any more.
    for (const c of live) killNow(c);
    process.exit(exitCode);
  }
  signalled = true;
  process.stderr.write(`canopy-bench: ${signal}: stopping and removing ${live.size} launched cluster(s)\n`);
  void Promise.allSettled([...live].map((c) => c.remove())).then(() => process.exit(exitCode));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const c of live) killNow(c);
  });
}

/** Launches a cluster, runs `use` with it, and always removes it. */
export async function withLaunchedCluster<T>(system: SystemName, opts: ClusterOptions, use: (cluster: Cluster) => Promise<T>): Promise<T> {
  installHandlers();
  let launched: Cluster | undefined;
  const cluster = await launchCluster(system, {
    ...opts,
    onLaunching: (c) => {
      launched = c;
      live.add(c);
      opts.onLaunching?.(c);
    },
  }).catch((e: unknown) => {
    if (launched !== undefined) live.delete(launched);
    throw e;
  });
  try {
    return await use(cluster);
  } finally {
    await cluster.remove();
    live.delete(cluster);
  }
}
