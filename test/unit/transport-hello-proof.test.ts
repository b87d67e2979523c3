// The shared-secret handshake as pure functions (hello-proof.ts, hello-gate.ts, handshake.ts), with a
// fake clock: a proof holds only for the secret, the roles, the two server ids, the ensemble, the
// challenge and the nonce it was made for; challenges are single-use, expire, survive no restart and
// cannot be forged; the bound on remembered challenges holds; and hostile, truncated or oversized fields
// are refused without throwing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Packr } from 'msgpackr';
import { PEER_PROTOCOL_VERSION, decodeFrame, encodeWelcome, type Hello } from '../../src/transport/codec.js';
import { CHALLENGE_HEADER, checkHello, checkWelcome, challengeHeaders, decodeHelloHeader, encodeHelloHeader, readChallenge } from '../../src/transport/handshake.js';
import { HelloGate, type GateVerdict } from '../../src/transport/hello-gate.js';
import { CHALLENGE_BYTES, ChallengeBook, NONCE_BYTES, PROOF_BYTES, helloProof, proofMatches, type HelloBinding } from '../../src/transport/hello-proof.js';
import { PeerCloseCode } from '../../src/transport/index.js';

const SECRET = new Uint8Array(randomBytes(48));
const ENSEMBLE = '0123456789abcdef';
const TTL_MS = 5_000;
const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

class FakeClock {
  ms = 1_000;
  readonly now = (): number => this.ms;
}

function book(clock: FakeClock, usedMax = 100): ChallengeBook {
  return new ChallengeBook({ ttlMs: TTL_MS, usedMax, now: clock.now, randomBytes: (n) => bytes(n) });
}

function binding(over: Partial<HelloBinding> = {}): HelloBinding {
  return { ensembleId: ENSEMBLE, diallerId: 2, acceptorId: 1, challenge: bytes(CHALLENGE_BYTES), nonce: bytes(NONCE_BYTES), ...over };
}

/** Values a hostile peer could put where a proof or a binary belongs. */
function hostileBinaries(): unknown[] {
  return [
    undefined, null, 0, 1.5, 'x'.repeat(PROOF_BYTES), { toString: 1 }, { length: PROOF_BYTES }, Array.from({ length: PROOF_BYTES }, () => 0),
    new Uint8Array(0), new Uint8Array(PROOF_BYTES - 1), new Uint8Array(PROOF_BYTES + 1), new Uint8Array(1 << 20), new Uint16Array(PROOF_BYTES / 2),
    JSON.parse('{"__proto__": {"length": 32}}'),
  ];
}

describe('hello proofs', () => {
  test('a proof matches only its own secret, role, server ids, ensemble, challenge and nonce', () => {
    const b = binding();
    const proof = helloProof(SECRET, 'dialler', b);
    assert.equal(proof.byteLength, PROOF_BYTES);
    assert.ok(proofMatches(helloProof(SECRET, 'dialler', { ...b }), proof), 'the same exchange gives the same proof');
    const others: Array<[string, Uint8Array]> = [
      ['another secret', helloProof(bytes(48), 'dialler', b)],
      ['the other role (a reflected proof)', helloProof(SECRET, 'acceptor', b)],
      ['another dialler id', helloProof(SECRET, 'dialler', { ...b, diallerId: 3 })],
      ['another acceptor id', helloProof(SECRET, 'dialler', { ...b, acceptorId: 3 })],
      ['the two ids swapped', helloProof(SECRET, 'dialler', { ...b, diallerId: b.acceptorId, acceptorId: b.diallerId })],
      ['another ensemble', helloProof(SECRET, 'dialler', { ...b, ensembleId: 'fedcba9876543210' })],
      ['another challenge', helloProof(SECRET, 'dialler', { ...b, challenge: bytes(CHALLENGE_BYTES) })],
      ['another nonce', helloProof(SECRET, 'dialler', { ...b, nonce: bytes(NONCE_BYTES) })],
    ];
    for (const [what, other] of others) assert.ok(!proofMatches(proof, other), what);
  });

  test('hostile, truncated and oversized values never match a proof and never throw', () => {
    const proof = helloProof(SECRET, 'dialler', binding());
    for (const v of hostileBinaries()) assert.equal(proofMatches(proof, v), false);
    assert.equal(proofMatches(proof, proof.subarray(0, PROOF_BYTES - 1)), false, 'truncated');
  });

  test('a binding with a challenge or nonce of the wrong size is a bug, not a proof', () => {
    assert.throws(() => helloProof(SECRET, 'dialler', binding({ nonce: bytes(NONCE_BYTES - 1) })), RangeError);
    assert.throws(() => helloProof(SECRET, 'dialler', binding({ challenge: bytes(CHALLENGE_BYTES + 1) })), RangeError);
  });
});

