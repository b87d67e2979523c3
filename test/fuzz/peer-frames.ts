// The peer-frame corpus: the hello that opens a peer link (a msgpack map, base64url in a header of the
// WebSocket upgrade request: src/transport/handshake.ts) and valid-shaped ZAB messages (src/zab/types.ts
// PeerMessage, with forwarding payloads from src/server/forwarding.ts) to put in batches. Learner-session
// messages can come from a LearnerScript, which numbers them as a real learner would (followerInfo at seq 0,
// then ackEpoch, ackNewLeader, acks...), so that mutations land inside a live learner session at the leader
// and not only on its "no such session" path.
import { MAX_EPOCH, OpCode } from '../../protocol/index.js';
import { PEER_PROTOCOL_VERSION } from '../../src/transport/codec.js';
import type { Prng } from '../sim/prng.js';
import { FUZZ_ROOT, fuzzPath, validRequest } from './client-frames.js';

type Obj = Record<string, unknown>;

export { PEER_PROTOCOL_VERSION };

/**
 * Where the hello travels. Peer protocol 2 carries it in this header of the WebSocket upgrade request
 * (src/transport/handshake.ts HELLO_HEADER); protocol 1 sent it as the first frame. The fuzzer speaks
 * whichever the server build speaks, so it is not tied to one transport revision.
 */
export const HELLO_HEADER = 'canopy-peer-hello';
export const HELLO_IN_HEADER = PEER_PROTOCOL_VERSION >= 2;

/** What the generator knows about the target ensemble. */
export interface PeerContext {
  /** The ensemble id every member computes (ensembleIdOf over the server.N lines). */
  ensembleId: string;
  /** Every configured member id. */
  members: readonly number[];
  /** The configured member whose identity the fuzzer borrows for valid hellos (it is not running). */
  forgedId: number;
  /** The ensemble's epoch when the run started: messages use epochs and zxids around it. */
  epoch: number;
}

/** The hello frame as a member sends it; `serverId` defaults to the forged member. */
export function validHello(ctx: PeerContext, serverId = ctx.forgedId): Obj {
  return { hello: { version: PEER_PROTOCOL_VERSION, serverId, ensembleId: ctx.ensembleId } };
}

/** The hello header's value for an encoded hello frame. */
export function helloHeaderValue(frame: Uint8Array): string {
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64url');
}

/** Epochs around the ensemble's, and now and then at the top of the range (MAX_EPOCH: 2^21 - 1). */
function epochNear(prng: Prng, ctx: PeerContext): number {
  if (prng.chance(0.01)) return prng.pick([MAX_EPOCH - 1, MAX_EPOCH]);
  return prng.pick([0, Math.max(0, ctx.epoch - 1), ctx.epoch, ctx.epoch, ctx.epoch, ctx.epoch + 1]);
}

function zxidNear(prng: Prng, ctx: PeerContext): number {
  return epochNear(prng, ctx) * 2 ** 32 + prng.pick([0, 1, prng.int(0, 5000), 0xffffffff]);
}

const OPEN_ACL = (): Obj[] => [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** kind, ephemeralOwner and ttlMs as prep makes them: an owner only for ephemerals, a TTL only for ttl nodes. */
function lifetime(prng: Prng): Obj {
  const kind = prng.pick(['persistent', 'ephemeral', 'container', 'ttl']);
  return { kind, ephemeralOwner: kind === 'ephemeral' ? prng.int(1, 2 ** 40) : 0, ttlMs: kind === 'ttl' ? prng.int(1, 60_000) : 0 };
}

/** A txn of the replicated log (protocol/txn.ts), valid in shape. */
function txn(prng: Prng, zxid: number): Obj {
  const path = fuzzPath(prng);
  const body = prng.pick<() => Obj>([
    () => ({ type: 'create', path, data: new Uint8Array(prng.int(0, 8)), acl: OPEN_ACL(), ...lifetime(prng) }),
    () => ({ type: 'delete', path }),
    () => ({ type: 'setData', path, data: new Uint8Array(3) }),
    () => ({ type: 'setACL', path, acl: [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }] }),
    () => ({ type: 'check', path }),
    () => ({ type: 'multi', txns: [{ type: 'check', path }, { type: 'delete', path }] }),
    () => ({ type: 'createSession', sessionId: prng.int(1, 2 ** 40), timeoutMs: 10_000, passwd: new Uint8Array(16) }),
    () => ({ type: 'closeSession', sessionId: prng.int(1, 2 ** 40) }),
  ])();
  return { zxid, time: 1_700_000_000_000 + prng.int(0, 2 ** 30), sessionId: prng.pick([0, prng.int(1, 2 ** 40)]), xid: prng.int(0, 1000), body };
}

