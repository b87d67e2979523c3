// The handshake, as pure functions. The dialler puts its hello in a header of the WebSocket upgrade
// request; the acceptor checks it before the upgrade (inbound.ts says why) and either completes the
// upgrade, then sends a welcome frame, or answers the HTTP request with a refusal. The dialler checks the
// welcome: the server it reached must be the one it meant to dial. With a shared secret the first hello
// is answered with a challenge instead, and the proofs travel in the second hello and in the welcome
// (hello-proof.ts); here only their shapes are checked.
//
// Everything here reads values a stranger sent. A check never throws, never calls anything on a wire
// value (no String(), no template string, no `in`, no inherited property) and quotes nothing of it in
// what goes back to the peer. A refusal carries two texts: `reason`, for the local log, which may quote
// a clipped piece of the input, and `told`, for the peer, which never reveals this server's ensemble id
// or configuration (who the members are): the ensemble id is a hash of the server.N lines, and telling
// it to whoever asks would hand out the one value a hello must match.
import { isSafeMap, ownField } from '../../protocol/wire-values.js';
import { clipForLog, cutToUtf8Bytes, headerSafe } from './bounded-text.js';
import { PEER_SUPPORTED_VERSIONS, decodeFrame, encodeHello, type Hello, type HelloAuth } from './codec.js';
import { CHALLENGE_BYTES, NONCE_BYTES, PROOF_BYTES, proofMatches } from './hello-proof.js';
import { PeerCloseCode, TRANSPORT_LIMITS } from './types.js';

/** A refusal: the close code the dialler reports, the local reason and what the peer is told. */
export interface Refusal {
  code: number;
  reason: string;
  told: string;
}

export type Checked<T> = { ok: true; value: T } | ({ ok: false } & Refusal);

export interface AcceptorIdentity {
  myId: number;
  ensembleId: string;
  members: ReadonlySet<number>;
}

/** The request header that carries the dialler's hello: base64url of the msgpack hello frame. */
export const HELLO_HEADER = 'canopy-peer-hello';
/** Response headers of a refused upgrade: the peer-protocol code (PeerCloseCode) and what the peer is told. */
export const REFUSAL_CODE_HEADER = 'canopy-refusal-code';
export const REFUSAL_REASON_HEADER = 'canopy-refusal-reason';
/** Response header of a challenge (PeerCloseCode.AUTH_CHALLENGE): base64url of the acceptor's challenge. */
export const CHALLENGE_HEADER = 'canopy-peer-challenge';
/** The scheme named in a challenge's WWW-Authenticate header (HTTP wants one on a 401). */
const CHALLENGE_SCHEME = 'Canopy-Peer-HMAC';

/** A hello is under 100 bytes; its header value may not be much more (the whole request head is bounded too). */
const HELLO_HEADER_CHARS_MAX = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** What every failed membership check tells the peer: which check failed would say who the members are. */
const NOT_A_MEMBER = 'not a member of this ensemble';


function isServerId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function refused(code: number, reason: string, told: string = reason): { ok: false } & Refusal {
  return { ok: false, code, reason, told };
}

/** The header value the dialler sends. */
export function encodeHelloHeader(hello: Hello): string {
  return Buffer.from(encodeHello(hello)).toString('base64url');
}

/** Decodes the hello header (a string, or undefined when absent) to the hello frame it carries. */
export function decodeHelloHeader(value: unknown): Checked<unknown> {
  if (value === undefined) return refused(PeerCloseCode.HANDSHAKE_REFUSED, 'no hello in the upgrade request');
  if (typeof value !== 'string' || value.length > HELLO_HEADER_CHARS_MAX || !BASE64URL.test(value)) {
    return refused(PeerCloseCode.PROTOCOL_ERROR, 'malformed hello header');
  }
  try {
    return { ok: true, value: decodeFrame(Buffer.from(value, 'base64url')) };
  } catch (err) {
    return refused(PeerCloseCode.PROTOCOL_ERROR, `undecodable hello: ${clipForLog(err instanceof Error ? err.message : 'not msgpack')}`, 'undecodable hello');
  }
}

