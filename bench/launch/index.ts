// Launching a cluster of either system for a benchmark run.
import { assertNever } from '../../protocol/assert-never.js';
import { protocolProblem } from '../protocols.js';
import type { SystemName } from '../types.js';
import { CanopyCluster } from './canopy-cluster.js';
import { ClusterError, type Cluster, type ClusterOptions } from './cluster.js';
import { ZooKeeperCluster } from './zookeeper-cluster.js';

export type { Cluster, ClusterOptions, ClusterServer, ClusterSize } from './cluster.js';
export { CLUSTER_SIZES, ClusterError } from './cluster.js';
export { DEFAULT_SERVER_SETTINGS, serverSettings, settingsForTick, type ServerSettings } from './server-settings.js';

/** Starts a cluster and resolves once every server serves; the caller must `remove()` it. */
export async function launchCluster(system: SystemName, opts: ClusterOptions): Promise<Cluster> {
  const problem = opts.protocol === undefined ? undefined : protocolProblem(system, opts.protocol);
  if (problem !== undefined) throw new ClusterError(problem);
  switch (system) {
    case 'canopy': return CanopyCluster.launch(opts);
    case 'zookeeper': return ZooKeeperCluster.launch(opts);
    default: return assertNever(system, 'system');
  }
}
