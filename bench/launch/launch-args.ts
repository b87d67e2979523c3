// canopy-bench's launch flags (--launch, --servers, --tick-time), checked against the rest of the command
// line: a launched cluster brings its own servers, so --connect and --pids make no sense with it. --protocol
// says which of the servers' ports the sessions get: Canopy's ZooKeeper door is opened for --protocol zookeeper.
import { UsageError } from '../errors.js';
import { resolveProtocol } from '../protocols.js';
import type { ClientProtocol, SystemName } from '../types.js';
import { CLUSTER_SIZES, type ClusterSize } from './cluster.js';
import { DEFAULT_SERVER_SETTINGS, settingsForTick, type ServerSettings } from './server-settings.js';

export interface LaunchRequest {
  system: SystemName;
  /** What the sessions speak: the cluster hands out the ports that serve it. */
  protocol: ClientProtocol;
  size: ClusterSize;
  settings: ServerSettings;
}

/** The launch flags as parsed (numbers already checked to be whole), and the flags they exclude. */
export interface LaunchFlags {
  launch: string | undefined;
  servers: number | undefined;
  tickTimeMs: number | undefined;
  system: string | undefined;
  protocol: string | undefined;
  connect: string | undefined;
  pids: string | undefined;
  leaderPid: number | undefined;
}

const SYSTEMS: readonly SystemName[] = ['canopy', 'zookeeper'];
const TICK_TIME_MS_RANGE = [10, 60_000] as const;

/** The cluster to launch, or undefined without --launch; throws UsageError on a conflict. */
export function launchRequest(flags: LaunchFlags): LaunchRequest | undefined {
  if (flags.launch === undefined) {
    if (flags.servers !== undefined) throw new UsageError('--servers needs --launch');
    if (flags.tickTimeMs !== undefined) throw new UsageError('--tick-time needs --launch');
    return undefined;
  }
  const system = flags.launch as SystemName;
  if (!SYSTEMS.includes(system)) throw new UsageError(`--launch must be one of ${SYSTEMS.join(', ')}, not '${flags.launch.slice(0, 40)}'`);
  if (flags.system !== undefined && flags.system !== system) throw new UsageError(`--system ${flags.system.slice(0, 40)} contradicts --launch ${system}`);
  for (const [flag, value] of [['connect', flags.connect], ['pids', flags.pids], ['leader-pid', flags.leaderPid]] as const) {
    if (value !== undefined) throw new UsageError(`--${flag} is for servers canopy-bench did not start: give it or --launch, not both`);
  }
  const protocol = resolveProtocol(system, flags.protocol);
  const size = (flags.servers ?? 1) as ClusterSize;
  if (!CLUSTER_SIZES.includes(size)) throw new UsageError(`--servers must be one of ${CLUSTER_SIZES.join(', ')}, not ${flags.servers}`);
  const tick = flags.tickTimeMs;
  if (tick !== undefined && (tick < TICK_TIME_MS_RANGE[0] || tick > TICK_TIME_MS_RANGE[1])) {
    throw new UsageError(`--tick-time must be from ${TICK_TIME_MS_RANGE[0]} to ${TICK_TIME_MS_RANGE[1]} ms, not ${tick}`);
  }
  return { system, protocol, size, settings: tick === undefined ? { ...DEFAULT_SERVER_SETTINGS } : settingsForTick(tick) };
}