describe('challenges', () => {
  test('fresh when issued, for the claimed id only; used once answered; expired after the ttl', () => {
    const clock = new FakeClock();
    const b = book(clock);
    const c = b.issue(2);
    assert.equal(c.byteLength, CHALLENGE_BYTES);
    assert.equal(b.check(c, 2), 'fresh');
    assert.equal(b.check(c, 3), 'unknown', 'issued to another claimed id');
    assert.equal(b.check(c, 2), 'fresh', 'checking does not spend');
    assert.ok(b.spend(c));
    assert.equal(b.check(c, 2), 'used', 'a replay');
    const late = b.issue(2);
    clock.ms += TTL_MS - 1;
    assert.equal(b.check(late, 2), 'fresh');
    clock.ms += 1;
    assert.equal(b.check(late, 2), 'expired');
  });

  test('a challenge is not recognised after a restart, and no byte of it can be changed', () => {
    const clock = new FakeClock();
    const c = book(clock).issue(2);
    assert.equal(book(clock).check(c, 2), 'unknown', 'another book (a restarted acceptor) has another key');
    const b = book(clock);
    const mine = b.issue(2);
    for (let i = 0; i < CHALLENGE_BYTES; i++) {
      const forged = new Uint8Array(mine);
      forged[i]! ^= 0x01;
      assert.equal(b.check(forged, 2), 'unknown', `byte ${i} changed`);
    }
    // Moving the issue time forward would extend a challenge's life: the tag covers it.
    clock.ms += TTL_MS;
    const renewed = new Uint8Array(mine);
    const now = Buffer.alloc(8);
    now.writeBigUInt64BE(BigInt(clock.ms));
    // The layout: 32 random bytes, the issue time (8 bytes), the tag.
    renewed.set(now, 32);
    assert.equal(b.check(renewed, 2), 'unknown');
    assert.equal(b.check(mine, 2), 'expired');
  });

  test('truncated and oversized challenges are unknown', () => {
    const b = book(new FakeClock());
    const c = b.issue(2);
    for (const v of [c.subarray(0, CHALLENGE_BYTES - 1), new Uint8Array([...c, 0]), new Uint8Array(0), new Uint8Array(1 << 16)]) assert.equal(b.check(v, 2), 'unknown');
  });

  test('the bound on remembered challenges: a full book refuses to spend more, until answered ones expire', () => {
    const clock = new FakeClock();
    const b = book(clock, 3);
    for (let i = 0; i < 3; i++) assert.ok(b.spend(b.issue(2)));
    assert.equal(b.usedCount, 3);
    const fourth = b.issue(2);
    assert.equal(b.spend(fourth), false, 'full: refused rather than forgetting one that could then be replayed');
    assert.equal(b.check(fourth, 2), 'fresh', 'refusing to spend does not spend');
    clock.ms += TTL_MS;
    assert.equal(b.usedCount, 3);
    assert.ok(b.spend(b.issue(2)), 'expired answers are forgotten');
    assert.equal(b.usedCount, 1);
  });

  test('issuing and checking remember nothing: only a spent challenge is kept', () => {
    const b = book(new FakeClock());
    for (let i = 0; i < 10_000; i++) b.check(b.issue(i % 7), i % 7);
    for (let i = 0; i < 1_000; i++) b.check(bytes(CHALLENGE_BYTES), 2);
    assert.equal(b.usedCount, 0);
  });
});