/** Txns with ascending zxids above `after`. */
function txns(prng: Prng, after: number, min: number): Obj[] {
  let zxid = after;
  return Array.from({ length: prng.int(min, 4) }, () => txn(prng, ++zxid));
}

/** A SNAP's snapshot: the root, /fuzz and maybe a child, at zxid. */
function snapshot(prng: Prng, zxid: number): Obj {
  const node = (path: string): Obj => ({
    path, data: new Uint8Array(0), acl: OPEN_ACL(), czxid: 0, mzxid: 0, pzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
    kind: 'persistent', ephemeralOwner: 0, ttlMs: 0,
  });
  const nodes = [node('/'), node(FUZZ_ROOT)];
  if (prng.chance(0.5)) nodes.push(node(`${FUZZ_ROOT}/a`));
  return { zxid, nodes, sessions: [{ sessionId: prng.int(1, 2 ** 40), timeoutMs: 10_000, passwd: new Uint8Array(16) }] };
}

/** A forwarded learner payload (src/server/forwarding.ts LearnerPayload). */
/** The identities a follower forwards with a client's write: its ip, sometimes a digest or the super id. */
function forwardedIds(prng: Prng): Obj[] {
  const ids: Obj[] = [{ scheme: 'ip', id: `10.0.0.${prng.int(1, 254)}` }];
  if (prng.chance(0.3)) ids.push({ scheme: 'digest', id: `u${prng.int(0, 9)}:${'A'.repeat(27)}=` });
  if (prng.chance(0.05)) ids.push({ scheme: 'super', id: '' });
  return ids;
}

function learnerPayload(prng: Prng): Obj {
  return prng.pick<() => Obj>([
    () => {
      let request: Obj;
      do request = validRequest(prng, prng.int(1, 1000), { allowClose: false });
      while (![OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.setACL, OpCode.check, OpCode.multi].includes(request.op as never));
      return { kind: 'write', sessionId: prng.int(1, 2 ** 40), xid: request.xid, ids: forwardedIds(prng), request };
    },
    () => ({ kind: 'write', sessionId: prng.int(1, 2 ** 40), xid: 0, ids: [], request: { op: OpCode.createSession, timeoutMs: 10_000, passwd: new Uint8Array(16), newSessionId: prng.int(1, 2 ** 40) } }),
    () => ({ kind: 'write', sessionId: prng.int(1, 2 ** 40), xid: prng.int(1, 1000), ids: [], request: { op: OpCode.closeSession } }),
    () => ({ kind: 'sync', id: prng.int(0, 1000) }),
    () => ({ kind: 'touch', sessions: [[prng.int(1, 2 ** 40), 10_000]] }),
  ])();
}

/** A leader's answer payload (LeaderPayload). */
function leaderPayload(prng: Prng, ctx: PeerContext): Obj {
  return prng.chance(0.5)
    ? { kind: 'writeError', sessionId: prng.int(1, 2 ** 40), xid: prng.int(1, 1000), err: -101, zxid: zxidNear(prng, ctx), path: fuzzPath(prng) }
    : { kind: 'synced', id: prng.int(0, 1000), zxid: zxidNear(prng, ctx) };
}

/** Numbers the messages of one learner session the way a real learner (or leader) does. */
export class LearnerScript {
  readonly session: number;
  private seq = 0;

  constructor(prng: Prng) {
    this.session = prng.int(1, 2 ** 31 - 1);
  }

  /** The next seq; now and then a duplicate or a gap, which the peer must handle too. */
  next(prng: Prng): number {
    if (prng.chance(0.03)) return Math.max(0, this.seq - 1);
    if (prng.chance(0.02)) this.seq += prng.int(1, 3);
    return this.seq++;
  }

  get started(): boolean {
    return this.seq > 0;
  }
}

type Builder = (prng: Prng, ctx: PeerContext, s: { session: number; seq: number }) => Obj;

