// The server's one configuration path: zoo.cfg-style file, then yargs flags over it, then defaults.
// No other module reads process.env or argv.
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_DATA_BYTES, FRAME_HEADER_ALLOWANCE_BYTES } from '../../protocol/index.js';

export interface PeerAddress {
  id: number;
  host: string;
  peerPort: number;
  electionPort?: number;
}

export interface Config {
  serverId: number;
  dataDir: string;
  clientPort: number;
  clientPortAddress: string;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  /** Txns between snapshots (each server picks a point in [snapCount/2, snapCount) to spread them out). */
  snapCount: number;
  maxDataBytes: number;
  maxFrameBytes: number;
  /** Connections per client IP (0 = unlimited). */
  maxClientCnxns: number;
  /** Requests one session may have waiting before further ones fail with THROTTLEDOP. */
  maxOutstandingPerSession: number;
  /** Watches one session may hold. */
  maxWatchesPerSession: number;
  /** How often container and TTL nodes are checked for cleanup. */
  containerCheckIntervalMs: number;
  /** Most container/TTL nodes deleted per check. */
  containerMaxPerCheck: number;
  logLevel: string;
  servers: PeerAddress[];
}

export class ConfigError extends Error {}

export const DEFAULTS: Readonly<Omit<Config, 'minSessionTimeout' | 'maxSessionTimeout'>> = Object.freeze({
  serverId: 1,
  dataDir: './canopy-data',
  clientPort: 2181,
  clientPortAddress: '127.0.0.1',
  tickTime: 2000,
  initLimit: 10,
  syncLimit: 5,
  snapCount: 100_000,
  maxDataBytes: DEFAULT_MAX_DATA_BYTES,
  maxFrameBytes: DEFAULT_MAX_DATA_BYTES + FRAME_HEADER_ALLOWANCE_BYTES,
  maxClientCnxns: 60,
  maxOutstandingPerSession: 1000,
  maxWatchesPerSession: 100_000,
  containerCheckIntervalMs: 60_000,
  containerMaxPerCheck: 10_000,
  logLevel: 'info',
  servers: [],
});

/** Numeric keys: [min, max]. */
const NUMERIC_KEYS: Record<string, [number, number]> = {
  serverId: [1, 255],
  clientPort: [0, 65535],
  tickTime: [1, 600_000],
  initLimit: [1, 10_000],
  syncLimit: [1, 10_000],
  minSessionTimeout: [1, 2 ** 31 - 1],
  maxSessionTimeout: [1, 2 ** 31 - 1],
  snapCount: [2, 1_000_000_000],
  maxDataBytes: [1, 256 * 1024 * 1024],
  maxFrameBytes: [1024, 512 * 1024 * 1024],
  maxClientCnxns: [0, 1_000_000],
  maxOutstandingPerSession: [1, 1_000_000],
  maxWatchesPerSession: [1, 100_000_000],
  containerCheckIntervalMs: [10, 86_400_000],
  containerMaxPerCheck: [1, 10_000_000],
};
const STRING_KEYS = new Set(['dataDir', 'clientPortAddress', 'logLevel']);
/** ZooKeeper's names for the same settings. */
const ALIASES: Record<string, string> = {
  'jute.maxbuffer': 'maxDataBytes',
  'znode.container.checkIntervalMs': 'containerCheckIntervalMs',
  'znode.container.maxPerMinute': 'containerMaxPerCheck',
  myid: 'serverId',
};
/** zoo.cfg keys we accept and ignore (they matter to ZooKeeper's own machinery only). */
const IGNORED_KEYS = new Set(['dataLogDir', 'autopurge.snapRetainCount', 'autopurge.purgeInterval', 'admin.enableServer', 'admin.serverPort', '4lw.commands.whitelist', 'standaloneEnabled', 'reconfigEnabled']);

export type RawSettings = Record<string, string | number | undefined>;

/** Parses zoo.cfg text: `key=value` lines, '#' comments, `server.N=host:peerPort[:electionPort]`. */
export function parseZooCfg(text: string, source = 'config'): RawSettings {
  const out: RawSettings = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${source}:${i + 1}: expected key=value, got '${trimmed}'`);
    out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  });
  return out;
}

function parseServerLine(key: string, value: string): PeerAddress {
  const id = Number(key.slice('server.'.length));
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new ConfigError(`${key}: server id must be an integer in [1, 255]`);
  const hostPorts = value.split(';')[0]!.split(':');
  if (hostPorts.length < 2) throw new ConfigError(`${key}: expected host:peerPort[:electionPort], got '${value}'`);
  const [host, peer, election] = hostPorts;
  const port = (s: string | undefined, what: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${key}: ${what} must be a port number, got '${s}'`);
    return n;
  };
  const addr: PeerAddress = { id, host: host!, peerPort: port(peer, 'peerPort') };
  if (election !== undefined && election !== '' && !/^(participant|observer)$/.test(election)) addr.electionPort = port(election, 'electionPort');
  return addr;
}

/** Builds a validated Config from raw settings (file values overridden by flags). Unknown keys are errors. */
export function buildConfig(raw: RawSettings): Readonly<Config> {
  const cfg: Record<string, unknown> = { ...DEFAULTS, servers: [] };
  const servers: PeerAddress[] = [];
  for (const [rawKey, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (rawKey.startsWith('server.')) {
      servers.push(parseServerLine(rawKey, String(value)));
      continue;
    }
    const key = ALIASES[rawKey] ?? rawKey;
    if (IGNORED_KEYS.has(key)) continue;
    const range = NUMERIC_KEYS[key];
    if (range !== undefined) {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
        throw new ConfigError(`${rawKey} must be an integer in [${range[0]}, ${range[1]}], got '${value}'`);
      }
      cfg[key] = n;
    } else if (STRING_KEYS.has(key)) {
      if (String(value).length === 0) throw new ConfigError(`${rawKey} must not be empty`);
      cfg[key] = String(value);
    } else {
      throw new ConfigError(`unknown configuration key '${rawKey}'`);
    }
  }
  const tick = cfg.tickTime as number;
  cfg.minSessionTimeout ??= 2 * tick;
  cfg.maxSessionTimeout ??= 20 * tick;
  if ((cfg.minSessionTimeout as number) > (cfg.maxSessionTimeout as number)) {
    throw new ConfigError(`minSessionTimeout (${cfg.minSessionTimeout}) must not exceed maxSessionTimeout (${cfg.maxSessionTimeout})`);
  }
  if ((cfg.maxFrameBytes as number) < (cfg.maxDataBytes as number) + 1024) {
    throw new ConfigError(`maxFrameBytes (${cfg.maxFrameBytes}) must exceed maxDataBytes (${cfg.maxDataBytes}) by at least 1024 bytes of header`);
  }
  if (!['error', 'warn', 'info', 'debug'].includes(cfg.logLevel as string)) throw new ConfigError(`logLevel must be error, warn, info or debug`);
  const ids = new Set<number>();
  for (const s of servers) {
    if (ids.has(s.id)) throw new ConfigError(`server.${s.id} is defined twice`);
    ids.add(s.id);
  }
  cfg.servers = servers.sort((a, b) => a.id - b.id);
  return Object.freeze(cfg as unknown as Config);
}

/** Reads `dataDir/myid` like ZooKeeper when the config names an ensemble and no id was given. */
export function readMyid(dataDir: string): number | undefined {
  try {
    const text = readFileSync(`${dataDir}/myid`, 'utf8').trim();
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 255) throw new ConfigError(`${dataDir}/myid must hold a server id in [1, 255], got '${text}'`);
    return n;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
