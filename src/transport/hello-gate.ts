// The acceptor's authentication of a hello that passed the membership checks (handshake.ts): whoever
// sent it must prove it is the member it claims to be before anything else happens for it (no liveness
// probe of that member's link, no upgrade, no frame). Two proofs, either or both configured:
//   - TLS: the TLS server already refused a dialler without a certificate from the CA; here the
//     certificate must also name the host of the claimed member's server.N line, so one member's
//     certificate cannot speak for a member on another host;
//   - shared secret: the hello must answer a fresh challenge of ours with the secret (hello-proof.ts).
// Without either, every hello passes (the ensemble id alone, which anyone may compute, is the check).
import type { Socket } from 'node:net';
import { TLSSocket, checkServerIdentity } from 'node:tls';
import { assertNever } from '../../protocol/assert-never.js';
import { clipForLog } from './bounded-text.js';
import type { Hello } from './codec.js';
import { challengeRefusal, type Refusal } from './handshake.js';
import { ChallengeBook, helloProof, proofMatches, type HelloBinding } from './hello-proof.js';
import { PeerCloseCode, TRANSPORT_LIMITS } from './types.js';

export type GateVerdict =
  /** Authenticated (or nothing to prove): `welcomeProof` goes into the welcome in shared-secret mode. */
  | { kind: 'pass'; welcomeProof: Uint8Array | undefined }
  /** Shared-secret mode: answer with this fresh challenge (logged at debug: every link starts so). */
  | { kind: 'challenge'; challenge: Uint8Array; refusal: Refusal }
  | { kind: 'refuse'; refusal: Refusal };

export interface HelloGateOptions {
  myId: number;
  ensembleId: string;
  /** Each member's host as its server.N line gives it: what its certificate must name. */
  memberHosts: ReadonlyMap<number, string>;
  secret: Uint8Array | undefined;
  /** TLS mode; `clientHostnameVerification`: the certificate must name the claimed member's host. */
  tls: { clientHostnameVerification: boolean } | undefined;
  /** How long a challenge may be answered. */
  challengeTtlMs: number;
  now: () => number;
  randomBytes: (count: number) => Uint8Array;
}

/** What a stranger is told on any failed proof: which part failed is for our log only. */
const AUTH_FAILED_TOLD = 'authentication failed';

function authFailed(reason: string): GateVerdict {
  return { kind: 'refuse', refusal: { code: PeerCloseCode.AUTH_FAILED, reason, told: AUTH_FAILED_TOLD } };
}

export class HelloGate {
  private readonly book: ChallengeBook | undefined;

  constructor(private readonly options: HelloGateOptions) {
    this.book = options.secret === undefined ? undefined : new ChallengeBook({
      ttlMs: options.challengeTtlMs, usedMax: TRANSPORT_LIMITS.usedChallengesMax, now: options.now, randomBytes: options.randomBytes,
    });
  }

  /** Decides on a hello from a member's id (already checked), received on `socket`. Never throws. */
  check(hello: Hello, socket: Socket): GateVerdict {
    if (this.options.tls !== undefined) {
      const refusal = this.certificateRefusal(hello.serverId, socket);
      if (refusal !== undefined) return { kind: 'refuse', refusal };
    }
    return this.checkSecret(hello);
  }

  private certificateRefusal(claimed: number, socket: Socket): Refusal | undefined {
    // The TLS server refuses unverified certificates itself; this holds should that ever change.
    if (!(socket instanceof TLSSocket) || !socket.authorized) {
      return { code: PeerCloseCode.AUTH_FAILED, reason: 'no verified member certificate', told: AUTH_FAILED_TOLD };
    }
    if (!this.options.tls!.clientHostnameVerification) return undefined;
    const host = this.options.memberHosts.get(claimed);
    const certificate = socket.getPeerCertificate();
    const mismatch = host === undefined ? new Error('no such member') : checkServerIdentity(host, certificate);
    if (mismatch === undefined) return undefined;
    return {
      code: PeerCloseCode.AUTH_FAILED,
      reason: `certificate does not name the host ${host ?? '?'} of server ${claimed}, which the dialler claims to be: ${clipForLog(mismatch.message)}`,
      told: AUTH_FAILED_TOLD,
    };
  }

  private checkSecret(hello: Hello): GateVerdict {
    const { auth, serverId } = hello;
    const secret = this.options.secret;
    if (secret === undefined || this.book === undefined) {
      if (auth === undefined) return { kind: 'pass', welcomeProof: undefined };
      return { kind: 'refuse', refusal: { code: PeerCloseCode.HANDSHAKE_REFUSED, reason: `server ${serverId} sent a peer-secret proof, but this server has no quorum.auth.secretFile`, told: 'this server does not use a peer secret' } };
    }
    if (auth === undefined) return this.challenge(serverId);
    const verdict = this.book.check(auth.challenge, serverId);
    switch (verdict) {
      case 'unknown':
      case 'expired':
        // A slow dialler, or one whose challenge came from this server's previous run: it may try again.
        return this.challenge(serverId, verdict);
      case 'used':
        return authFailed(`a hello claiming server ${serverId} answered a challenge that was already answered (a replay)`);
      case 'fresh':
        break;
      default:
        return assertNever(verdict, 'challenge verdict');
    }
    const binding: HelloBinding = { ensembleId: this.options.ensembleId, diallerId: serverId, acceptorId: this.options.myId, challenge: auth.challenge, nonce: auth.nonce };
    if (!proofMatches(helloProof(secret, 'dialler', binding), auth.proof)) {
      return authFailed(`wrong proof from a dialler claiming server ${serverId}: it does not hold this ensemble's peer secret`);
    }
    if (!this.book.spend(auth.challenge)) {
      return { kind: 'refuse', refusal: { code: PeerCloseCode.TRY_AGAIN_LATER, reason: 'too many answered challenges to remember', told: 'busy; try again later' } };
    }
    return { kind: 'pass', welcomeProof: helloProof(secret, 'acceptor', binding) };
  }

  private challenge(serverId: number, why?: 'unknown' | 'expired'): GateVerdict {
    const refusal = challengeRefusal();
    if (why !== undefined) refusal.reason = `challenged again: the hello answered an ${why} challenge`;
    return { kind: 'challenge', challenge: this.book!.issue(serverId), refusal };
  }
}
