// Peer batch plans, against the ensemble's leader and a follower. Like client batches, a plan depends only
// on the seed and the batch index. Three kinds of connections:
// - before the hello: a mutated hello (header value), a mangled header, a hello for the wrong ensemble or
//   member, raw TCP bytes; a hello that happens to be valid is followed by a batch;
// - in the name of a RUNNING member, with the right ensemble id: the acceptor must refuse it while that
//   member's link is healthy (these send nothing after the upgrade, so even if one were wrongly accepted
//   it would say nothing in that member's name);
// - after a valid hello in the forged member's name (targets.ts): batches of ZAB messages, valid-shaped
//   and mutated, in a learner session numbered as a real learner numbers it.
import { Prng, deriveSeed } from '../sim/prng.js';
import type { Script } from './conn.js';
import { writeMsgpack } from './msgpack-writer.js';
import { frameFromNothing, mutateBytes, mutateValue, mutatedFrame, type Frame, type MutationNote } from './mutate.js';
import { HELLO_HEADER, HELLO_IN_HEADER, LearnerScript, helloHeaderValue, peerMessage, validHello, type PeerContext } from './peer-frames.js';
import { PRE_SHARE, closesPeerLink, openThenLast } from './plan.js';
import { rawRequest } from './raw-requests.js';
import { decode } from '../../protocol/index.js';

const STREAM_PEER = 2;

/** Ids of the running members by role. */
export interface LiveMembers {
  leader: number;
  follower: number;
}

/** Frames a script is worth in the counts: its hello attempt (unless the valid one), then its frames. */
export function scriptFrames(s: Script): number {
  return s.frames.length + (s.hello !== undefined && !s.hello.valid ? 1 : 0);
}

export function peerBatch(seed: number, batch: number, frames: number, ctx: PeerContext, live: LiveMembers): Script[] {
  const prng = new Prng(deriveSeed(seed, STREAM_PEER, batch));
  const scripts: Script[] = [];
  let planned = 0;
  let pre = 0;
  while (planned < frames) {
    const role = prng.chance(0.5) ? 'leader' : 'follower';
    const script = pre < PRE_SHARE * planned ? preHello(prng, ctx, role, live) : postHello(prng, ctx, role, Math.min(frames - planned, prng.int(3, 40)));
    const n = scriptFrames(script);
    if (script.lane === undefined) pre += n;
    planned += n;
    scripts.push(script);
  }
  return scripts;
}

/** True when a hello header value would pass the hello check as a running member. */
export function claimsLiveMember(value: string | undefined, ctx: PeerContext, live: LiveMembers): boolean {
  if (value === undefined) return false;
  let v: unknown;
  try {
    v = decode(Buffer.from(value, 'base64url'));
  } catch {
    return false;
  }
  const hello = (v as { hello?: unknown } | null)?.hello as { serverId?: unknown; ensembleId?: unknown } | undefined;
  return typeof hello === 'object' && hello !== null && (hello.serverId === live.leader || hello.serverId === live.follower) && hello.ensembleId === ctx.ensembleId;
}

function headerLevel(prng: Prng): { value: string | undefined; what: string } {
  return prng.pick<() => { value: string | undefined; what: string }>([
    () => ({ value: undefined, what: 'no hello header' }),
    () => ({ value: '', what: 'empty hello header' }),
    () => ({ value: 'not base64!', what: 'hello header that is not base64url' }),
    () => ({ value: 'gaVoZWxsbw+/==', what: 'hello header in standard base64 with padding' }),
    () => ({ value: 'A'.repeat(prng.int(1_025, 3_500)), what: 'hello header over its length limit' }),
    () => ({ value: 'A'.repeat(prng.int(5_000, 20_000)), what: 'hello header over the request head limit' }),
    () => ({ value: Buffer.from(Array.from({ length: prng.int(1, 200) }, () => prng.int(0, 255))).toString('base64url'), what: 'hello header of random bytes' }),
  ])();
}

