// Checks PeerTransportOptions once, at start, and fills in the defaults: code behind this trusts them.
import { TransportConfigError } from './errors.js';
import {
  PEER_SECRET_BYTES_MAX, PEER_SECRET_BYTES_MIN, TRANSPORT_DEFAULTS, TRANSPORT_LIMITS, silentTransportLogger,
  type PeerAuthOptions, type PeerAuthentication, type PeerEndpoint, type PeerTlsMaterial, type PeerTransportOptions, type TransportLogger,
} from './types.js';

export interface ResolvedOptions {
  myId: number;
  ensembleId: string;
  me: PeerEndpoint;
  /** Every member but me, ascending by id. */
  others: PeerEndpoint[];
  members: ReadonlySet<number>;
  /** Each member's host as its server.N line gives it. */
  memberHosts: ReadonlyMap<number, string>;
  authentication: PeerAuthentication;
  tls: PeerTlsMaterial | undefined;
  secret: Uint8Array | undefined;
  listenHost: string;
  listenPort: number;
  logger: TransportLogger;
  random: () => number;
  maxPayloadBytes: number;
  queueMessagesMax: number;
  queueBytesMax: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  heartbeatMs: number;
  dialTimeoutMs: number;
  livenessProbeMs: number;
}

function positive(name: string, value: number | undefined, dflt: number): number {
  const v = value ?? dflt;
  if (!Number.isSafeInteger(v) || v <= 0) throw new TransportConfigError(`${name} must be a positive integer (got ${v})`);
  return v;
}

function checkPeers(myId: number, peers: readonly PeerEndpoint[]): void {
  const ids = new Set<number>();
  for (const p of peers) {
    if (!Number.isSafeInteger(p.id)) throw new TransportConfigError(`server id ${p.id} is not an integer`);
    if (ids.has(p.id)) throw new TransportConfigError(`server id ${p.id} appears twice`);
    if (typeof p.host !== 'string' || p.host === '') throw new TransportConfigError(`server ${p.id} has no host`);
    if (!Number.isInteger(p.port) || p.port < 0 || p.port > 65535) throw new TransportConfigError(`server ${p.id} has bad port ${p.port}`);
    ids.add(p.id);
  }
  if (!ids.has(myId)) throw new TransportConfigError(`my id ${myId} is not among the peers`);
}

function checkAuthentication(auth: PeerAuthOptions): PeerAuthentication {
  const { tls, secret } = auth;
  if (secret !== undefined) {
    if (!(secret instanceof Uint8Array)) throw new TransportConfigError('the peer secret must be bytes');
    if (secret.byteLength < PEER_SECRET_BYTES_MIN || secret.byteLength > PEER_SECRET_BYTES_MAX) {
      throw new TransportConfigError(`the peer secret must be ${PEER_SECRET_BYTES_MIN} to ${PEER_SECRET_BYTES_MAX} bytes (got ${secret.byteLength})`);
    }
  }
  if (tls !== undefined) {
    for (const field of ['cert', 'key', 'ca'] as const) {
      if (typeof tls[field] !== 'string' || tls[field] === '') throw new TransportConfigError(`peer TLS needs a PEM ${field}`);
    }
  }
  return peerAuthenticationOf(auth);
}

/** What a transport with these options reports as its authentication. */
export function peerAuthenticationOf(auth: PeerAuthOptions): PeerAuthentication {
  if (auth.tls !== undefined) return auth.secret !== undefined ? 'tls+secret' : 'tls';
  return auth.secret !== undefined ? 'secret' : 'none';
}

export function resolveOptions<M>(opts: PeerTransportOptions<M>): ResolvedOptions {
  const auth = opts.authentication ?? {};
  const authentication = checkAuthentication(auth);
  checkPeers(opts.myId, opts.peers);
  const me = opts.peers.find((p) => p.id === opts.myId)!;
  const reconnectMinMs = positive('reconnectMinMs', opts.reconnectMinMs, TRANSPORT_DEFAULTS.reconnectMinMs);
  const reconnectMaxMs = positive('reconnectMaxMs', opts.reconnectMaxMs, Math.max(reconnectMinMs, TRANSPORT_DEFAULTS.reconnectMaxMs));
  if (reconnectMaxMs < reconnectMinMs) throw new TransportConfigError('reconnectMaxMs must be >= reconnectMinMs');
  const dialTimeoutMs = positive('dialTimeoutMs', opts.dialTimeoutMs, TRANSPORT_DEFAULTS.dialTimeoutMs);
  // The dialler waits up to its dialTimeoutMs for our answer, probe included: leave it room.
  const livenessProbeMs = positive('livenessProbeMs', opts.livenessProbeMs, Math.max(1, Math.min(TRANSPORT_LIMITS.livenessProbeMs, Math.floor(dialTimeoutMs / 2))));
  const listenPort = opts.listenPort ?? me.port;
  if (!Number.isInteger(listenPort) || listenPort < 0 || listenPort > 65535) throw new TransportConfigError(`bad listen port ${listenPort}`);
  return {
    myId: opts.myId,
    ensembleId: opts.ensembleId,
    me,
    others: opts.peers.filter((p) => p.id !== opts.myId).sort((a, b) => a.id - b.id),
    members: new Set(opts.peers.map((p) => p.id)),
    memberHosts: new Map(opts.peers.map((p) => [p.id, p.host])),
    authentication,
    tls: auth.tls,
    // A copy: the caller's buffer may be reused or zeroed.
    secret: auth.secret === undefined ? undefined : new Uint8Array(auth.secret),
    listenHost: opts.listenHost ?? me.host,
    listenPort,
    logger: opts.logger ?? silentTransportLogger,
    random: opts.random ?? Math.random,
    maxPayloadBytes: positive('maxPayloadBytes', opts.maxPayloadBytes, TRANSPORT_DEFAULTS.maxPayloadBytes),
    queueMessagesMax: positive('queueMessagesMax', opts.queueMessagesMax, TRANSPORT_DEFAULTS.queueMessagesMax),
    queueBytesMax: positive('queueBytesMax', opts.queueBytesMax, TRANSPORT_DEFAULTS.queueBytesMax),
    reconnectMinMs,
    reconnectMaxMs,
    heartbeatMs: positive('heartbeatMs', opts.heartbeatMs, TRANSPORT_DEFAULTS.heartbeatMs),
    dialTimeoutMs,
    livenessProbeMs,
  };
}