describe('the hello and the welcome on the wire', () => {
  const me = { myId: 1, ensembleId: ENSEMBLE, members: new Set([1, 2, 3]) };
  const hello = (auth: unknown): unknown => ({ hello: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: ENSEMBLE, auth } });
  const withoutAuth = { hello: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: ENSEMBLE } };
  const goodAuth = (): { challenge: Uint8Array; nonce: Uint8Array; proof: Uint8Array } => ({ challenge: bytes(CHALLENGE_BYTES), nonce: bytes(NONCE_BYTES), proof: bytes(PROOF_BYTES) });

  test('an auth field round-trips through the hello header', () => {
    const auth = goodAuth();
    const sent: Hello = { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: ENSEMBLE, auth };
    const decoded = decodeHelloHeader(encodeHelloHeader(sent));
    assert.ok(decoded.ok);
    const checked = checkHello(decoded.value, me);
    assert.ok(checked.ok);
    assert.deepEqual(checked.value.auth, auth);
    assert.deepEqual(checkHello(withoutAuth, me), { ok: true, value: { version: PEER_PROTOCOL_VERSION, serverId: 2, ensembleId: ENSEMBLE } });
  });

  test('hostile, truncated or oversized auth fields are refused as protocol errors without throwing', () => {
    const cases: unknown[] = [null, 1, 'auth', [], { toString: 1 }, JSON.parse('{"__proto__": {"proof": 1}}'), { ...goodAuth(), constructor: 1 }];
    for (const field of ['challenge', 'nonce', 'proof'] as const) {
      for (const v of hostileBinaries()) cases.push({ ...goodAuth(), [field]: v });
    }
    for (const auth of cases) {
      const checked = checkHello(hello(auth), me);
      assert.equal(checked.ok, false);
      if (!checked.ok) assert.equal(checked.code, PeerCloseCode.PROTOCOL_ERROR);
    }
    // Through the real decoder too: a hostile encoder's binaries of the wrong size.
    const packr = new Packr({ useRecords: false, moreTypes: false });
    const frame = decodeFrame(packr.pack(hello({ ...goodAuth(), proof: new Uint8Array(PROOF_BYTES * 1000) })));
    assert.equal(checkHello(frame, me).ok, false);
  });

  test('a welcome must carry exactly the expected proof when one is expected', () => {
    const proof = bytes(PROOF_BYTES);
    const welcome = (p: unknown): unknown => decodeFrame(new Packr({ useRecords: false }).pack({ welcome: { serverId: 1, proof: p } }));
    assert.deepEqual(checkWelcome(decodeFrame(encodeWelcome(1, proof)), 1, proof), { ok: true, value: 1 });
    assert.equal(checkWelcome(decodeFrame(encodeWelcome(1)), 1).ok, true, 'no proof expected, none needed');
    for (const v of [...hostileBinaries(), bytes(PROOF_BYTES)]) {
      const checked = checkWelcome(welcome(v), 1, proof);
      assert.equal(checked.ok, false);
      if (!checked.ok) assert.equal(checked.code, PeerCloseCode.AUTH_FAILED);
    }
    assert.equal(checkWelcome(decodeFrame(encodeWelcome(2, proof)), 1, proof).ok, false, 'the right proof from the wrong server');
  });

  test('a challenge header is read only when it is exactly one challenge', () => {
    const c = bytes(CHALLENGE_BYTES);
    assert.deepEqual(readChallenge(challengeHeaders(c)), c);
    const b64 = Buffer.from(c).toString('base64url');
    for (const v of [undefined, '', b64.slice(1), `${b64}A`, `${b64.slice(1)}=`, `${b64.slice(1)}+`, 'A'.repeat(100_000), [b64], 42]) {
      assert.equal(readChallenge({ [CHALLENGE_HEADER]: v as string }), undefined);
    }
    assert.equal(readChallenge(JSON.parse(`{"__proto__": {"${CHALLENGE_HEADER}": "${b64}"}}`)), undefined, 'not an own header');
  });
});