function preHello(prng: Prng, ctx: PeerContext, role: 'leader' | 'follower', live: LiveMembers): Script {
  const target = live[role];
  const other = role === 'leader' ? live.follower : live.leader;
  const roll = prng.next();
  if (roll < 0.1) {
    const hello = helloHeaderValue(writeMsgpack(validHello(ctx)));
    return { channel: 'peer', role, opening: undefined, raw: true, frames: rawRequest(prng, `${HELLO_HEADER}: ${prng.chance(0.5) ? hello : 'AAAA'}`) };
  }
  if (roll < 0.15 && HELLO_IN_HEADER) {
    // A member's identity while its real link is healthy: must be refused (liveness probe). Peer protocol
    // 1 had no such probe (a newer hello replaced the link), so these are only sent to protocol 2 servers.
    const value = helloHeaderValue(writeMsgpack(validHello(ctx, other)));
    return { channel: 'peer', role, opening: undefined, hello: { value, valid: false, notes: [{ path: 'hello', what: `valid hello in the name of running member ${other}` }] }, mustRefuse: `a hello in the name of running member ${other} (its link healthy) was accepted by server ${target}`, frames: [] };
  }
  const frames: Frame[] = [];
  let hello: NonNullable<Script['hello']>;
  if (roll < 0.3 && HELLO_IN_HEADER) {
    const h = headerLevel(prng);
    hello = { value: h.value, valid: false, notes: [{ path: '(header)', what: h.what }] };
  } else if (roll < 0.4) {
    const [what, v] = prng.pick<[string, unknown]>([
      ['hello for another ensemble', { hello: { ...(validHello(ctx).hello as object), ensembleId: 'f'.repeat(ctx.ensembleId.length) } }],
      ['hello with the target\'s own id', validHello(ctx, target)],
      ['hello from a server id not in the ensemble', validHello(ctx, prng.pick([0, 4, 9, 255, 2 ** 53]))],
    ]);
    hello = { value: helloHeaderValue(writeMsgpack(v)), valid: false, notes: [{ path: 'hello', what }] };
  } else {
    const f = mutatedFrame(prng, () => validHello(ctx), { pValid: 0 });
    let value = typeof f.data === 'string' ? undefined : helloHeaderValue(f.data);
    const notes: MutationNote[] = [...f.notes];
    if (typeof f.data === 'string') notes.push({ path: '(header)', what: 'text frame as a hello: no header sent' });
    if (claimsLiveMember(value, ctx, live)) {
      value = helloHeaderValue(writeMsgpack({ hello: 1 }));
      notes.push({ path: 'hello', what: 'the mutation named a running member: replaced by { hello: 1 }' });
    }
    hello = { value, valid: false, notes };
  }
  if (prng.chance(0.3)) frames.push(batchFrame(prng, ctx, undefined));
  return { channel: 'peer', role, opening: undefined, hello, frames };
}

function postHello(prng: Prng, ctx: PeerContext, role: 'leader' | 'follower', count: number): Script {
  const script = role === 'leader' && prng.chance(0.7) ? new LearnerScript(prng) : undefined;
  const frames = openThenLast(count, () => batchFrame(prng, ctx, script, prng.chance(0.3)), () => batchFrame(prng, ctx, script, true), closesPeerLink);
  const value = helloHeaderValue(writeMsgpack(validHello(ctx)));
  return { channel: 'peer', role, opening: undefined, hello: { value, valid: true, notes: [] }, lane: `link-${role}`, frames };
}

/** A batch frame: an array of messages, some mutated; with `damage`, also frames from nothing and byte mutations. */
function batchFrame(prng: Prng, ctx: PeerContext, script: LearnerScript | undefined, damage = true): Frame {
  const notes: MutationNote[] = [];
  const roll = prng.next();
  if (damage && roll < 0.05) return frameFromNothing(prng);
  const messages = Array.from({ length: prng.int(1, 8) }, () => peerMessage(prng, ctx, script));
  if (roll < 0.3) return { data: writeMsgpack(messages), notes };
  let tree: unknown = messages;
  if (roll < 0.8) {
    const i = prng.int(0, messages.length - 1);
    messages[i] = mutateValue(prng, messages[i], notes) as Record<string, unknown>;
    notes.forEach((n) => { n.path = `[${i}].${n.path}`; });
  } else {
    tree = mutateValue(prng, messages, notes);
  }
  let bytes = writeMsgpack(tree);
  if (damage && prng.chance(0.15)) bytes = mutateBytes(prng, bytes, notes);
  return { data: bytes, notes };
}
