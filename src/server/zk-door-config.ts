// The ZooKeeper door's settings (buildConfig hands these keys here): the TCP port on which ZooKeeper's own
// clients (jute frames) connect. It is off unless zkClientPort is given. Its default is not ZooKeeper's
// 2181 because the WebSocket door already has that port; an operator moving ZooKeeper clients over picks a
// free one (or moves the WebSocket door with clientPort). zkSecureClientPort is the same door over TLS, with
// the ssl.* settings of every secure client door (ZooKeeper's own secureClientPort is the wss port here).
import { ConfigError } from './config-values.js';
import type { ClientTlsSettings } from './config.js';

export interface ZkDoorConfig {
  /** zkClientPort; undefined (the default) leaves the door shut. 0 lets the OS pick (tests). */
  port: number | undefined;
  /** zkClientPortAddress, else clientPortAddress. */
  address: string;
  /** zkSecureClientPort: undefined (the default) leaves the TLS door shut. */
  secure: ZkSecureDoorConfig | undefined;
}

export interface ZkSecureDoorConfig {
  /** 0 lets the OS pick (tests). */
  port: number;
  /** zkSecureClientPortAddress, else zkClientPortAddress, else clientPortAddress. */
  address: string;
  tls: ClientTlsSettings;
}

export const ZK_DOOR_KEYS: ReadonlySet<string> = new Set(['zkClientPort', 'zkClientPortAddress', 'zkSecureClientPort', 'zkSecureClientPortAddress']);

export function isZkDoorKey(key: string): boolean {
  return ZK_DOOR_KEYS.has(key);
}

export type ZkDoorSettings = Record<string, string | number | boolean>;

const VALUE_CHARS_SHOWN = 64;

function port(key: string, value: string | number | boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${key} must be an integer in [0, 65535], got '${String(value).slice(0, VALUE_CHARS_SHOWN)}'`);
  return n;
}

function address(key: string, value: string | number | boolean): string {
  const text = String(value).trim();
  if (text === '') throw new ConfigError(`${key} must not be empty`);
  return text;
}

/**
 * The door's settings; clientPortAddress is where it listens unless zkClientPortAddress says otherwise.
 * `tls` is the ssl.* settings, present when zkSecureClientPort (or secureClientPort) is set.
 */
export function buildZkDoorConfig(settings: ZkDoorSettings, clientPortAddress: string, tls: ClientTlsSettings | undefined): ZkDoorConfig {
  const given = settings.zkClientPort;
  const at = settings.zkClientPortAddress;
  if (given === undefined && at !== undefined) throw new ConfigError('zkClientPortAddress is set but zkClientPort is not');
  const plainAddress = at === undefined ? clientPortAddress : address('zkClientPortAddress', at);
  const secureGiven = settings.zkSecureClientPort;
  const secureAt = settings.zkSecureClientPortAddress;
  if (secureGiven === undefined && secureAt !== undefined) throw new ConfigError('zkSecureClientPortAddress is set but zkSecureClientPort is not');
  // buildConfig reads the ssl.* keys whenever zkSecureClientPort is set, and refuses a config without them.
  const secure = secureGiven === undefined || tls === undefined ? undefined : Object.freeze({
    port: port('zkSecureClientPort', secureGiven),
    address: secureAt === undefined ? plainAddress : address('zkSecureClientPortAddress', secureAt),
    tls,
  });
  return Object.freeze({ port: given === undefined ? undefined : port('zkClientPort', given), address: plainAddress, secure });
}
