// The server's one configuration path: zoo.cfg-style file, then yargs flags over it, then defaults.
// No other module reads process.env or argv.
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_DATA_BYTES, FRAME_HEADER_ALLOWANCE_BYTES } from '../../protocol/index.js';
import type { SanMapping, X509ProviderOptions } from '../replica/auth/x509.js';
import { ConfigError, parseBoolean } from './config-values.js';
import { NO_PEER_AUTH, buildPeerAuthConfig, isPeerAuthKey, type PeerAuthConfig, type PeerAuthSettings } from './peer-auth-config.js';
import { DEFAULT_STORAGE_CONFIG, buildStorageConfig, isStorageKey, type StorageConfig, type StorageSettings } from './storage-config.js';
import { ignoredKeyReason, type IgnoredSetting } from './ignored-keys.js';
import { DEFAULT_ADMIN, buildAdminConfig, isAdminKey, type AdminConfig, type AdminSettings } from './admin-config.js';
import { buildZkDoorConfig, isZkDoorKey, type ZkDoorConfig, type ZkDoorSettings } from './zk-door-config.js';
import { DEFAULT_FOUR_LETTER_WHITELIST, type FourLetterWord, FourLetterWhitelistError, parseFourLetterWhitelist } from '../admin/four-letter-words.js';

export { ConfigError };
export type { PeerAuthConfig, QuorumTlsFiles } from './peer-auth-config.js';
export type { StorageConfig } from './storage-config.js';
export type { AdminConfig } from './admin-config.js';
export type { ZkDoorConfig } from './zk-door-config.js';

export interface PeerAddress {
  id: number;
  host: string;
  /** A server listens for its peers on its own line's host:peerPort (or 0.0.0.0 with quorumListenOnAllIPs). */
  peerPort: number;
  /** Accepted for zoo.cfg compatibility and unused: Canopy carries election and broadcast on one peer port. */
  electionPort?: number;
}

/** One voting member as the replication layer sees it. */
/** `peerDial.N=host:port`: where this server dials peer N when that differs from N's own server.N address. */
export interface PeerDial {
  id: number;
  host: string;
  port: number;
}

export interface EnsembleMember {
  id: number;
  host: string;
  /** The member's peer port; 0 for a standalone server, which needs no peer listener. */
  port: number;
}

/** How the txn log and snapshots are kept in dataDir: LevelDB (dataDir/db) or segment files (dataDir/txnlog). */
export type TxnLogEngine = 'leveldb' | 'segments';
export const TXN_LOG_ENGINES: readonly TxnLogEngine[] = ['leveldb', 'segments'];
/** The setting: an engine, or auto (the engine dataDir already holds; segments for a new one). */
export type TxnLogEngineSetting = TxnLogEngine | 'auto';
export const TXN_LOG_ENGINE_SETTINGS: readonly TxnLogEngineSetting[] = ['auto', 'segments', 'leveldb'];

/** ZooKeeper's ssl.clientAuth: whether the secure client port asks for, or demands, a client certificate. */
export type ClientAuth = 'need' | 'want' | 'none';

/** ZooKeeper's ssl.* keys for client connections, PEM files only: every secure client door uses them. */
export interface ClientTlsSettings {
  /** ssl.keyStore.location: one PEM file with the server's private key and its certificate chain. */
  keyStoreFile: string;
  /** ssl.trustStore.location: PEM CA certificates that client certificates must chain to. */
  trustStoreFile: string | undefined;
  /** need (default, as in ZooKeeper): no handshake without a valid client certificate; want: one is optional, but an invalid one is refused. */
  clientAuth: ClientAuth;
  /** How a client certificate becomes an x509 id (ssl.clientCertId*, X509AuthenticationProvider.superUser). */
  x509: X509ProviderOptions;
}

/** The secure client port (wss): secureClientPort with the ssl.* settings. */
export interface ClientTlsConfig extends ClientTlsSettings {
  port: number;
  /** secureClientPortAddress, else clientPortAddress. */
  address: string;
}

