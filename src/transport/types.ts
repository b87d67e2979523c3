// The transport's public shapes and its named limits. Messages are opaque values of type M: the transport
// encodes them with msgpack and never looks inside.

export interface PeerEndpoint {
  id: number;
  host: string;
  port: number;
  /** Where to connect to this peer when not host:port (a port forward or proxy); not part of the ensemble id. */
  dial?: { host: string; port: number };
}

/** Same shape as the server's Logger (minus error), so the server can pass its own. */
export interface TransportLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  debug(msg: string, meta?: object): void;
}

/**
 * How members prove who they are on a peer link (docs/peer-protocol.md): mutual TLS with member
 * certificates, a shared secret answered by an HMAC challenge–response over the hello, both, or neither.
 */
export type PeerAuthentication = 'none' | 'tls' | 'secret' | 'tls+secret';

/** Member certificate material for mutual TLS on peer links, as PEM text. */
export interface PeerTlsMaterial {
  /** This member's certificate, then any intermediates. */
  cert: string;
  key: string;
  /** The CA certificate(s) a member's certificate must chain to, on both ends of a link. */
  ca: string;
  /** Of an encrypted key. */
  passphrase?: string;
  /** The dialler checks that the acceptor's certificate names the host of its server.N line (default true). */
  hostnameVerification?: boolean;
  /**
   * With hostnameVerification, the acceptor also checks that the dialler's certificate names the host of
   * the server.N line of the member it claims to be (default true), so that one member's certificate
   * cannot speak for another member on another host.
   */
  clientHostnameVerification?: boolean;
}

export interface PeerAuthOptions {
  /** Peer links over TLS (wss) with mutual certificate verification. */
  tls?: PeerTlsMaterial;
  /** The ensemble's shared secret: PEER_SECRET_BYTES_MIN..PEER_SECRET_BYTES_MAX bytes. */
  secret?: Uint8Array;
}

export interface PeerTransportOptions<M> {
  myId: number;
  ensembleId: string;
  /** All members including me; my own entry gives the listen address. */
  peers: readonly PeerEndpoint[];
  /** Listen host override (default: my entry's host). Port 0 allowed for tests (then `port` getter tells). */
  listenHost?: string;
  listenPort?: number;
  /**
   * Called for each message of a received batch, in order. Without `validate` the transport does not look
   * inside a message (it only checks the frame is msgpack) and the receiver must validate it. Exceptions
   * are not caught.
   */
  onMessage(from: number, message: M): void;
  /**
   * The shape check of one received message: the message as M, or undefined to drop it. Messages it
   * refuses are dropped before onMessage and logged once per batch with a count, never once per message
   * (one hostile frame may carry a million of them). It must not throw.
   */
  validate?(raw: unknown): M | undefined;
  /**
   * An authenticated inbound link from this member closed (not replaced by a newer one): its process
   * died or its link broke, and messages it sent may have been lost. ZAB uses it to notice a dead leader
   * at once instead of after syncLimit ticks.
   */
  onInboundDown?(from: number): void;
  logger?: TransportLogger;
  /** Uniform in [0, 1): reconnect jitter. */
  random?: () => number;
  /** Largest frame accepted (and sent): a SNAP carries a whole tree snapshot. */
  maxPayloadBytes?: number;
  /** Messages waiting for one peer's link; beyond it the oldest is dropped. */
  queueMessagesMax?: number;
  /** Encoded bytes waiting for one peer's link; beyond it the oldest is dropped (the newest always stays). */
  queueBytesMax?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Ping interval on outbound links; a link whose pong is not back by the next ping is terminated. */
  heartbeatMs?: number;
  /** Bound on dial + hello/welcome, and on an inbound connection's wait for its hello. */
  dialTimeoutMs?: number;
  /**
   * How long a hello that claims a member with an established inbound link waits for that link to prove
   * alive (a pong or any bytes) before it may replace it (default: TRANSPORT_LIMITS.livenessProbeMs, at
   * most half of dialTimeoutMs so the dialler is still waiting for the answer).
   */
  livenessProbeMs?: number;
  /** How members authenticate (default none: any process that knows the server.N lines can link). */
  authentication?: PeerAuthOptions;
}

export type OutboundState = 'up' | 'connecting' | 'down';

