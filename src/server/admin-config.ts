// The admin endpoint's settings (buildConfig hands the admin.* keys here): ZooKeeper's AdminServer keys,
// with two differences that make an exposed endpoint safer. It listens on loopback unless told otherwise
// (ZooKeeper binds 0.0.0.0), and it can require a bearer token read from a file (admin.tokenFile).
import { assertNever } from '../../protocol/assert-never.js';
import { ConfigError, parseBoolean } from './config-values.js';

export interface AdminConfig {
  /** admin.enableServer (ZooKeeper's default: true). */
  enabled: boolean;
  address: string;
  /** 0 lets the OS pick (tests); ZooKeeper's default 8080. */
  port: number;
  /** The file whose contents (trimmed) every request but /health must carry as `Authorization: Bearer …`. */
  tokenFile: string | undefined;
  /** admin.idleTimeout: ms a connection may sit idle. */
  idleTimeoutMs: number;
  /** Admin connections open at once, counted from the TCP accept; more are closed at once. */
  maxConnections: number;
}

export const DEFAULT_ADMIN: AdminConfig = Object.freeze({
  enabled: true, address: '127.0.0.1', port: 8080, tokenFile: undefined, idleTimeoutMs: 30_000, maxConnections: 32,
});

/** ZooKeeper's names (zookeeper.admin.* as system properties) map to the same settings. */
const KEYS: Record<string, keyof AdminConfig> = {
  'admin.enableServer': 'enabled',
  'admin.serverAddress': 'address',
  'admin.serverPort': 'port',
  'admin.tokenFile': 'tokenFile',
  'admin.idleTimeout': 'idleTimeoutMs',
  'admin.maxConnections': 'maxConnections',
};

/** admin.commandURL is accepted only with ZooKeeper's value: tools and docs expect /commands. */
const COMMAND_URL_KEY = 'admin.commandURL';

export function isAdminKey(key: string): boolean {
  const bare = key.startsWith('zookeeper.') ? key.slice('zookeeper.'.length) : key;
  return Object.hasOwn(KEYS, bare) || bare === COMMAND_URL_KEY;
}

export type AdminSettings = Record<string, string | number | boolean>;

function integer(key: string, value: string | number | boolean, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got '${String(value).slice(0, 64)}'`);
  return n;
}

function text(key: string, value: string | number | boolean): string {
  const t = String(value).trim();
  if (t === '') throw new ConfigError(`${key} must not be empty`);
  return t;
}

export function buildAdminConfig(settings: AdminSettings): AdminConfig {
  const out: AdminConfig = { ...DEFAULT_ADMIN };
  for (const [rawKey, value] of Object.entries(settings)) {
    const key = rawKey.startsWith('zookeeper.') ? rawKey.slice('zookeeper.'.length) : rawKey;
    if (key === COMMAND_URL_KEY) {
      if (text(rawKey, value) !== '/commands') throw new ConfigError(`${rawKey} must be /commands (Canopy serves its commands there), got '${String(value).slice(0, 64)}'`);
      continue;
    }
    const field = KEYS[key];
    switch (field) {
      case 'enabled': out.enabled = parseBoolean(rawKey, value); break;
      case 'address': out.address = text(rawKey, value); break;
      case 'port': out.port = integer(rawKey, value, 0, 65535); break;
      case 'tokenFile': out.tokenFile = text(rawKey, value); break;
      case 'idleTimeoutMs': out.idleTimeoutMs = integer(rawKey, value, 100, 3_600_000); break;
      case 'maxConnections': out.maxConnections = integer(rawKey, value, 1, 10_000); break;
      case undefined: throw new ConfigError(`unknown configuration key '${rawKey.slice(0, 64)}'`);
      default: return assertNever(field, 'admin setting');
    }
  }
  return Object.freeze(out);
}