export interface Config {
  serverId: number;
  dataDir: string;
  /** The storage engine; a data directory keeps the engine it was written with (the server refuses the other). */
  txnLogEngine: TxnLogEngineSetting;
  /** dataLogDir and autopurge.* (storage-config.ts). */
  storage: StorageConfig;
  /** The plain (ws) client port; undefined when only secureClientPort is configured, as in ZooKeeper. */
  clientPort: number | undefined;
  clientPortAddress: string;
  /** Undefined without secureClientPort. */
  clientTls: ClientTlsConfig | undefined;
  /** ZooKeeper's own client protocol (jute over TCP) on zkClientPort; off by default (zk-door-config.ts). */
  zkDoor: ZkDoorConfig;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  /** Txns between snapshots (each server picks a point in [snapCount/2, snapCount) to spread them out). */
  snapCount: number;
  maxDataBytes: number;
  maxFrameBytes: number;
  /** Client-port sockets per remote address, counted from the TCP accept (0 = unlimited). */
  maxClientCnxns: number;
  /** Client-port sockets in total, counted from the TCP accept (0 = only the file-descriptor reserve bounds them). */
  maxCnxns: number;
  /** From the TCP accept to the client's ConnectRequest: a socket slower than this is closed. */
  clientHandshakeTimeoutMs: number;
  /** File descriptors kept free for storage and peer links: client sockets beyond the process limit minus this are refused. */
  fdReserve: number;
  /** Browser origins allowed to open a WebSocket ('*' for any); a request with no Origin header is not a browser's. */
  allowedOrigins: string[];
  /** Unsent answer bytes one connection may hold before it is closed as a slow consumer. */
  maxClientOutputBytes: number;
  /** Requests in flight across all connections before the server stops reading from sockets (ZooKeeper's name). */
  globalOutstandingLimit: number;
  /** Request bytes in flight across all connections before the server stops reading from sockets. */
  globalOutstandingBytes: number;
  /** Requests one session may have waiting before further ones fail with THROTTLEDOP. */
  maxOutstandingPerSession: number;
  /** Watches one session may hold. */
  maxWatchesPerSession: number;
  /**
   * Writes past a quota's hard limit (countHardLimit, byteHardLimit) are refused with QUOTAEXCEEDED. On by
   * default, unlike ZooKeeper's zookeeper.enforceQuota: a hard limit is set to refuse. Off, they are logged.
   */
  enforceQuota: boolean;
  /** How often container and TTL nodes are checked for cleanup. */
  containerCheckIntervalMs: number;
  /** Most container/TTL nodes deleted per check. */
  containerMaxPerCheck: number;
  logLevel: string;
  /** Committed txns a leader keeps in memory to bring a lagging follower up to date with DIFF; further behind gets SNAP. */
  historyTxnsMax: number;
  /** Bytes of committed txns a leader keeps in memory for the same purpose. */
  historyBytesMax: number;
  /** Listen for peers on every interface (0.0.0.0) instead of this server's own server.N host (containers need it). */
  quorumListenOnAllIPs: boolean;
  /** `user:base64(sha1(user:password))`: a digest auth that hashes to it is a super user ('' = none). */
  superDigest: string;
  /** enforce.auth.enabled: connections must authenticate with one of enforceAuthSchemes before anything else. */
  enforceAuthEnabled: boolean;
  enforceAuthSchemes: string[];
  /** The ensemble's voting members (server.N lines), sorted by id; empty for a standalone server. */
  servers: PeerAddress[];
  /**
   * Dial addresses for some peers (port forwards, NAT, a fault-injection proxy). They change only where this
   * server connects, never the membership: the ensemble id still comes from the server.N lines.
   */
  peerDial: PeerDial[];
  /** How peers prove they are members (sslQuorum and ssl.quorum.*, quorum.auth.secretFile): file paths, read at start. */
  peerAuth: PeerAuthConfig;
  /** 4lw.commands.whitelist: the four-letter words the client ports answer (srvr always). */
  fourLetterWords: ReadonlySet<FourLetterWord>;
  /** The admin HTTP endpoint (admin.*): /commands, /health, /metrics. */
  admin: AdminConfig;
  /** ZooKeeper settings given that have no effect here: logged at start. */
  ignoredSettings: readonly IgnoredSetting[];
}