export interface LinkStatus {
  peer: number;
  outbound: OutboundState;
  /** An authenticated inbound connection from this peer is open. */
  inbound: boolean;
  /** Messages waiting to be handed to the outbound socket. */
  queued: number;
  /** Messages dropped from the queue because it was full (or larger than maxPayloadBytes). */
  dropped: number;
  sentMessages: number;
  /** ws frames sent: each carries a batch of messages. */
  sentFrames: number;
  receivedMessages: number;
}

export const TRANSPORT_DEFAULTS = {
  maxPayloadBytes: 1024 * 1024 * 1024,
  queueMessagesMax: 100_000,
  queueBytesMax: 64 * 1024 * 1024,
  reconnectMinMs: 50,
  reconnectMaxMs: 2_000,
  heartbeatMs: 5_000,
  dialTimeoutMs: 5_000,
} as const;

/**
 * Bounds of the shared secret. 32 bytes at least: whoever can dial a member can collect proofs made with
 * the secret (the acceptor answers a hello with one) and try guesses offline, so the secret must be
 * random, not a password (`openssl rand -base64 48` makes a good one).
 */
export const PEER_SECRET_BYTES_MIN = 32;
export const PEER_SECRET_BYTES_MAX = 4096;

/** Fixed limits that need no knob. */
export const TRANSPORT_LIMITS = {
  /** Hand no more frames to a socket while it has this much unsent: a slow peer backs up into the bounded queue. */
  socketBufferedBytesHigh: 16 * 1024 * 1024,
  /** Unauthenticated inbound connections at once (each lives at most dialTimeoutMs). */
  pendingHandshakesMax: 64,
  /**
   * Challenges answered by a valid proof and not yet expired, remembered so that none is answered twice.
   * Only members (holders of the secret) add to it, at most once per link they open.
   */
  usedChallengesMax: 1024,
  /** How long close() waits for a clean WebSocket close before terminating the socket. */
  closeGraceMs: 1_000,
  /** A WebSocket close reason is at most 123 bytes of UTF-8. */
  closeReasonBytesMax: 123,
  /**
   * What an inbound connection may make us hold before its hello is accepted: Node's HTTP parser refuses
   * an upgrade request whose head (request line and headers, the hello among them) is larger (431), and
   * no WebSocket, hence no frame, exists before the hello is accepted.
   */
  preHelloBytesMax: 4 * 1024,
  /** Default bound on the liveness probe of an established link that a newer hello claims (see livenessProbeMs). */
  livenessProbeMs: 1_500,
  /** Longest piece of a peer's own text (a reason, an error) quoted in a log line. */
  logTextCharsMax: 64,
  /** Between two warnings about one inbound link's malformed messages; those in between go to debug. */
  malformedWarnIntervalMs: 10_000,
} as const;

/**
 * Codes of the peer protocol (4000-4999 are for applications): in a WebSocket close frame, or in the
 * refusal header of a refused upgrade request (handshake.ts). Not the client protocol's CloseCode.
 */
export const PeerCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  TRY_AGAIN_LATER: 1013,
  /** The hello was refused: version, server id or ensemble mismatch (an HTTP 403 to the upgrade request). */
  HANDSHAKE_REFUSED: 4100,
  /** A frame that breaks the peer protocol (not msgpack, wrong shape, wrong direction, too early). */
  PROTOCOL_ERROR: 4101,
  /**
   * Not sent any more: a link is replaced only once it fails a liveness probe, and is then terminated
   * without a close frame. The number stays reserved.
   */
  REPLACED: 4102,
  /**
   * No hello in time (the acceptor's refusal, an HTTP 408). A dialler that gets no welcome, or no pongs,
   * terminates its socket instead.
   */
  TIMEOUT: 4103,
  /**
   * Shared-secret mode: the hello carried no proof (or one for a challenge that is unknown, expired or
   * used), so the acceptor answers with a fresh challenge to prove it against (an HTTP 401).
   */
  AUTH_CHALLENGE: 4104,
  /** The hello's proof of membership (secret or certificate) was wrong (an HTTP 403). */
  AUTH_FAILED: 4105,
} as const;

export const silentTransportLogger: TransportLogger = { info() {}, warn() {}, debug() {} };