describe('the acceptor\'s gate, shared-secret mode', () => {
  const memberHosts = new Map([[1, '127.0.0.1'], [2, '127.0.0.1'], [3, '127.0.0.1']]);
  const socket = new Socket();
  function gate(clock: FakeClock, { secret, myId }: { secret: Uint8Array | undefined; myId: number } = { secret: SECRET, myId: 1 }): HelloGate {
    return new HelloGate({ myId, ensembleId: ENSEMBLE, memberHosts, secret, tls: undefined, challengeTtlMs: TTL_MS, now: clock.now, randomBytes: (n) => bytes(n) });
  }
  const plainHello = (serverId = 2): Hello => ({ version: PEER_PROTOCOL_VERSION, serverId, ensembleId: ENSEMBLE });
  function challengeOf(v: GateVerdict): Uint8Array {
    assert.equal(v.kind, 'challenge');
    return (v as { challenge: Uint8Array }).challenge;
  }
  /** What a member holding `secret` sends in answer to `challenge`, and the welcome proof it then expects. */
  function answer(challenge: Uint8Array, secret: Uint8Array = SECRET, over: Partial<HelloBinding> = {}): { hello: Hello; expected: Uint8Array } {
    const b = { ensembleId: ENSEMBLE, diallerId: 2, acceptorId: 1, challenge, nonce: bytes(NONCE_BYTES), ...over };
    return { hello: { ...plainHello(b.diallerId), auth: { challenge, nonce: b.nonce, proof: helloProof(secret, 'dialler', b) } }, expected: helloProof(secret, 'acceptor', b) };
  }
  function refusedCode(v: GateVerdict): number | undefined {
    return v.kind === 'refuse' ? v.refusal.code : undefined;
  }

  test('a hello without a proof is challenged; the right answer passes once, with the acceptor\'s proof for the welcome', () => {
    const g = gate(new FakeClock());
    const first = g.check(plainHello(), socket);
    assert.equal(first.kind, 'challenge');
    if (first.kind === 'challenge') assert.equal(first.refusal.code, PeerCloseCode.AUTH_CHALLENGE);
    const { hello, expected } = answer(challengeOf(first));
    const passed = g.check(hello, socket);
    assert.equal(passed.kind, 'pass');
    if (passed.kind === 'pass') assert.ok(passed.welcomeProof !== undefined && proofMatches(expected, passed.welcomeProof));
    assert.equal(refusedCode(g.check(hello, socket)), PeerCloseCode.AUTH_FAILED, 'the same hello replayed');
  });

  test('wrong secret, proofs for another exchange, and a challenge for another id are refused; nothing is spent', () => {
    const g = gate(new FakeClock());
    const c = challengeOf(g.check(plainHello(), socket));
    const wrong: Array<[string, Hello]> = [
      ['a wrong secret', answer(c, bytes(48)).hello],
      ['a proof made for another acceptor', answer(c, SECRET, { acceptorId: 3 }).hello],
      ['a proof made for another ensemble', answer(c, SECRET, { ensembleId: 'fedcba9876543210' }).hello],
      ['a proof with another nonce', { ...answer(c).hello, auth: { ...answer(c).hello.auth!, nonce: bytes(NONCE_BYTES) } }],
    ];
    for (const [what, hello] of wrong) assert.equal(refusedCode(g.check(hello, socket)), PeerCloseCode.AUTH_FAILED, what);
    // Server 3's claim with server 2's challenge: not the challenge it was given.
    assert.equal(g.check(answer(c, SECRET, { diallerId: 3 }).hello, socket).kind, 'challenge', 'a challenge issued to another id');
    assert.equal(g.check(answer(c).hello, socket).kind, 'pass', 'the failures did not spend the challenge');
  });

  test('an expired challenge, or one from before a restart, earns a new challenge', () => {
    const clock = new FakeClock();
    const g = gate(clock);
    const c = challengeOf(g.check(plainHello(), socket));
    clock.ms += TTL_MS;
    assert.equal(g.check(answer(c).hello, socket).kind, 'challenge', 'expired');
    const restarted = gate(clock);
    const fresh = challengeOf(g.check(plainHello(), socket));
    assert.equal(restarted.check(answer(fresh).hello, socket).kind, 'challenge', 'issued by the previous run');
  });

  test('a captured exchange does not work against another member either', () => {
    const clock = new FakeClock();
    const one = gate(clock, { secret: SECRET, myId: 1 });
    const three = gate(clock, { secret: SECRET, myId: 3 });
    const { hello } = answer(challengeOf(one.check(plainHello(), socket)));
    assert.equal(three.check(hello, socket).kind, 'challenge', 'server 3 never issued that challenge');
  });

  test('without a secret every plain hello passes, and a hello with a proof is refused as a misconfiguration', () => {
    const g = gate(new FakeClock(), { secret: undefined, myId: 1 });
    assert.deepEqual(g.check(plainHello(), socket), { kind: 'pass', welcomeProof: undefined });
    const withProof = { ...plainHello(), auth: { challenge: bytes(CHALLENGE_BYTES), nonce: bytes(NONCE_BYTES), proof: bytes(PROOF_BYTES) } };
    assert.equal(refusedCode(g.check(withProof, socket)), PeerCloseCode.HANDSHAKE_REFUSED);
  });

  test('in TLS mode a socket without a verified certificate is refused, whatever the hello', () => {
    const g = new HelloGate({ myId: 1, ensembleId: ENSEMBLE, memberHosts, secret: undefined, tls: { clientHostnameVerification: true }, challengeTtlMs: TTL_MS, now: () => 0, randomBytes: (n) => bytes(n) });
    assert.equal(refusedCode(g.check(plainHello(), socket)), PeerCloseCode.AUTH_FAILED, 'a plain TCP socket');
  });
});