const LEARNER_MESSAGES: ReadonlyArray<readonly [string, Builder]> = [
  ['ackEpoch', (p, c, s) => ({ type: 'ackEpoch', ...s, currentEpoch: epochNear(p, c), lastZxid: zxidNear(p, c) })],
  ['ackNewLeader', (p, c, s) => ({ type: 'ackNewLeader', ...s, zxid: zxidNear(p, c) })],
  ['ack', (p, c, s) => ({ type: 'ack', ...s, zxid: zxidNear(p, c) })],
  ['pong', (_p, _c, s) => ({ type: 'pong', ...s })],
  ['request', (p, _c, s) => ({ type: 'request', ...s, payload: learnerPayload(p) })],
];

const LEADER_MESSAGES: ReadonlyArray<readonly [string, Builder]> = [
  ['leaderInfo', (p, c, s) => ({ type: 'leaderInfo', ...s, epoch: epochNear(p, c) })],
  ['sync', (p, c, s) => {
    const mode = p.pick(['diff', 'trunc', 'snap']);
    const fromZxid = zxidNear(p, c);
    const m: Obj = { type: 'sync', ...s, epoch: epochNear(p, c), mode, fromZxid, txns: txns(p, fromZxid, 0), commitZxid: zxidNear(p, c) };
    if (mode === 'snap') m.snapshot = snapshot(p, fromZxid);
    return m;
  }],
  ['proposal', (p, c, s) => ({ type: 'proposal', ...s, txns: txns(p, zxidNear(p, c), 1) })],
  ['commit', (p, c, s) => ({ type: 'commit', ...s, zxid: zxidNear(p, c) })],
  ['upToDate', (p, c, s) => ({ type: 'upToDate', ...s, commitZxid: zxidNear(p, c) })],
  ['ping', (_p, _c, s) => ({ type: 'ping', ...s })],
  ['reply', (p, c, s) => ({ type: 'reply', ...s, payload: leaderPayload(p, c) })],
];

/** Every ZAB message type the corpus builds (for the coverage test). */
export const PEER_MESSAGE_TYPES: readonly string[] = ['vote', 'followerInfo', 'abort', ...LEARNER_MESSAGES.map(([t]) => t), ...LEADER_MESSAGES.map(([t]) => t)];

export function voteMessage(prng: Prng, ctx: PeerContext): Obj {
  return {
    type: 'vote',
    vote: { leader: prng.pick(ctx.members), zxid: zxidNear(prng, ctx), peerEpoch: epochNear(prng, ctx) },
    electionEpoch: prng.pick([0, 1, ctx.epoch, ctx.epoch + 1, prng.int(0, 100)]),
    state: prng.pick(['looking', 'following', 'leading']),
  };
}

export function followerInfo(prng: Prng, ctx: PeerContext, session: number): Obj {
  return { type: 'followerInfo', session, seq: 0, acceptedEpoch: epochNear(prng, ctx), currentEpoch: epochNear(prng, ctx), lastZxid: zxidNear(prng, ctx) };
}

/**
 * One valid-shaped message. With a script, learner messages continue its session (it starts with
 * followerInfo); without one they name a random session. Leader messages go to followers.
 */
export function peerMessage(prng: Prng, ctx: PeerContext, script: LearnerScript | undefined): Obj {
  const roll = prng.next();
  if (roll < 0.15) return voteMessage(prng, ctx);
  if (roll < 0.2) return { type: 'abort', session: script?.session ?? prng.int(0, 2 ** 31), reason: prng.pick(['', 'fuzz', 'x'.repeat(200)]) };
  if (script !== undefined && !script.started) {
    script.next(prng);
    return followerInfo(prng, ctx, script.session);
  }
  const session = script?.session ?? prng.int(0, 2 ** 31);
  const seq = script?.next(prng) ?? prng.int(0, 5);
  const [, build] = prng.pick(roll < 0.7 ? LEARNER_MESSAGES : LEADER_MESSAGES);
  return build(prng, ctx, { session, seq });
}

/** Every message type once (for tests of the corpus itself). */
export function everyPeerMessage(prng: Prng, ctx: PeerContext): Obj[] {
  const s = { session: 1, seq: 1 };
  return [
    voteMessage(prng, ctx), followerInfo(prng, ctx, 1), { type: 'abort', session: 1, reason: 'fuzz' },
    ...LEARNER_MESSAGES.map(([, b]) => b(prng, ctx, s)), ...LEADER_MESSAGES.map(([, b]) => b(prng, ctx, s)),
  ];
}
