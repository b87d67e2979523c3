// The shared-secret handshake's cryptography (docs/peer-protocol.md), with no socket and no clock of its own.
//
//   1. dialler → acceptor   hello without proof
//   2. acceptor → dialler   a fresh challenge (the HTTP answer refusing step 1)
//   3. dialler → acceptor   hello with { challenge, nonce, proof = HMAC(secret, "dialler" transcript) }
//   4. acceptor → dialler   welcome with proof = HMAC(secret, "acceptor" transcript)
//
// A transcript binds the ensemble id, both server ids, the acceptor's challenge and the dialler's nonce.
// The challenge makes step 3 fresh for the acceptor: it is single-use and expires, so a captured hello
// cannot be replayed. The nonce makes step 4 fresh for the dialler: a captured welcome answers another
// nonce. The two proofs differ by role, so neither side can reflect the other's proof back at it.
//
// Challenges cost the acceptor no memory until answered: a challenge carries its own issue time and a
// tag under a key that never leaves the process, so the acceptor recognises its own unexpired challenges
// without keeping them. Only a challenge answered with a valid proof (by a holder of the secret) is
// remembered, until it expires, so that it is never accepted twice; strangers can add nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The dialler's nonce. */
export const NONCE_BYTES = 32;
/** An HMAC-SHA256 proof. */
export const PROOF_BYTES = 32;
const CHALLENGE_RANDOM_BYTES = 32;
const CHALLENGE_TIME_BYTES = 8;
const CHALLENGE_TAG_BYTES = 16;
/** random ‖ issue time (ms, big-endian) ‖ tag. */
export const CHALLENGE_BYTES = CHALLENGE_RANDOM_BYTES + CHALLENGE_TIME_BYTES + CHALLENGE_TAG_BYTES;
const CHALLENGE_KEY_BYTES = 32;

const PROOF_LABEL = 'canopy-peer-auth-v1';
const CHALLENGE_LABEL = 'canopy-peer-challenge-v1';

/** What one exchange's proofs are bound to. */
export interface HelloBinding {
  ensembleId: string;
  diallerId: number;
  acceptorId: number;
  challenge: Uint8Array;
  nonce: Uint8Array;
}

export type ProofRole = 'dialler' | 'acceptor';

/** A server id as 8 bytes (ids are safe integers: a double holds each exactly, and only it). */
function idBytes(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(id);
  return b;
}

function transcript(role: ProofRole, b: HelloBinding): Buffer {
  // Fixed-size fields after one length-prefixed string: no two bindings share a transcript.
  if (b.challenge.byteLength !== CHALLENGE_BYTES || b.nonce.byteLength !== NONCE_BYTES) {
    throw new RangeError(`a proof binds a ${CHALLENGE_BYTES}-byte challenge and a ${NONCE_BYTES}-byte nonce`);
  }
  const ensemble = Buffer.from(b.ensembleId, 'utf8');
  const ensembleLength = Buffer.alloc(2);
  ensembleLength.writeUInt16BE(ensemble.length);
  return Buffer.concat([
    Buffer.from(`${PROOF_LABEL}\u0000${role}\u0000`, 'utf8'), ensembleLength, ensemble,
    idBytes(b.diallerId), idBytes(b.acceptorId), b.challenge, b.nonce,
  ]);
}

/** The proof that the `role` end of the exchange `binding` holds `secret`. */
export function helloProof(secret: Uint8Array, role: ProofRole, binding: HelloBinding): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(transcript(role, binding)).digest());
}

/** Whether a value off the wire is exactly the expected proof; constant-time in the proof's bytes. */
export function proofMatches(expected: Uint8Array, given: unknown): boolean {
  if (!(given instanceof Uint8Array) || given.byteLength !== expected.byteLength) return false;
  return timingSafeEqual(expected, given);
}

export type ChallengeVerdict = 'fresh' | 'unknown' | 'expired' | 'used';

export interface ChallengeBookOptions {
  /** How long a challenge may be answered after it was issued. */
  ttlMs: number;
  /** Answered challenges remembered at once (TRANSPORT_LIMITS.usedChallengesMax). */
  usedMax: number;
  /** Monotonic milliseconds (performance.now in the transport). */
  now: () => number;
  randomBytes: (count: number) => Uint8Array;
}

/** The acceptor's challenges: issued without keeping them, recognised by their tag, answered at most once. */
export class ChallengeBook {
  private readonly key: Uint8Array;
  /**
   * Answered challenges (by their random part) → when they may be forgotten: ttlMs after the answer, which
   * is after the challenge expired, and in insertion order, so the oldest are forgotten first.
   */
  private readonly used = new Map<string, number>();

  constructor(private readonly options: ChallengeBookOptions) {
    this.key = options.randomBytes(CHALLENGE_KEY_BYTES);
  }

  /** A new challenge for a dialler that claims to be `claimedId`. */
  issue(claimedId: number): Uint8Array {
    const random = this.options.randomBytes(CHALLENGE_RANDOM_BYTES);
    const time = Buffer.alloc(CHALLENGE_TIME_BYTES);
    time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.options.now()))));
    const challenge = new Uint8Array(CHALLENGE_BYTES);
    challenge.set(random, 0);
    challenge.set(time, CHALLENGE_RANDOM_BYTES);
    challenge.set(this.tag(random, time, claimedId), CHALLENGE_RANDOM_BYTES + CHALLENGE_TIME_BYTES);
    return challenge;
  }

  /** Whether `challenge` is one this book issued to `claimedId`, unexpired and not yet answered. */
  check(challenge: Uint8Array, claimedId: number): ChallengeVerdict {
    if (challenge.byteLength !== CHALLENGE_BYTES) return 'unknown';
    const random = challenge.subarray(0, CHALLENGE_RANDOM_BYTES);
    const time = challenge.subarray(CHALLENGE_RANDOM_BYTES, CHALLENGE_RANDOM_BYTES + CHALLENGE_TIME_BYTES);
    const tag = challenge.subarray(CHALLENGE_RANDOM_BYTES + CHALLENGE_TIME_BYTES);
    if (!timingSafeEqual(tag, this.tag(random, time, claimedId))) return 'unknown';
    const ageMs = this.options.now() - Number(Buffer.from(time).readBigUInt64BE());
    if (ageMs >= this.options.ttlMs) return 'expired';
    this.forgetExpired();
    return this.used.has(Buffer.from(random).toString('base64')) ? 'used' : 'fresh';
  }

  /**
   * Marks a fresh challenge answered (call it only after its proof checked out). False when usedMax
   * answered challenges are still unexpired: the caller then refuses the hello (try again later), since
   * forgetting one early would let it be replayed.
   */
  spend(challenge: Uint8Array): boolean {
    this.forgetExpired();
    if (this.used.size >= this.options.usedMax) return false;
    this.used.set(Buffer.from(challenge.subarray(0, CHALLENGE_RANDOM_BYTES)).toString('base64'), this.options.now() + this.options.ttlMs);
    return true;
  }

  /** Answered challenges remembered now (for tests of the bound). */
  get usedCount(): number {
    return this.used.size;
  }

  private forgetExpired(): void {
    const now = this.options.now();
    for (const [random, expiresMs] of this.used) {
      if (expiresMs > now) break;
      this.used.delete(random);
    }
  }

  private tag(random: Uint8Array, time: Uint8Array, claimedId: number): Uint8Array {
    const mac = createHmac('sha256', this.key).update(`${CHALLENGE_LABEL}\u0000`).update(random).update(time).update(idBytes(claimedId));
    return new Uint8Array(mac.digest().subarray(0, CHALLENGE_TAG_BYTES));
  }
}
