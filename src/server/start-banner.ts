// What canopy-server logs once it has started: its version, the configuration it runs with (defaults
// filled in, so an operator never has to guess one), and the command that reaches it. A secret never
// reaches the log: values whose key names a password, digest, token or secret are replaced by "(set)";
// the paths of files that hold secrets are shown, their contents are not read here.
import type { Config } from './config.js';

/** One logger line: a message and its structured fields. */
export interface BannerLine {
  message: string;
  meta?: Record<string, BannerValue>;
}

export type BannerValue = string | number | boolean | null | BannerValue[];

export interface StartBannerInput {
  version: string;
  config: Readonly<Config>;
  /** The bound plain client port (0: none), which differs from config.clientPort when that is 0. */
  port: number;
  /** The bound secure client port (0: none). */
  securePort: number;
}

/** Shown instead of a secret's value. */
export const REDACTED = '(set)';
/** Longest string value shown; longer ones are cut (a config value can be a long list of origins). */
export const VALUE_CHARS_MAX = 256;
/** Most entries of one list shown. */
export const LIST_ENTRIES_MAX = 32;
/** Most keys shown: the config has a fixed shape, so this only guards against a cycle or a runaway object. */
const KEYS_MAX = 256;
const DEPTH_MAX = 4;

/** A key whose value is a secret, unless it names where the secret is kept (a file or path). */
const SECRET_KEY = /password|passphrase|digest|secret|token|credential/i;
const LOCATION_KEY = /(File|Path|Location)$/;
/** Text that can stand in a log message as it is: no spaces, quotes or control characters. */
const PLAIN_TOKEN = /^[A-Za-z0-9._:%+-]{1,128}$/;
const WILDCARD_ADDRESSES: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1', '': '127.0.0.1' };

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !LOCATION_KEY.test(key);
}

/** The lines to log, in order: version, configuration, one "connect with" per client port. */
export function startBanner(input: StartBannerInput): BannerLine[] {
  const lines: BannerLine[] = [
    { message: `canopy-server ${plainToken(input.version)}`, meta: { version: input.version, node: process.version } },
    { message: 'configuration', meta: flattenConfig(input.config) },
  ];
  for (const hint of connectHints(input)) lines.push({ message: `connect with: ${hint}` });
  return lines;
}

/** `canopy-cli -server …` for each port the server serves clients on. */
export function connectHints(input: StartBannerInput): string[] {
  const hints: string[] = [];
  const c = input.config;
  if (c.clientPort !== undefined && input.port > 0) {
    hints.push(`canopy-cli -server ${hostPort(c.clientPortAddress, input.port)}`);
  }
  if (c.clientTls !== undefined && input.securePort > 0) {
    // With clientAuth=need the handshake fails without a certificate, so the hint says which flags to add.
    const certificate = c.clientTls.clientAuth === 'need' ? ' --cert FILE --key FILE' : '';
    hints.push(`canopy-cli -server wss://${hostPort(c.clientTls.address, input.securePort)}${certificate}`);
  }
  return hints;
}

/** host:port as a connect string writes it; a wildcard listen address is reached through loopback. */
export function hostPort(address: string, port: number): string {
  const host = WILDCARD_ADDRESSES[address] ?? address;
  const shown = host.includes(':') ? `[${plainToken(host)}]` : plainToken(host);
  return `${shown}:${port}`;
}

/** Text from outside (a config value) that goes into a message: as it is when plain, else JSON-quoted and cut. */
function plainToken(text: string): string {
  return PLAIN_TOKEN.test(text) ? text : JSON.stringify(text.slice(0, VALUE_CHARS_MAX));
}

/**
 * The configuration as flat dotted keys (clientTls.port, peerAuth.tls.caFile): one level of JSON an
 * operator can grep. Sets become lists, regular expressions their source, undefined values are left out.
 */
export function flattenConfig(config: Readonly<Config>): Record<string, BannerValue> {
  const out: Record<string, BannerValue> = {};
  flattenInto(out, '', config as unknown as Readonly<Record<string, unknown>>, 0);
  return out;
}

function flattenInto(out: Record<string, BannerValue>, prefix: string, object: Readonly<Record<string, unknown>>, depth: number): void {
  for (const [key, value] of Object.entries(object)) {
    if (Object.keys(out).length >= KEYS_MAX) return;
    const name = prefix + key;
    if (value === undefined || typeof value === 'function') continue;
    if (isSecretKey(key)) {
      // An empty string is "not set" (superDigest's default): say so rather than claim a secret exists.
      if (value !== '' && value !== null) out[name] = REDACTED;
      continue;
    }
    if (isPlainObject(value) && depth < DEPTH_MAX) flattenInto(out, `${name}.`, value, depth + 1);
    else out[name] = bannerValue(value, depth);
  }
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof RegExp);
}

function bannerValue(value: unknown, depth: number): BannerValue {
  if (typeof value === 'string') return value.length > VALUE_CHARS_MAX ? `${value.slice(0, VALUE_CHARS_MAX)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (value instanceof RegExp) return bannerValue(value.source, depth);
  if (Array.isArray(value) || value instanceof Set) return bannerList([...(value as Iterable<unknown>)], depth);
  if (isPlainObject(value)) return bannerObjectText(value);
  return bannerValue(String(value), depth);
}

function bannerList(items: unknown[], depth: number): BannerValue[] {
  const shown = items.slice(0, LIST_ENTRIES_MAX).map((item) => (isPlainObject(item) ? bannerObjectText(item) : bannerValue(item, depth + 1)));
  if (items.length > LIST_ENTRIES_MAX) shown.push(`… ${items.length - LIST_ENTRIES_MAX} more`);
  return shown;
}

/** A list entry that is an object (a server.N line): its fields as key=value, secrets left out. */
function bannerObjectText(object: Readonly<Record<string, unknown>>): string {
  const fields = Object.entries(object)
    .filter(([key, value]) => value !== undefined && !isSecretKey(key) && !isPlainObject(value))
    .map(([key, value]) => `${key}=${String(value)}`);
  const text = fields.join(' ');
  return text.length > VALUE_CHARS_MAX ? `${text.slice(0, VALUE_CHARS_MAX)}…` : text;
}
