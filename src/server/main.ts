#!/usr/bin/env node
// canopy-server [zoo.cfg] [--key value ...]: flags override the file, the file overrides defaults.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CanopyServer } from './canopy-server.js';
import { ConfigError, DEFAULTS, buildConfig, ensembleSizeWarning, parseZooCfg, readMyid } from './config.js';
import type { RawSettings } from './config.js';
import { createLogger } from './logger.js';
import { startBanner } from './start-banner.js';
import { startErrorText } from './start-errors.js';
import { CANOPY_VERSION, helpWidth } from '../version.js';

const FLAGS = {
  clientPort: { type: 'number', describe: `port for client WebSocket connections (default ${DEFAULTS.clientPort}; none when only secureClientPort is given)` },
  clientPortAddress: { type: 'string', describe: `address to listen on (default ${DEFAULTS.clientPortAddress})` },
  secureClientPort: { type: 'number', describe: 'port for client WebSocket connections over TLS (wss; default none)' },
  zkClientPort: { type: 'number', describe: 'port for ZooKeeper\'s own clients (jute over TCP: Kazoo, Curator, zkCli.sh); default none, since the WebSocket door has 2181' },
  zkClientPortAddress: { type: 'string', describe: 'address the ZooKeeper port listens on (default clientPortAddress)' },
  zkSecureClientPort: { type: 'number', describe: 'port for ZooKeeper\'s own clients over TLS (the ssl.* settings; default none)' },
  zkSecureClientPortAddress: { type: 'string', describe: 'address the ZooKeeper TLS port listens on (default zkClientPortAddress)' },
  secureClientPortAddress: { type: 'string', describe: 'address the secure port listens on (default clientPortAddress)' },
  'ssl.keyStore.location': { type: 'string', describe: 'PEM file with the server\'s private key and certificate chain (secure port)' },
  'ssl.keyStore.type': { type: 'string', describe: 'PEM (the only type read)' },
  'ssl.trustStore.location': { type: 'string', describe: 'PEM file with the CA certificates client certificates must chain to' },
  'ssl.trustStore.type': { type: 'string', describe: 'PEM (the only type read)' },
  'ssl.clientAuth': { type: 'string', describe: 'need (default) | want | none: whether clients must present a certificate' },
  'ssl.clientCertIdType': { type: 'string', describe: 'SDN (default: the x509 id is the certificate subject) | SAN (a subject alternative name)' },
  'ssl.clientCertIdSanMatchType': { type: 'number', describe: 'with SAN: the SAN type (1 email, 2 DNS, 4 directory name, 6 URI, 7 IP, 8 registered id)' },
  'ssl.clientCertIdSanMatchRegex': { type: 'string', describe: 'with SAN: exactly one SAN of the type must match (default .*)' },
  'ssl.clientCertIdSanExtractRegex': { type: 'string', describe: 'with SAN: the id is a match of this in that SAN (default .*)' },
  'ssl.clientCertIdSanExtractMatcherGroupIndex': { type: 'number', describe: 'with SAN: the capture group that is the id (default 0, the whole match)' },
  'X509AuthenticationProvider.superUser': { type: 'string', describe: 'an x509 id that is a super user' },
  dataDir: { type: 'string', describe: `directory for the txn log and snapshots (default ${DEFAULTS.dataDir})` },
  dataLogDir: { type: 'string', describe: 'directory for the txn log segments, on another device than dataDir (segments engine; default: inside dataDir)' },
  'autopurge.snapRetainCount': { type: 'number', describe: 'snapshots kept, with the log after the oldest of them (default 3, at least 2)' },
  'autopurge.purgeInterval': { type: 'number', describe: 'hours between purges of older snapshots and log; 0 purges as each snapshot is written (default 0)' },
  txnLogEngine: { type: 'string', describe: `auto | segments | leveldb: how dataDir keeps the txn log and snapshots; a dataDir keeps the engine it was written with, and auto gives a new one segments (default ${DEFAULTS.txnLogEngine})` },
  tickTime: { type: 'number', describe: `basic time unit in ms (default ${DEFAULTS.tickTime})` },
  minSessionTimeout: { type: 'number', describe: 'smallest session timeout granted, ms (default 2 × tickTime)' },
  maxSessionTimeout: { type: 'number', describe: 'largest session timeout granted, ms (default 20 × tickTime)' },
  snapCount: { type: 'number', describe: `txns between snapshots (default ${DEFAULTS.snapCount})` },
  maxDataBytes: { type: 'number', describe: `largest znode data, bytes (default ${DEFAULTS.maxDataBytes})` },
  maxFrameBytes: { type: 'number', describe: `largest frame, bytes (default ${DEFAULTS.maxFrameBytes})` },
  maxClientCnxns: { type: 'number', describe: `connections per client IP, 0 = unlimited (default ${DEFAULTS.maxClientCnxns})` },
  maxCnxns: { type: 'number', describe: `client sockets in total, from the TCP accept; 0 = bounded by file descriptors only (default ${DEFAULTS.maxCnxns})` },
  clientHandshakeTimeoutMs: { type: 'number', describe: `ms from the TCP accept to the client's connect request (default ${DEFAULTS.clientHandshakeTimeoutMs})` },
  fdReserve: { type: 'number', describe: `file descriptors kept free for storage and peers (default ${DEFAULTS.fdReserve})` },
  allowedOrigins: { type: 'string', describe: 'comma-separated browser origins allowed to connect, * for any (default none)' },
  maxClientOutputBytes: { type: 'number', describe: `unsent answer bytes per connection before it is closed as a slow consumer (default ${DEFAULTS.maxClientOutputBytes})` },
  globalOutstandingLimit: { type: 'number', describe: `requests in flight across all connections before reading pauses (default ${DEFAULTS.globalOutstandingLimit})` },
  globalOutstandingBytes: { type: 'number', describe: `request bytes in flight across all connections before reading pauses (default ${DEFAULTS.globalOutstandingBytes})` },
  maxOutstandingPerSession: { type: 'number', describe: `requests a connection may have waiting (default ${DEFAULTS.maxOutstandingPerSession})` },
  maxWatchesPerSession: { type: 'number', describe: `watches a session may hold (default ${DEFAULTS.maxWatchesPerSession})` },
  containerCheckIntervalMs: { type: 'number', describe: `how often empty containers and expired TTL nodes are removed (default ${DEFAULTS.containerCheckIntervalMs})` },
  initLimit: { type: 'number', describe: 'ticks a follower may take to sync (ensemble)' },
  syncLimit: { type: 'number', describe: 'ticks a follower may lag (ensemble)' },
  myid: { type: 'number', describe: 'this server id (overrides dataDir/myid)' },
  historyTxnsMax: { type: 'number', describe: `committed txns a leader keeps to DIFF a lagging follower; older means SNAP (default ${DEFAULTS.historyTxnsMax})` },
  historyBytesMax: { type: 'number', describe: `bytes of committed txns a leader keeps to DIFF a lagging follower (default ${DEFAULTS.historyBytesMax})` },
  enforceQuota: { type: 'boolean', describe: `refuse writes past a quota's hard limit with QUOTAEXCEEDED (default ${DEFAULTS.enforceQuota})` },
  quorumListenOnAllIPs: { type: 'boolean', describe: 'listen for peers on 0.0.0.0 instead of this server\'s server.N host (default false)' },
  // Peer authentication (README: Peer authentication). A key passphrase has no flag: a command line is visible to every user.
  sslQuorum: { type: 'boolean', describe: 'peer links over TLS with member certificates (default false)' },
  'ssl.quorum.certFile': { type: 'string', describe: 'PEM: this member\'s certificate (and intermediates)' },
  'ssl.quorum.keyFile': { type: 'string', describe: 'PEM: this member\'s private key' },
  'ssl.quorum.caFile': { type: 'string', describe: 'PEM: the CA that signs every member\'s certificate' },
  'ssl.quorum.hostnameVerification': { type: 'boolean', describe: 'certificates must name their member\'s server.N host (default true)' },
  'ssl.quorum.clientHostnameVerification': { type: 'boolean', describe: 'the acceptor checks the dialler\'s certificate names its host too (default true)' },
  'quorum.auth.secretFile': { type: 'string', describe: 'file holding the shared peer secret (at least 32 random bytes)' },
  logLevel: { type: 'string', describe: 'error | warn | info | debug (default info)' },
  'admin.enableServer': { type: 'boolean', describe: 'serve the admin HTTP endpoint: /commands, /health, /metrics (default true)' },
  'admin.serverAddress': { type: 'string', describe: 'address the admin endpoint listens on (default 127.0.0.1; ZooKeeper\'s is 0.0.0.0)' },
  'admin.serverPort': { type: 'number', describe: 'admin endpoint port; 0 picks a free one; one in use is logged and skipped (default 8080)' },
  'admin.tokenFile': { type: 'string', describe: 'file holding a bearer token every admin request but /health must carry (default none)' },
  'admin.idleTimeout': { type: 'number', describe: 'ms an admin connection may stay idle, or take to send its headers (default 30000)' },
  'admin.maxConnections': { type: 'number', describe: 'admin connections open at once, counted from the TCP accept (default 32)' },
  '4lw.commands.whitelist': { type: 'string', describe: 'comma-separated four-letter words the client ports answer, * for all (default srvr; srvr is always on)' },
  superDigest: { type: 'string', describe: 'user:base64(sha1(user:password)) of a super user, who passes every ACL check (default none)' },
  enforceAuthEnabled: { type: 'boolean', describe: 'connections must authenticate before any other request (enforce.auth.enabled, default false)' },
  enforceAuthSchemes: { type: 'string', describe: 'comma-separated schemes that count for enforceAuthEnabled, e.g. digest,x509 (enforce.auth.schemes)' },
} as const;

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('canopy-server')
    .usage('$0 [zoo.cfg] [options]\n\nStarts a Canopy server. With no file and no flags it serves on 127.0.0.1:2181 with ./canopy-data.')
    // Flags are the config keys, dots included (--ssl.quorum.certFile), not nested objects.
    .parserConfiguration({ 'dot-notation': false })
    .options(FLAGS)
    // Flags are zoo.cfg keys, dots included (--ssl.clientAuth need), not nested objects.
    .parserConfiguration({ 'dot-notation': false })
    .strictOptions()
    .version(CANOPY_VERSION)
    .wrap(helpWidth())
    .help()
    .parseAsync();
  const positional = argv._;
  if (positional.length > 1) throw new ConfigError(`expected at most one config file, got ${positional.length}`);
  let raw: RawSettings = {};
  if (positional.length === 1) {
    const file = String(positional[0]);
    raw = parseZooCfg(readFileSync(file, 'utf8'), file);
  }
  for (const key of Object.keys(FLAGS)) {
    const value = (argv as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isNaN(value)) throw new ConfigError(`--${key} must be a number`);
    raw[key] = value as string | number | boolean;
  }
  if (raw.myid === undefined && raw.serverId === undefined) {
    const dataDir = String(raw.dataDir ?? DEFAULTS.dataDir);
    const myid = readMyid(dataDir);
    if (myid !== undefined) raw.myid = myid;
  }
  const config = buildConfig(raw, { idGiven: raw.myid !== undefined || raw.serverId !== undefined });
  const log = createLogger(config.logLevel, config.serverId);
  const sizeWarning = ensembleSizeWarning(config);
  if (sizeWarning !== undefined) log.warn(sizeWarning, { servers: config.servers.length });
  const server = await CanopyServer.start(config, log);
  for (const line of startBanner({ version: CANOPY_VERSION, config, port: server.port, securePort: server.securePort })) log.info(line.message, line.meta);
  let signalled = false;
  const shutdown = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    log.info('shutting down', { signal });
    server.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (e: unknown) => {
        log.error('shutdown failed', { error: (e as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGUSR2', () => log.info('diagnostics', server.diagnostics()));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`canopy-server: ${startErrorText(e)}\n`);
  process.exit(2);
});
