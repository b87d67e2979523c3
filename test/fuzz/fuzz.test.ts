// The fuzzer in CI: a bounded run with fixed seeds against real servers (40,000 client frames against a
// standalone server, 15,000 peer frames against a 3-server ensemble), plus checks that its corpus is
// still what the server accepts. Longer runs and replays: npm run fuzz -- --frames N --seed S.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_MAX_DATA_BYTES, OpCode, decode, decodeConnectRequest, decodeRequest, ErrorCode, encode } from '../../protocol/index.js';
import { asPeerMessage } from '../../src/zab/validate.js';
import { asLeaderPayload, asLearnerPayload } from '../../src/replica/forwarding.js';
import { Prng } from '../sim/prng.js';
import { CORPUS_OPCODES, everyValidRequest, validConnectRequest } from './client-frames.js';
import { formatFailure } from './report.js';
import { runFuzz, type FuzzStats } from './fuzzer.js';
import { writeMsgpack } from './msgpack-writer.js';
import { scanMsgpack } from './msgpack-scan.js';
import { peerBatch } from './peer-plan.js';
import { LearnerScript, PEER_MESSAGE_TYPES, everyPeerMessage, peerMessage, type PeerContext } from './peer-frames.js';
import { clientBatch } from './plan.js';

const LIMITS = { maxDataBytes: DEFAULT_MAX_DATA_BYTES };
const CTX: PeerContext = { ensembleId: '0123456789abcdef', members: [1, 2, 3], forgedId: 3, epoch: 1 };

/** Plain values: a Buffer from decode and a Uint8Array from the corpus compare equal. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bin: [...v] };
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('fuzz corpus', () => {
  test('every corpus request is valid, and encodes as the protocol encodes it', () => {
    for (const request of everyValidRequest(new Prng(1))) {
      const bytes = writeMsgpack(request);
      const decoded = decodeRequest(bytes, LIMITS);
      assert.ok(decoded.ok, `op ${String(request.op)}: ${decoded.ok ? '' : decoded.message}`);
      assert.ok(isDeepStrictEqual(plain(decode(bytes)), plain(decode(encode(request)))), `op ${String(request.op)}`);
    }
    assert.ok(decodeConnectRequest(writeMsgpack(validConnectRequest(new Prng(1)))).ok);
  });

  test('the corpus covers every opcode the server serves', () => {
    for (const op of Object.values(OpCode)) {
      const d = decodeRequest(encode({ xid: 1, op }), LIMITS);
      const served = d.ok || d.err !== ErrorCode.UNIMPLEMENTED;
      if (served) assert.ok(CORPUS_OPCODES.includes(op), `opcode ${op} is served but missing from the corpus`);
    }
  });

  test('every corpus peer message passes the peer message validation', () => {
    const prng = new Prng(2);
    assert.deepEqual(new Set(everyPeerMessage(prng, CTX).map((m) => m.type)), new Set(PEER_MESSAGE_TYPES));
    for (let i = 0; i < 2_000; i++) {
      const m = peerMessage(prng, CTX, prng.chance(0.5) ? new LearnerScript(prng) : undefined);
      assert.ok(asPeerMessage(m) !== undefined, `invalid ${String(m.type)}: ${JSON.stringify(plain(m)).slice(0, 300)}`);
      if (m.type === 'request') assert.ok(asLearnerPayload(m.payload, LIMITS) !== undefined, JSON.stringify(plain(m.payload)).slice(0, 300));
      if (m.type === 'reply') assert.ok(asLeaderPayload(m.payload) !== undefined, JSON.stringify(plain(m.payload)).slice(0, 300));
    }
  });

  test('the structural scan agrees with the decoder on whole, cut and lying frames', () => {
    for (const request of everyValidRequest(new Prng(3))) {
      const bytes = writeMsgpack(request);
      assert.equal(scanMsgpack(bytes), 'ok');
      assert.equal(scanMsgpack(bytes.subarray(0, bytes.length - 1)), 'truncated');
      assert.equal(scanMsgpack(Uint8Array.from([...bytes, 0])), 'trailing');
    }
    assert.equal(scanMsgpack(Uint8Array.from([0xc1])), 'invalid');
    assert.equal(scanMsgpack(Uint8Array.from([0xdd, 0x01, 0xff, 0xff, 0xff, 0xa1, 0x61, 0x01, 0x02])), 'truncated');
    assert.equal(scanMsgpack(new Uint8Array(100_000).fill(0x91)), 'truncated');
  });

  test('a batch plan depends only on the seed and the batch index', () => {
    const frames = (scripts: ReturnType<typeof clientBatch>): string[] => scripts.flatMap((s) => s.frames.map((f) => Buffer.from(f.data).toString('hex')));
    assert.deepEqual(frames(clientBatch(9, 3, 300)), frames(clientBatch(9, 3, 300)));
    assert.notDeepEqual(frames(clientBatch(9, 3, 300)), frames(clientBatch(9, 4, 300)));
    const live = { leader: 1, follower: 2 };
    assert.deepEqual(frames(peerBatch(9, 3, 300, CTX, live)), frames(peerBatch(9, 3, 300, CTX, live)));
  });
});

describe('fuzzing real servers', { concurrency: false }, () => {
  const sent: number[] = [];

  async function fuzz(target: 'client' | 'peer', frames: number, seed: number): Promise<FuzzStats> {
    const lines: string[] = [];
    const stats = await runFuzz({ target, frames, seed, log: (line) => lines.push(line) });
    // The log holds each failure's report (formatFailure) and what triage found.
    assert.equal(stats.failures.length, 0, lines.length > 0 ? lines.join('\n') : stats.failures.map(formatFailure).join('\n\n'));
    sent.push(stats.framesSent);
    return stats;
  }

  test('40,000 client frames before and after the handshake: the server stays up, responsive and bounded', { timeout: 300_000 }, async () => {
    const stats = await fuzz('client', 40_000, 1);
    assert.ok(stats.framesSent >= 38_000, `only ${stats.framesSent} frames sent`);
  });

  test('15,000 peer frames at the leader and a follower: the ensemble stays up, responsive and bounded', { timeout: 300_000 }, async () => {
    const stats = await fuzz('peer', 15_000, 2);
    assert.ok(stats.framesSent >= 13_500, `only ${stats.framesSent} frames sent`);
    assert.ok(sent.reduce((a, b) => a + b, 0) >= 50_000, `${sent.join(' + ')} frames in all`);
  });
});