/** Validates the hello frame of an inbound connection. Never throws. */
export function checkHello(frame: unknown, me: AcceptorIdentity): Checked<Hello> {
  try {
    return helloChecked(frame, me);
  } catch {
    // Unreachable for decoded msgpack (no getters, no proxies); the contract is "never throws" for any value.
    return refused(PeerCloseCode.HANDSHAKE_REFUSED, 'unreadable hello');
  }
}

function helloChecked(frame: unknown, me: AcceptorIdentity): Checked<Hello> {
  const hello = isSafeMap(frame) ? ownField(frame, 'hello') : undefined;
  if (!isSafeMap(hello)) return refused(PeerCloseCode.HANDSHAKE_REFUSED, 'expected a hello frame');
  const version = ownField(hello, 'version');
  const serverId = ownField(hello, 'serverId');
  const ensembleId = ownField(hello, 'ensembleId');
  if (typeof version !== 'number' || !PEER_SUPPORTED_VERSIONS.includes(version)) {
    const which = isServerId(version) ? `unsupported version ${version}` : 'hello without a numeric version';
    return refused(PeerCloseCode.HANDSHAKE_REFUSED, `${which}; this server speaks ${PEER_SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (!isServerId(serverId)) return refused(PeerCloseCode.HANDSHAKE_REFUSED, 'hello without a numeric serverId');
  if (typeof ensembleId !== 'string') return refused(PeerCloseCode.HANDSHAKE_REFUSED, 'hello without an ensembleId');
  if (serverId === me.myId) return refused(PeerCloseCode.HANDSHAKE_REFUSED, `server id ${serverId} is my own id`, NOT_A_MEMBER);
  if (!me.members.has(serverId)) return refused(PeerCloseCode.HANDSHAKE_REFUSED, `unknown server id ${serverId}`, NOT_A_MEMBER);
  if (ensembleId !== me.ensembleId) {
    // Ours goes to the local log only; theirs is clipped and escaped like any other wire text.
    return refused(PeerCloseCode.HANDSHAKE_REFUSED, `ensemble mismatch: mine ${me.ensembleId}, theirs ${JSON.stringify(clipForLog(ensembleId, 32))}`, NOT_A_MEMBER);
  }
  if (!Object.hasOwn(hello, 'auth')) return { ok: true, value: { version, serverId, ensembleId } };
  const auth = helloAuthChecked(ownField(hello, 'auth'));
  if (auth === undefined) return refused(PeerCloseCode.PROTOCOL_ERROR, 'malformed auth in the hello');
  return { ok: true, value: { version, serverId, ensembleId, auth } };
}

function isBinary(v: unknown, bytes: number): v is Uint8Array {
  return v instanceof Uint8Array && v.byteLength === bytes;
}

/** The auth field of a hello: three binaries of exactly their sizes, or undefined. */
function helloAuthChecked(auth: unknown): HelloAuth | undefined {
  if (!isSafeMap(auth)) return undefined;
  const challenge = ownField(auth, 'challenge');
  const nonce = ownField(auth, 'nonce');
  const proof = ownField(auth, 'proof');
  if (!isBinary(challenge, CHALLENGE_BYTES) || !isBinary(nonce, NONCE_BYTES) || !isBinary(proof, PROOF_BYTES)) return undefined;
  return { challenge, nonce, proof };
}

/**
 * Validates the acceptor's answer: it must be the server we meant to dial, and with a shared secret it
 * must carry `expectedProof` (the acceptor's proof for this exchange). Never throws.
 */
export function checkWelcome(frame: unknown, expectedId: number, expectedProof?: Uint8Array): Checked<number> {
  try {
    return welcomeChecked(frame, expectedId, expectedProof);
  } catch {
    return refused(PeerCloseCode.PROTOCOL_ERROR, 'unreadable welcome');
  }
}

function welcomeChecked(frame: unknown, expectedId: number, expectedProof: Uint8Array | undefined): Checked<number> {
  const welcome = isSafeMap(frame) ? ownField(frame, 'welcome') : undefined;
  if (!isSafeMap(welcome)) return refused(PeerCloseCode.PROTOCOL_ERROR, 'expected a welcome frame');
  const serverId = ownField(welcome, 'serverId');
  if (!isServerId(serverId)) return refused(PeerCloseCode.PROTOCOL_ERROR, 'welcome without a numeric serverId');
  if (serverId !== expectedId) return refused(PeerCloseCode.PROTOCOL_ERROR, `welcome from server ${serverId}, expected ${expectedId}`);
  if (expectedProof !== undefined && !proofMatches(expectedProof, ownField(welcome, 'proof'))) {
    return refused(PeerCloseCode.AUTH_FAILED, `server ${expectedId} did not prove it holds the peer secret`);
  }
  return { ok: true, value: expectedId };
}

/** A WebSocket close reason: at most bytesMax bytes of UTF-8 (ws throws beyond), cut in one step. */
export function closeReason(reason: string, bytesMax: number = TRANSPORT_LIMITS.closeReasonBytesMax): string {
  return cutToUtf8Bytes(reason, bytesMax);
}

/** The refusal a dialler read from the headers of a refused upgrade: bounded and printable, never trusted. */
export function readRefusal(headers: Readonly<Record<string, string | string[] | undefined>>): { code: number | undefined; told: string } {
  const rawCode = Object.hasOwn(headers, REFUSAL_CODE_HEADER) ? headers[REFUSAL_CODE_HEADER] : undefined;
  const rawTold = Object.hasOwn(headers, REFUSAL_REASON_HEADER) ? headers[REFUSAL_REASON_HEADER] : undefined;
  const code = typeof rawCode === 'string' && /^[0-9]{4}$/.test(rawCode) ? Number(rawCode) : undefined;
  const told = typeof rawTold === 'string' ? headerSafe(clipForLog(rawTold)) : '';
  return { code, told };
}

/** The headers of a refusal this acceptor sends; `told` is our own text, made header-safe and bounded anyway. */
export function refusalHeaders(refusal: Refusal): Record<string, string> {
  return {
    [REFUSAL_CODE_HEADER]: String(refusal.code),
    [REFUSAL_REASON_HEADER]: headerSafe(closeReason(refusal.told)),
  };
}

/** The refusal that carries a challenge (shared-secret mode), and its headers. */
export function challengeRefusal(): Refusal {
  return { code: PeerCloseCode.AUTH_CHALLENGE, reason: 'challenged a hello without a proof', told: 'prove the peer secret against the challenge' };
}

export function challengeHeaders(challenge: Uint8Array): Record<string, string> {
  return {
    ...refusalHeaders(challengeRefusal()),
    [CHALLENGE_HEADER]: Buffer.from(challenge).toString('base64url'),
    'WWW-Authenticate': CHALLENGE_SCHEME,
  };
}

/** The challenge in a refused upgrade's headers: exactly CHALLENGE_BYTES, or undefined. Never trusted beyond that. */
export function readChallenge(headers: Readonly<Record<string, string | string[] | undefined>>): Uint8Array | undefined {
  const raw = Object.hasOwn(headers, CHALLENGE_HEADER) ? headers[CHALLENGE_HEADER] : undefined;
  // base64url of CHALLENGE_BYTES bytes, no padding: a longer value is refused before it is decoded.
  if (typeof raw !== 'string' || raw.length !== Math.ceil((CHALLENGE_BYTES * 4) / 3) || !BASE64URL.test(raw)) return undefined;
  const bytes = Buffer.from(raw, 'base64url');
  return bytes.byteLength === CHALLENGE_BYTES ? new Uint8Array(bytes) : undefined;
}

/** The HTTP status of a refused upgrade request, by refusal code. */
export function refusalStatus(code: number): number {
  switch (code) {
    case PeerCloseCode.TRY_AGAIN_LATER: return 503;
    case PeerCloseCode.TIMEOUT: return 408;
    case PeerCloseCode.PROTOCOL_ERROR: return 400;
    case PeerCloseCode.AUTH_CHALLENGE: return 401;
    default: return 403;
  }
}