export const DEFAULTS: Readonly<Omit<Config, 'minSessionTimeout' | 'maxSessionTimeout'>> = Object.freeze({
  serverId: 1,
  dataDir: './canopy-data',
  txnLogEngine: 'auto',
  storage: DEFAULT_STORAGE_CONFIG,
  clientPort: 2181,
  clientPortAddress: '127.0.0.1',
  clientTls: undefined,
  zkDoor: Object.freeze({ port: undefined, address: '127.0.0.1', secure: undefined }),
  tickTime: 2000,
  initLimit: 10,
  syncLimit: 5,
  snapCount: 100_000,
  maxDataBytes: DEFAULT_MAX_DATA_BYTES,
  maxFrameBytes: DEFAULT_MAX_DATA_BYTES + FRAME_HEADER_ALLOWANCE_BYTES,
  maxClientCnxns: 60,
  maxCnxns: 2000,
  clientHandshakeTimeoutMs: 5000,
  fdReserve: 256,
  allowedOrigins: [],
  maxClientOutputBytes: 4 * 1024 * 1024,
  globalOutstandingLimit: 1000,
  globalOutstandingBytes: 64 * 1024 * 1024,
  maxOutstandingPerSession: 1000,
  maxWatchesPerSession: 100_000,
  enforceQuota: true,
  containerCheckIntervalMs: 60_000,
  containerMaxPerCheck: 10_000,
  logLevel: 'info',
  historyTxnsMax: 20_000,
  historyBytesMax: 64 * 1024 * 1024,
  quorumListenOnAllIPs: false,
  superDigest: '',
  enforceAuthEnabled: false,
  enforceAuthSchemes: [],
  servers: [],
  peerDial: [],
  peerAuth: NO_PEER_AUTH,
  fourLetterWords: DEFAULT_FOUR_LETTER_WHITELIST,
  admin: DEFAULT_ADMIN,
  ignoredSettings: [],
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
  maxCnxns: [0, 1_000_000],
  clientHandshakeTimeoutMs: [100, 600_000],
  fdReserve: [16, 1_000_000],
  maxClientOutputBytes: [64 * 1024, 1024 * 1024 * 1024],
  globalOutstandingLimit: [1, 10_000_000],
  globalOutstandingBytes: [64 * 1024, 16 * 1024 * 1024 * 1024],
  maxOutstandingPerSession: [1, 1_000_000],
  maxWatchesPerSession: [1, 100_000_000],
  containerCheckIntervalMs: [10, 86_400_000],
  containerMaxPerCheck: [1, 10_000_000],
  historyTxnsMax: [100, 10_000_000],
  historyBytesMax: [1024 * 1024, 64 * 1024 * 1024 * 1024],
};
const STRING_KEYS = new Set(['dataDir', 'clientPortAddress', 'logLevel']);
/** Keys whose value is one of a few words. */
const CHOICE_KEYS: Record<string, readonly string[]> = { txnLogEngine: TXN_LOG_ENGINE_SETTINGS };
const BOOLEAN_KEYS = new Set(['quorumListenOnAllIPs', 'enforceAuthEnabled', 'enforceQuota']);
const LIST_KEYS = new Set(['allowedOrigins', 'enforceAuthSchemes']);
/** Keys whose value may be empty (unset). */
const OPTIONAL_STRING_KEYS = new Set(['superDigest']);
/** ZooKeeper's names for the same settings. */
const ALIASES: Record<string, string> = {
  'jute.maxbuffer': 'maxDataBytes',
  'znode.container.checkIntervalMs': 'containerCheckIntervalMs',
  'znode.container.maxPerMinute': 'containerMaxPerCheck',
  myid: 'serverId',
  'DigestAuthenticationProvider.superDigest': 'superDigest',
  'zookeeper.DigestAuthenticationProvider.superDigest': 'superDigest',
  'enforce.auth.enabled': 'enforceAuthEnabled',
  'enforce.auth.schemes': 'enforceAuthSchemes',
  'zookeeper.enforceQuota': 'enforceQuota',
};
const FOUR_LETTER_WHITELIST_KEY = '4lw.commands.whitelist';
const FOUR_LETTER_WHITELIST_ALIASES = new Set([FOUR_LETTER_WHITELIST_KEY, 'zookeeper.4lw.commands.whitelist']);

export type RawSettings = Record<string, string | number | boolean | undefined>;

/** Parses zoo.cfg text: `key=value` lines, '#' comments, `server.N=host:peerPort[:electionPort]`, `peerDial.N=host:port`. */
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

/** Splits `host:port...`, where host may be a bracketed IPv6 address (`[::1]:2888`). */
function splitHostPorts(key: string, value: string): string[] {
  if (!value.startsWith('[')) return value.split(':');
  const close = value.indexOf(']');
  if (close < 0 || value[close + 1] !== ':') throw new ConfigError(`${key}: expected [ipv6]:peerPort[:electionPort], got '${value}'`);
  return [value.slice(1, close), ...value.slice(close + 2).split(':')];
}

function parsePeerDial(key: string, value: string): PeerDial {
  const id = Number(key.slice('peerDial.'.length));
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new ConfigError(`${key}: server id must be an integer in [1, 255]`);
  const parts = splitHostPorts(key, value.trim());
  const [host, port] = parts.map((p) => p.trim());
  const n = Number(port);
  if (parts.length !== 2 || host === undefined || host === '' || port === '' || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(`${key}: expected host:port, got '${value}'`);
  }
  return { id, host, port: n };
}

function parseServerLine(key: string, value: string): PeerAddress {
  const id = Number(key.slice('server.'.length));
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new ConfigError(`${key}: server id must be an integer in [1, 255]`);
  const hostPorts = splitHostPorts(key, value.split(';')[0]!.trim());
  if (hostPorts.length < 2) throw new ConfigError(`${key}: expected host:peerPort[:electionPort], got '${value}'`);
  const [host, peer, election, role] = hostPorts.map((p) => p.trim());
  if (host === undefined || host === '') throw new ConfigError(`${key}: host must not be empty, got '${value}'`);
  if (election === 'observer' || role === 'observer') throw new ConfigError(`${key}: observers are not supported; every server.N line is a voting member`);
  const port = (s: string | undefined, what: string): number => {
    const n = Number(s);
    if (s === '' || !Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${key}: ${what} must be a port number, got '${s}'`);
    return n;
  };
  const addr: PeerAddress = { id, host, peerPort: port(peer, 'peerPort') };
  if (election !== undefined && election !== '' && election !== 'participant') addr.electionPort = port(election, 'electionPort');
  return addr;
}

/** Stores one non-server setting into cfg after checking its type and range. */
function setKey(cfg: Record<string, unknown>, rawKey: string, value: string | number | boolean): void {
  // Own properties only: a key such as 'constructor' must not find Object.prototype's.
  const key = Object.hasOwn(ALIASES, rawKey) ? ALIASES[rawKey]! : rawKey;
  const ignored = ignoredKeyReason(key);
  if (ignored !== undefined) {
    (cfg.ignoredSettings as IgnoredSetting[]).push({ key: rawKey, reason: ignored });
    return;
  }
  const range = Object.hasOwn(NUMERIC_KEYS, key) ? NUMERIC_KEYS[key] : undefined;
  if (range !== undefined) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
      throw new ConfigError(`${rawKey} must be an integer in [${range[0]}, ${range[1]}], got '${value}'`);
    }
    cfg[key] = n;
  } else if (Object.hasOwn(CHOICE_KEYS, key)) {
    const choices = CHOICE_KEYS[key]!;
    const word = String(value).trim();
    if (!choices.includes(word)) throw new ConfigError(`${rawKey} must be ${choices.slice(0, -1).join(', ')}${choices.length > 1 ? ' or ' : ''}${choices[choices.length - 1]}, got '${word.slice(0, 64)}'`);
    cfg[key] = word;
  } else if (BOOLEAN_KEYS.has(key)) {
    cfg[key] = parseBoolean(rawKey, value);
  } else if (LIST_KEYS.has(key)) {
    cfg[key] = String(value).split(',').map((v) => v.trim()).filter((v) => v !== '');
  } else if (OPTIONAL_STRING_KEYS.has(key)) {
    cfg[key] = String(value).trim();
  } else if (STRING_KEYS.has(key)) {
    if (String(value).length === 0) throw new ConfigError(`${rawKey} must not be empty`);
    cfg[key] = String(value);
  } else {
    throw new ConfigError(`unknown configuration key '${rawKey}'`);
  }
}

// ---- the secure client port: secureClientPort and ZooKeeper's ssl.* keys for client connections ----
// (ssl.quorum.* is the peer links' business, not read here.)

const CLIENT_TLS_KEYS: ReadonlySet<string> = new Set([
  'secureClientPort', 'secureClientPortAddress', 'ssl.keyStore.location', 'ssl.keyStore.type', 'ssl.trustStore.location',
  'ssl.trustStore.type', 'ssl.clientAuth', 'ssl.clientCertIdType', 'ssl.clientCertIdSanMatchType', 'ssl.clientCertIdSanMatchRegex',
  'ssl.clientCertIdSanExtractRegex', 'ssl.clientCertIdSanExtractMatcherGroupIndex', 'X509AuthenticationProvider.superUser',
  'zookeeper.X509AuthenticationProvider.superUser',
]);
const TLS_ALIASES: Record<string, string> = { 'zookeeper.X509AuthenticationProvider.superUser': 'X509AuthenticationProvider.superUser' };
/** Longest regex accepted in ssl.clientCertIdSan*Regex. */
const CONFIG_REGEX_CHARS_MAX = 1024;

function tlsText(tls: ReadonlyMap<string, string | number | boolean>, key: string): string | undefined {
  const value = tls.get(key);
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (text === '') throw new ConfigError(`${key} must not be empty`);
  return text;
}

function tlsInteger(tls: ReadonlyMap<string, string | number | boolean>, key: string, min: number, max: number): number | undefined {
  const text = tlsText(tls, key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got '${text}'`);
  return n;
}

function configRegex(key: string, source: string): RegExp {
  if (source.length > CONFIG_REGEX_CHARS_MAX) throw new ConfigError(`${key} is longer than ${CONFIG_REGEX_CHARS_MAX} characters`);
  try {
    return new RegExp(source);
  } catch (e) {
    throw new ConfigError(`${key} is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** The SAN mapping of ssl.clientCertIdType=SAN (LinkedIn's ZooKeeper keys), or undefined for the subject. */
function sanMapping(tls: ReadonlyMap<string, string | number | boolean>): SanMapping | undefined {
  const idType = tlsText(tls, 'ssl.clientCertIdType')?.toUpperCase() ?? 'SDN';
  const sanKeys = ['ssl.clientCertIdSanMatchType', 'ssl.clientCertIdSanMatchRegex', 'ssl.clientCertIdSanExtractRegex', 'ssl.clientCertIdSanExtractMatcherGroupIndex'];
  if (idType === 'SDN') {
    const stray = sanKeys.find((k) => tls.has(k));
    if (stray !== undefined) throw new ConfigError(`${stray} needs ssl.clientCertIdType=SAN`);
    return undefined;
  }
  if (idType !== 'SAN') throw new ConfigError(`ssl.clientCertIdType must be SAN or SDN (the subject, the default), got '${idType}'`);
  const type = tlsInteger(tls, 'ssl.clientCertIdSanMatchType', 0, 8);
  if (type === undefined) throw new ConfigError('ssl.clientCertIdType=SAN needs ssl.clientCertIdSanMatchType (1 email, 2 DNS, 4 directory name, 6 URI, 7 IP address, 8 registered id)');
  const matchRegex = configRegex('ssl.clientCertIdSanMatchRegex', tlsText(tls, 'ssl.clientCertIdSanMatchRegex') ?? '.*');
  const extractRegex = configRegex('ssl.clientCertIdSanExtractRegex', tlsText(tls, 'ssl.clientCertIdSanExtractRegex') ?? '.*');
  const groupIndex = tlsInteger(tls, 'ssl.clientCertIdSanExtractMatcherGroupIndex', 0, 99) ?? 0;
  // An alternation with the empty regex always matches, so its result has one slot per group of the other side.
  const groups = new RegExp(`(?:${extractRegex.source})|`).exec('')!.length - 1;
  if (groupIndex > groups) throw new ConfigError(`ssl.clientCertIdSanExtractMatcherGroupIndex is ${groupIndex} but ssl.clientCertIdSanExtractRegex has ${groups} groups`);
  return { type, matchRegex, extractRegex, groupIndex };
}

function pemOnly(tls: ReadonlyMap<string, string | number | boolean>, key: string): void {
  const type = tlsText(tls, key);
  if (type !== undefined && type.toUpperCase() !== 'PEM') throw new ConfigError(`${key} must be PEM (Canopy reads PEM files only), got '${type}'`);
}

/**
 * The ssl.* settings, or undefined when no secure door (secureClientPort, zkSecureClientPort) is configured,
 * when no ssl.* key may be set either. `doors` are the keys of the secure doors configured.
 */
function clientTlsSettings(tls: ReadonlyMap<string, string | number | boolean>, doors: readonly string[]): ClientTlsSettings | undefined {
  if (doors.length === 0) {
    const stray = [...tls.keys()][0];
    if (stray !== undefined) throw new ConfigError(`${stray} is set but secureClientPort is not (nor zkSecureClientPort)`);
    return undefined;
  }
  pemOnly(tls, 'ssl.keyStore.type');
  pemOnly(tls, 'ssl.trustStore.type');
  const keyStoreFile = tlsText(tls, 'ssl.keyStore.location');
  if (keyStoreFile === undefined) throw new ConfigError(`${doors[0]} needs ssl.keyStore.location: a PEM file with the server's private key and certificate chain`);
  const clientAuth = (tlsText(tls, 'ssl.clientAuth') ?? 'need').toLowerCase();
  if (clientAuth !== 'need' && clientAuth !== 'want' && clientAuth !== 'none') throw new ConfigError(`ssl.clientAuth must be need, want or none, got '${clientAuth}'`);
  const trustStoreFile = tlsText(tls, 'ssl.trustStore.location');
  if (clientAuth !== 'none' && trustStoreFile === undefined) {
    throw new ConfigError(`ssl.clientAuth=${clientAuth} needs ssl.trustStore.location (the CA certificates client certificates must chain to), or set ssl.clientAuth=none`);
  }
  const superUser = tlsText(tls, 'X509AuthenticationProvider.superUser');
  const san = sanMapping(tls);
  return { keyStoreFile, trustStoreFile, clientAuth, x509: { ...(superUser !== undefined ? { superUser } : {}), ...(san !== undefined ? { san } : {}) } };
}

/** The wss port's settings, or undefined without secureClientPort. */
function clientTlsConfig(tls: ReadonlyMap<string, string | number | boolean>, clientPortAddress: string, settings: ClientTlsSettings | undefined): ClientTlsConfig | undefined {
  const port = tlsInteger(tls, 'secureClientPort', 0, 65535);
  if (port === undefined) {
    if (tls.has('secureClientPortAddress')) throw new ConfigError('secureClientPortAddress is set but secureClientPort is not');
    return undefined;
  }
  return { port, address: tlsText(tls, 'secureClientPortAddress') ?? clientPortAddress, ...settings! };
}

/** The ssl.* settings every secure client door uses, or undefined when there is none. */
export function clientTlsSettingsOf(config: Readonly<Config>): ClientTlsSettings | undefined {
  return config.clientTls ?? config.zkDoor.secure?.tls;
}

/** The client ports this server listens on, with the key that configures each. */
export function clientDoors(config: Readonly<Config>): Array<{ key: string; address: string; port: number }> {
  const doors: Array<{ key: string; address: string; port: number }> = [];
  if (config.clientPort !== undefined) doors.push({ key: 'clientPort', address: config.clientPortAddress, port: config.clientPort });
  if (config.clientTls !== undefined) doors.push({ key: 'secureClientPort', address: config.clientTls.address, port: config.clientTls.port });
  if (config.zkDoor.port !== undefined) doors.push({ key: 'zkClientPort', address: config.zkDoor.address, port: config.zkDoor.port });
  if (config.zkDoor.secure !== undefined) doors.push({ key: 'zkSecureClientPort', address: config.zkDoor.secure.address, port: config.zkDoor.secure.port });
  return doors;
}

function validateClientPorts(config: Readonly<Config>): void {
  const doors = clientDoors(config);
  for (const [i, a] of doors.entries()) {
    for (const b of doors.slice(i + 1)) {
      if (a.port === 0 || a.port !== b.port) continue;
      if (a.address === b.address || isWildcard(a.address) || isWildcard(b.address)) throw new ConfigError(`${a.key} and ${b.key} are both ${a.port} on ${b.address}`);
    }
  }
}

export interface BuildOptions {
  /**
   * Whether this server's id was given (myid file, --myid, serverId). When false and the config names an
   * ensemble, building fails with a message saying how to give it. Default true: callers that build a
   * Config by hand get the id default (1) checked against the server.N lines like any other id.
   */
  idGiven?: boolean;
}

/** Builds a validated Config from raw settings (file values overridden by flags). Unknown keys are errors. */
export function buildConfig(raw: RawSettings, opts: BuildOptions = {}): Readonly<Config> {
  const cfg: Record<string, unknown> = { ...DEFAULTS, servers: [], ignoredSettings: [] };
  const servers: PeerAddress[] = [];
  const peerDial: PeerDial[] = [];
  const tlsRaw = new Map<string, string | number | boolean>();
  const peerAuth: PeerAuthSettings = {};
  const storage: StorageSettings = {};
  const admin: AdminSettings = {};
  const zkDoor: ZkDoorSettings = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (rawKey.startsWith('server.')) servers.push(parseServerLine(rawKey, String(value)));
    else if (rawKey.startsWith('peerDial.')) peerDial.push(parsePeerDial(rawKey, String(value)));
    else if (CLIENT_TLS_KEYS.has(rawKey)) tlsRaw.set(TLS_ALIASES[rawKey] ?? rawKey, value);
    else if (isPeerAuthKey(rawKey)) peerAuth[rawKey] = value;
    else if (isStorageKey(rawKey)) storage[rawKey] = value;
    else if (isAdminKey(rawKey)) admin[rawKey] = value;
    else if (isZkDoorKey(rawKey)) zkDoor[rawKey] = value;
    else if (FOUR_LETTER_WHITELIST_ALIASES.has(rawKey)) cfg.fourLetterWords = fourLetterWords(String(value));
    else setKey(cfg, rawKey, value);
  }
  const secureDoors = [...(tlsRaw.has('secureClientPort') ? ['secureClientPort'] : []), ...(zkDoor.zkSecureClientPort !== undefined ? ['zkSecureClientPort'] : [])];
  const tlsSettings = clientTlsSettings(tlsRaw, secureDoors);
  cfg.clientTls = clientTlsConfig(tlsRaw, cfg.clientPortAddress as string, tlsSettings);
  // As in ZooKeeper: with a secure port and no clientPort, only the secure port serves.
  if (cfg.clientTls !== undefined && raw.clientPort === undefined) cfg.clientPort = undefined;
  cfg.peerAuth = buildPeerAuthConfig(peerAuth);
  cfg.storage = buildStorageConfig(storage, cfg.dataDir as string, cfg.txnLogEngine as string);
  cfg.admin = buildAdminConfig(admin);
  cfg.zkDoor = buildZkDoorConfig(zkDoor, cfg.clientPortAddress as string, tlsSettings);
  deriveFrameLimits(cfg, raw);
  const tick = cfg.tickTime as number;
  cfg.minSessionTimeout ??= 2 * tick;
  cfg.maxSessionTimeout ??= 20 * tick;
  if ((cfg.minSessionTimeout as number) > (cfg.maxSessionTimeout as number)) {
    throw new ConfigError(`minSessionTimeout (${cfg.minSessionTimeout}) must not exceed maxSessionTimeout (${cfg.maxSessionTimeout})`);
  }
  if ((cfg.maxFrameBytes as number) < (cfg.maxDataBytes as number) + 1024) {
    throw new ConfigError(`maxFrameBytes (${cfg.maxFrameBytes}) must exceed maxDataBytes (${cfg.maxDataBytes}) by at least 1024 bytes of header`);
  }
  if ((cfg.maxClientOutputBytes as number) < 2 * (cfg.maxFrameBytes as number)) {
    throw new ConfigError(`maxClientOutputBytes (${cfg.maxClientOutputBytes}) must be at least twice maxFrameBytes (${cfg.maxFrameBytes}): answers are held back at half of it, and one more frame must fit`);
  }
  if ((cfg.globalOutstandingBytes as number) < (cfg.maxFrameBytes as number)) {
    throw new ConfigError(`globalOutstandingBytes (${cfg.globalOutstandingBytes}) must be at least maxFrameBytes (${cfg.maxFrameBytes})`);
  }
  for (const origin of cfg.allowedOrigins as string[]) {
    if (origin !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) throw new ConfigError(`allowedOrigins: '${origin}' is not an origin like https://app.example.com (scheme://host[:port], no path)`);
  }
  validateAuthSettings(cfg.superDigest as string, cfg.enforceAuthEnabled as boolean, cfg.enforceAuthSchemes as string[]);
  if (!['error', 'warn', 'info', 'debug'].includes(cfg.logLevel as string)) throw new ConfigError(`logLevel must be error, warn, info or debug`);
  const ids = new Set<number>();
  for (const s of servers) {
    if (ids.has(s.id)) throw new ConfigError(`server.${s.id} is defined twice`);
    ids.add(s.id);
  }
  cfg.servers = servers.sort((a, b) => a.id - b.id);
  cfg.peerDial = peerDial.sort((a, b) => a.id - b.id);
  const config = Object.freeze(cfg as unknown as Config);
  validateEnsemble(config, opts.idGiven ?? true);
  return config;
}

/** Whether the settings name key or one of its aliases. */
function given(raw: RawSettings, key: string): boolean {
  if (raw[key] !== undefined) return true;
  return Object.entries(ALIASES).some(([alias, target]) => target === key && raw[alias] !== undefined);
}

/**
 * Limits that follow maxDataBytes unless given: a frame holds the data plus header room, a connection may
 * hold two frames of unsent answers, and the global budget holds at least one frame. So raising
 * jute.maxbuffer alone starts a server (the checks in buildConfig still hold for values given by hand).
 */
function deriveFrameLimits(cfg: Record<string, unknown>, raw: RawSettings): void {
  const data = cfg.maxDataBytes as number;
  if (!given(raw, 'maxFrameBytes')) cfg.maxFrameBytes = Math.max(DEFAULTS.maxFrameBytes, data + FRAME_HEADER_ALLOWANCE_BYTES);
  const frame = cfg.maxFrameBytes as number;
  if (!given(raw, 'maxClientOutputBytes')) cfg.maxClientOutputBytes = Math.max(DEFAULTS.maxClientOutputBytes, 2 * frame);
  if (!given(raw, 'globalOutstandingBytes')) cfg.globalOutstandingBytes = Math.max(DEFAULTS.globalOutstandingBytes, frame);
}

function fourLetterWords(text: string): ReadonlySet<FourLetterWord> {
  try {
    return parseFourLetterWhitelist(text);
  } catch (e) {
    if (e instanceof FourLetterWhitelistError) throw new ConfigError(e.message);
    throw e;
  }
}

/** A digest id as DigestAuthenticationProvider.generateDigest prints it: user, ':', base64 of a SHA-1. */
const DIGEST_ID = /^[^:\s]+:[A-Za-z0-9+/]{27}=$/;
const SCHEME_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

function validateAuthSettings(superDigest: string, enforce: boolean, schemes: readonly string[]): void {
  if (superDigest !== '' && !DIGEST_ID.test(superDigest)) {
    throw new ConfigError('superDigest must look like super:<base64 sha1> (as DigestAuthenticationProvider.generateDigest prints it)');
  }
  for (const scheme of schemes) {
    if (!SCHEME_NAME.test(scheme)) throw new ConfigError(`enforce.auth.schemes: '${scheme.slice(0, 64)}' is not a scheme name`);
  }
  if (enforce && schemes.length === 0) throw new ConfigError('enforce.auth.enabled needs enforce.auth.schemes (e.g. digest or x509)');
}

/** `server.1..3` for contiguous ids, else `server.1, server.4`. */
function describeServers(servers: readonly PeerAddress[]): string {
  const ids = servers.map((s) => s.id);
  const contiguous = ids.every((id, i) => id === ids[0]! + i);
  if (ids.length > 1 && contiguous) return `server.${ids[0]}..${ids[ids.length - 1]}`;
  return ids.map((id) => `server.${id}`).join(', ');
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]';
}

/**
 * Checks that a config naming an ensemble (server.N lines) is one this server can join: its id is given and
 * is one of the lines, and no peer port collides with the client port on the same address. A config without
 * server lines is a standalone server and always passes.
 */
export function validateEnsemble(config: Readonly<Config>, idGiven: boolean): void {
  validateClientPorts(config);
  const servers = config.servers;
  const dialIds = new Set<number>();
  for (const d of config.peerDial) {
    if (dialIds.has(d.id)) throw new ConfigError(`peerDial.${d.id} is defined twice`);
    dialIds.add(d.id);
    if (!servers.some((s) => s.id === d.id)) throw new ConfigError(`peerDial.${d.id} names no server.${d.id} line`);
    if (d.id === config.serverId) throw new ConfigError(`peerDial.${d.id} is this server's own id: it never dials itself`);
  }
  if (servers.length === 0) return;
  if (!idGiven) {
    throw new ConfigError(`this config names an ensemble (${describeServers(servers)}): write this server's id to ${config.dataDir}/myid or pass --myid`);
  }
  if (!servers.some((s) => s.id === config.serverId)) {
    throw new ConfigError(`myid ${config.serverId} is not among server.N lines (${servers.map((s) => s.id).join(', ')})`);
  }
  const endpoints = new Map<string, number>();
  for (const s of servers) {
    const endpoint = `${s.host}:${s.peerPort}`;
    const other = endpoints.get(endpoint);
    if (other !== undefined) throw new ConfigError(`server.${other} and server.${s.id} both use peer address ${endpoint}`);
    endpoints.set(endpoint, s.id);
    for (const door of clientDoors(config)) {
      const ownListenerOverlaps = s.id === config.serverId && (isWildcard(door.address) || config.quorumListenOnAllIPs);
      if (s.peerPort === door.port && (s.host === door.address || ownListenerOverlaps)) {
        throw new ConfigError(`server.${s.id}: peerPort ${s.peerPort} is also ${door.key} on ${door.address}`);
      }
    }
  }
}

/**
 * The voting members, sorted by id, with their peer ports. A standalone server (no server.N lines) is an
 * ensemble of one: itself, on its client address, with no peer port.
 */
export function ensembleMembers(config: Readonly<Config>): EnsembleMember[] {
  if (config.servers.length === 0) return [{ id: config.serverId, host: config.clientPortAddress, port: 0 }];
  return config.servers.map((s) => ({ id: s.id, host: s.host, port: s.peerPort }));
}

/** Where this server listens for peers; undefined for a standalone server. */
export function peerListenAddress(config: Readonly<Config>): { host: string; port: number } | undefined {
  const own = config.servers.find((s) => s.id === config.serverId);
  if (own === undefined) return undefined;
  return { host: config.quorumListenOnAllIPs ? '0.0.0.0' : own.host, port: own.peerPort };
}

/** The warning main logs for an even-sized ensemble, or undefined. */
export function ensembleSizeWarning(config: Readonly<Config>): string | undefined {
  const n = config.servers.length;
  if (n === 0 || n % 2 === 1) return undefined;
  return `an ensemble of ${n} tolerates no more failures than one of ${n - 1}`;
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
