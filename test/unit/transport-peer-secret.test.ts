// Shared-secret peer authentication on real transports over loopback sockets: members with the secret
// link (both ways mutually authenticated); a member with another secret or none links with nobody and
// delivers nothing; a captured hello cannot be replayed; a proof made for one member is refused by
// another; impostors cannot displace or probe a member's link; a flood of challenge requests does not stop
// a member from linking; and the secret's size bounds hold.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PeerCloseCode, PeerTransport, TransportConfigError, ensembleIdOf, type PeerEndpoint } from '../../src/transport/index.js';
import { HELLO_HEADER, challengeHeaders, checkHello, decodeHelloHeader, readChallenge } from '../../src/transport/handshake.js';
import { CHALLENGE_BYTES, NONCE_BYTES, helloProof } from '../../src/transport/hello-proof.js';
import type { Hello } from '../../src/transport/codec.js';
import { dialOnce, guessTheSecret, memberHello } from '../support/peer-impostors.js';
import { assertLinksWork, closeAllMembers, endpoints, failedDials, linksUp, logged, received, startMember, stopMembers } from '../support/transport-members.js';
import { until } from '../support/until.js';

const SECRET = new Uint8Array(randomBytes(48));

after(closeAllMembers);

interface Answer { status: number; code: string | undefined; challenge: Uint8Array | undefined }

/** One dial with `hello`: the HTTP answer of a refusal, or 'open' if the acceptor upgraded. */
async function dial(port: number, hello: Hello): Promise<Answer | 'open'> {
  let answer: Answer | undefined;
  const outcome = await dialOnce(`ws://127.0.0.1:${port}/`, hello, {}, (res: IncomingMessage) => {
    const code = res.headers['canopy-refusal-code'];
    answer = { status: res.statusCode ?? 0, code: typeof code === 'string' ? code : undefined, challenge: readChallenge(res.headers) };
  });
  return outcome === 'completed' ? 'open' : answer ?? { status: 0, code: undefined, challenge: undefined };
}

/** The second hello of an exchange, as a holder of `secret` claiming `diallerId` writes it for `acceptorId`. */
function answerHello(peers: readonly PeerEndpoint[], diallerId: number, acceptorId: number, challenge: Uint8Array, secret: Uint8Array = SECRET): Hello {
  const ensembleId = ensembleIdOf(peers);
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const proof = helloProof(secret, 'dialler', { ensembleId, diallerId, acceptorId, challenge, nonce });
  return { ...memberHello(ensembleId, diallerId), auth: { challenge, nonce, proof } };
}

