// The settings a launched cluster gives both systems alike, so that a comparison compares the servers and
// not their configurations. Both fsync every acknowledged write: Canopy always does (one synced batch per
// group commit), and ZooKeeper's forceSync is left at its default (yes).

export interface ServerSettings {
  tickTimeMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Txns between snapshots. */
  snapCount: number;
}

/** ZooKeeper's defaults, which Canopy shares: tickTime 2 s, sessions 2 to 20 ticks, a snapshot per 100k txns. */
export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  tickTimeMs: 2000,
  initLimitTicks: 10,
  syncLimitTicks: 5,
  minSessionTimeoutMs: 4_000,
  maxSessionTimeoutMs: 40_000,
  snapCount: 100_000,
});

/**
 * Connections per client address and in total: unlimited on both (0), since every benchmark session comes
 * from 127.0.0.1 and the watch and session workloads open more than the default 60.
 */
export const CONNECTIONS_UNLIMITED = 0;

/**
 * ZooKeeper's JVM heap, fixed so that runs on different machines compare: without it the JVM takes a
 * quarter of the RAM. 2 GiB holds the restart workload's 1M znodes of 100 bytes (about 0.5 GiB of live
 * DataTree) with room for the collector; -Xms is left unset so that peak RSS shows what ZooKeeper touched.
 */
export const ZOOKEEPER_HEAP_MAX = '-Xmx2g';

/** Settings from values a person gave; throws RangeError on an inconsistent set. */
export function serverSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  const s = { ...DEFAULT_SERVER_SETTINGS, ...overrides };
  for (const [key, value] of Object.entries(s)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer, got ${value}`);
  }
  if (s.minSessionTimeoutMs > s.maxSessionTimeoutMs) throw new RangeError(`minSessionTimeoutMs ${s.minSessionTimeoutMs} exceeds maxSessionTimeoutMs ${s.maxSessionTimeoutMs}`);
  return s;
}

/** The session limits a tick time implies when none are given: 2 and 20 ticks, as both systems default. */
export function settingsForTick(tickTimeMs: number): ServerSettings {
  return serverSettings({ tickTimeMs, minSessionTimeoutMs: 2 * tickTimeMs, maxSessionTimeoutMs: 20 * tickTimeMs });
}