describe('shared-secret peer authentication', () => {
  test('three members with the secret link and exchange messages; the transport says how they authenticate', async () => {
    const peers = await endpoints(3);
    const [a, b, c] = await Promise.all(peers.map((p) => startMember(p.id, peers, { authentication: { secret: SECRET } })));
    assert.equal(a!.transport.authentication, 'secret');
    await assertLinksWork(a!, b!, 'ab');
    await assertLinksWork(b!, c!, 'bc');
    await assertLinksWork(a!, c!, 'ac');
    // Every link began with a challenge, logged at debug only.
    assert.equal(logged(a!, /refusing inbound peer connection/).filter((e) => e.level !== 'debug').length, 0);
    await stopMembers(a!, b!, c!);
  });

  test('a member with another secret, or none, links with nobody in either direction and delivers nothing', async () => {
    for (const [what, auth] of [['another secret', { secret: new Uint8Array(randomBytes(48)) }], ['no secret', {}]] as const) {
      const peers = await endpoints(3);
      const [a, b] = await Promise.all([1, 2].map((id) => startMember(id, peers, { authentication: { secret: SECRET } })));
      const odd = await startMember(3, peers, { authentication: auth });
      for (const m of [a!, b!]) {
        m.transport.send(3, { to: 'odd' });
        odd.transport.send(m.id, { from: 'odd' });
      }
      await until(() => [1, 2].every((id) => failedDials(odd, id) >= 3) && [a!, b!].every((m) => failedDials(m, 3) >= 3), { message: `${what}: repeated failures both ways` });
      await assertLinksWork(a!, b!, what);
      // Without a secret the odd member's own acceptor takes anyone, members included; their diallers
      // then find no proof in its welcome and leave before sending anything.
      assert.equal(logged(odd, /^peer link up$/).length, 0, `${what}: the odd member's diallers got no link`);
      assert.equal(linksUp(a!, 3) + linksUp(b!, 3), 0, `${what}: no member linked with it`);
      assert.deepEqual([received(a!, 3), received(b!, 3), received(odd, 1), received(odd, 2)], [[], [], [], []], `${what}: nothing delivered`);
      assert.ok(logged(a!, /refusing inbound peer connection/, new RegExp(`"code":${PeerCloseCode.AUTH_FAILED}|"code":${PeerCloseCode.AUTH_CHALLENGE}`)).length > 0);
      await stopMembers(a!, b!, odd);
    }
  });

  test('a captured hello cannot be replayed; a proof made for another member or another id is refused', async () => {
    // Only member 1 runs: claims to 2 and 3 meet no live link, so authentication alone decides.
    const peers = await endpoints(3);
    const one = await startMember(1, peers, { authentication: { secret: SECRET } });
    const port = one.transport.port;
    const ensembleId = ensembleIdOf(peers);
    const challenged = await dial(port, memberHello(ensembleId, 2));
    assert.ok(challenged !== 'open' && challenged.status === 401 && challenged.code === String(PeerCloseCode.AUTH_CHALLENGE) && challenged.challenge !== undefined);
    const captured = answerHello(peers, 2, 1, challenged.challenge!);
    assert.equal(await dial(port, captured), 'open', 'the right answer is accepted');
    await until(() => linksUp(one, 2) >= 1 && !one.transport.linkStatus().find((s) => s.peer === 2)?.inbound, { message: 'the test link came and went' });
    const replayed = await dial(port, captured);
    assert.ok(replayed !== 'open' && replayed.status === 403 && replayed.code === String(PeerCloseCode.AUTH_FAILED), `replay: ${JSON.stringify(replayed)}`);
    assert.ok(logged(one, /refusing inbound peer connection/, /a replay/).length >= 1, 'the replay is logged as one');

    const fresh = await dial(port, memberHello(ensembleId, 2));
    assert.ok(fresh !== 'open' && fresh.challenge !== undefined);
    const forThree = await dial(port, answerHello(peers, 2, 3, fresh.challenge!));
    assert.ok(forThree !== 'open' && forThree.code === String(PeerCloseCode.AUTH_FAILED), 'a proof made for member 3');
    const asThree = await dial(port, answerHello(peers, 3, 1, fresh.challenge!));
    assert.ok(asThree !== 'open' && asThree.code === String(PeerCloseCode.AUTH_CHALLENGE), 'member 2\'s challenge answered in member 3\'s name');
    const wrongSecret = await dial(port, answerHello(peers, 2, 1, fresh.challenge!, new Uint8Array(randomBytes(48))));
    assert.ok(wrongSecret !== 'open' && wrongSecret.code === String(PeerCloseCode.AUTH_FAILED), 'a wrong secret');
    assert.equal(await dial(port, answerHello(peers, 2, 1, fresh.challenge!)), 'open', 'refusals did not spend the challenge');
    await stopMembers(one);
  });

  test('impostors claiming a member neither displace its link nor make the acceptor probe it; the link carries on', async () => {
    const peers = await endpoints(2);
    const [a, b] = await Promise.all(peers.map((p) => startMember(p.id, peers, { authentication: { secret: SECRET } })));
    await assertLinksWork(a!, b!, 'before');
    const ensembleId = ensembleIdOf(peers);
    const guess = guessTheSecret(ensembleId);
    for (let i = 0; i < 100; i++) {
      assert.equal(await guess({ id: 1, peerPort: a!.transport.port }, 2), 'refused');
      assert.equal(await dialOnce(`ws://127.0.0.1:${a!.transport.port}/`, memberHello(ensembleId, 2)), 'refused');
    }
    await assertLinksWork(a!, b!, 'after');
    assert.deepEqual(a!.downs, [], 'member 2 was never reported down');
    assert.equal(logged(a!, /replaced|pinging the established link/).length, 0, 'no probe, no replacement');
    assert.equal(logged(a!, /^inbound peer link up$/, /"peer":2/).length, 1, 'one link from member 2, the first');
    await stopMembers(a!, b!);
  });

  test('a flood of challenge requests does not stop a member from linking', async () => {
    const peers = await endpoints(2);
    const a = await startMember(1, peers, { authentication: { secret: SECRET } });
    const ensembleId = ensembleIdOf(peers);
    for (let round = 0; round < 20; round++) {
      const answers = await Promise.all(Array.from({ length: 25 }, () => dial(a.transport.port, memberHello(ensembleId, 2))));
      assert.ok(answers.every((x) => x !== 'open' && x.challenge !== undefined));
    }
    const b = await startMember(2, peers, { authentication: { secret: SECRET } });
    await assertLinksWork(a, b, 'after the flood');
    await stopMembers(a, b);
  });

  test('a dialler answers a challenge at once, but one challenge after its answer is a failure: backoff, then a fresh start', async () => {
    // A fake acceptor on member 2's address that challenges every hello, answered or not.
    const peers = await endpoints(2);
    const kinds: Array<'plain' | 'answer'> = [];
    const fake = createServer();
    fake.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      // The dialler resets the connection once it has read the answer.
      socket.on('error', () => {});
      const header = req.headers[HELLO_HEADER];
      const decoded = decodeHelloHeader(header);
      const checked = decoded.ok ? checkHello(decoded.value, { myId: 2, ensembleId: ensembleIdOf(peers), members: new Set([1, 2]) }) : decoded;
      kinds.push(checked.ok && checked.value.auth !== undefined ? 'answer' : 'plain');
      const headers = Object.entries({ ...challengeHeaders(new Uint8Array(randomBytes(CHALLENGE_BYTES))), Connection: 'close', 'Content-Length': '0' });
      socket.end(`HTTP/1.1 401 Unauthorized\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    });
    await new Promise<void>((resolve) => fake.listen(peers[1]!.port, '127.0.0.1', resolve));
    const one = await startMember(1, peers, { authentication: { secret: SECRET }, reconnectMinMs: 10, reconnectMaxMs: 20 });
    await until(() => kinds.length >= 10, { message: 'ten dials' });
    await stopMembers(one);
    await new Promise<void>((resolve) => fake.close(() => resolve()));
    // plain, answer, plain, answer, ...: each challenge to a plain hello is answered once, never twice in a row.
    const pairs = kinds.slice(0, 10);
    assert.deepEqual(pairs, Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'plain' : 'answer')));
    assert.ok(failedDials(one, 2) >= 4, 'each answered-then-challenged dial is a failure');
  });

  test('a secret shorter than 32 bytes or longer than 4096 is refused at start', async () => {
    const peers = await endpoints(2);
    for (const bytes of [0, 31, 4097]) {
      await assert.rejects(
        PeerTransport.start({ myId: 1, ensembleId: ensembleIdOf(peers), peers, onMessage: () => {}, authentication: { secret: new Uint8Array(bytes) } }),
        (e: unknown) => e instanceof TransportConfigError && /32 to 4096 bytes/.test(e.message),
      );
    }
  });
});
