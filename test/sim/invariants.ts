// The safety properties checked while a run goes on. Each check runs at the moment the property could
// first break (an action carried out, a message sent, a restart), so a failure points at the step that
// broke it:
// 1. at most one established leader per epoch (and serving followers follow that leader);
// 2. every replica applies one global committed sequence, in order, without gaps (tracked by zxid);
// 3. nothing committed is lost or altered: the sequence only grows, a zxid never carries two contents,
//    only proposed txns are ever committed, and a recovered disk agrees with the sequence;
// 4. replicas at the same zxid hold identical trees (digests compared at batch ends and installs);
// 5. durability before acknowledgement, and a leader commits only what a quorum holds durably.
import type { Txn } from '../../protocol/index.js';
import type { DataTree } from '../../src/tree/index.js';
import { quorumSize } from '../../src/zab/index.js';
import type { PeerMessage, PeerStatus, ServerId } from '../../src/zab/index.js';
import type { SimDisk } from './disk.js';
import { hex } from './trace.js';

export class SimInvariantError extends Error {
  constructor(
    readonly invariant: number,
    message: string,
  ) {
    super(`invariant ${invariant} violated: ${message}`);
    this.name = 'SimInvariantError';
  }
}

/** Committed txns tracked per run; a run that commits more is misconfigured. */
export const COMMITTED_TXNS_MAX = 1_000_000;
export const TOLERATED_KEPT_MAX = 100;
/** Learner sessions remembered per peer for the ack checks (oldest forgotten first). */
export const SESSIONS_REMEMBERED_MAX = 1000;

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Txn objects travel by reference between simulated peers, so each is fingerprinted once. */
const fingerprints = new WeakMap<Txn, string>();

/** A canonical text of a txn: equal exactly when the txns are equal. */
export function txnFingerprint(t: Txn): string {
  let fp = fingerprints.get(t);
  if (fp === undefined) {
    fp = JSON.stringify(t, (_k, v: unknown) => (v instanceof Uint8Array ? `bytes:${bytesHex(v)}` : v));
    fingerprints.set(t, fp);
  }
  return fp;
}

export class InvariantChecker {
  /** epoch → the leader established in it. */
  readonly leaders = new Map<number, ServerId>();
  private readonly committed: { zxid: number; fp: string }[] = [];
  private readonly position = new Map<number, number>();
  private readonly digests = new Map<number, string>();
  private readonly proposed = new Map<number, string>();
  /** Per peer: learner session → the epoch its LEADERINFO / sync carried. */
  private readonly leaderInfoEpoch = new Map<ServerId, Map<number, number>>();
  private readonly syncEpoch = new Map<ServerId, Map<number, number>>();

  /** Learner-ack durability violations recorded instead of thrown (exploring what a known bug leads to). */
  readonly tolerated: string[] = [];

  constructor(
    private readonly voters: readonly ServerId[],
    private readonly disks: ReadonlyMap<ServerId, SimDisk>,
    private readonly tolerateAckDurability = false,
  ) {}

  private ackViolation(message: string): void {
    if (!this.tolerateAckDurability) throw new SimInvariantError(5, message);
    if (this.tolerated.length < TOLERATED_KEPT_MAX) this.tolerated.push(message);
  }

  get committedCount(): number {
    return this.committed.length;
  }

  get lastCommittedZxid(): number {
    return this.committed.length === 0 ? 0 : this.committed[this.committed.length - 1]!.zxid;
  }

  isCommitted(zxid: number): boolean {
    return this.position.has(zxid);
  }

  onPropose(leader: ServerId, txns: readonly Txn[]): void {
    for (const t of txns) {
      const fp = txnFingerprint(t);
      const seen = this.proposed.get(t.zxid);
      if (seen !== undefined && seen !== fp) throw new SimInvariantError(3, `zxid ${hex(t.zxid)} proposed twice with different contents (second time at peer ${leader})`);
      this.proposed.set(t.zxid, fp);
    }
  }

  onStatus(id: ServerId, s: PeerStatus): void {
    if (s.state === 'leading' && s.serving) {
      const other = this.leaders.get(s.epoch);
      if (other !== undefined && other !== id) throw new SimInvariantError(1, `peers ${other} and ${id} both established epoch ${s.epoch}`);
      this.leaders.set(s.epoch, id);
    }
    if (s.state === 'following' && s.serving) {
      const leader = this.leaders.get(s.epoch);
      if (leader !== s.leader) throw new SimInvariantError(1, `peer ${id} serves under leader ${s.leader} in epoch ${s.epoch}, whose established leader is ${leader ?? 'nobody'}`);
    }
  }

  /** Invariants 2 and 3 for one committed txn applied by a peer whose tree is at appliedZxid. */
  onCommitTxn(id: ServerId, appliedZxid: number, t: Txn): void {
    const fp = txnFingerprint(t);
    const proposed = this.proposed.get(t.zxid);
    if (proposed === undefined) throw new SimInvariantError(3, `peer ${id} committed ${hex(t.zxid)}, which no client proposed`);
    if (proposed !== fp) throw new SimInvariantError(3, `peer ${id} committed ${hex(t.zxid)} with contents that differ from the proposal`);
    if (t.zxid <= appliedZxid) throw new SimInvariantError(2, `peer ${id} applies ${hex(t.zxid)} on top of ${hex(appliedZxid)}: out of zxid order`);
    const at = appliedZxid === 0 ? -1 : this.position.get(appliedZxid);
    if (at === undefined) throw new SimInvariantError(2, `peer ${id} applies ${hex(t.zxid)} on top of ${hex(appliedZxid)}, which is not in the committed sequence`);
    const next = this.committed[at + 1];
    if (next === undefined) {
      if (this.committed.length >= COMMITTED_TXNS_MAX) throw new SimInvariantError(3, 'committed sequence limit reached');
      if (this.position.has(t.zxid)) throw new SimInvariantError(3, `${hex(t.zxid)} committed twice at different positions`);
      this.position.set(t.zxid, this.committed.length);
      this.committed.push({ zxid: t.zxid, fp });
      return;
    }
    if (next.zxid !== t.zxid) {
      throw new SimInvariantError(2, `peer ${id} applied ${hex(t.zxid)} after ${hex(appliedZxid)}, but the committed sequence continues with ${hex(next.zxid)}`);
    }
    if (next.fp !== fp) throw new SimInvariantError(3, `peer ${id} committed ${hex(t.zxid)} with contents that differ from the earlier commit`);
  }

  /** Invariant 4: the tree a peer holds at zxid matches every other tree seen at zxid. */
  checkTree(id: ServerId, tree: DataTree, what: string): void {
    const zxid = tree.lastZxid;
    if (zxid !== 0 && !this.position.has(zxid)) throw new SimInvariantError(2, `peer ${id} ${what}: its tree is at ${hex(zxid)}, which is not in the committed sequence`);
    const digest = tree.digest();
    const seen = this.digests.get(zxid);
    if (seen === undefined) this.digests.set(zxid, digest);
    else if (seen !== digest) throw new SimInvariantError(4, `peer ${id} ${what}: its tree at ${hex(zxid)} differs from another replica's at the same zxid`);
  }

  /** Invariant 3 on restart: the recovered log agrees with the committed sequence wherever they overlap. */
  onRecover(id: ServerId, tree: DataTree, txns: readonly Txn[]): void {
    this.checkTree(id, tree, 'after restart');
    for (const t of txns) {
      const at = this.position.get(t.zxid);
      if (at !== undefined && this.committed[at]!.fp !== txnFingerprint(t)) {
        throw new SimInvariantError(3, `peer ${id} recovered ${hex(t.zxid)} from its log with contents that differ from the committed txn`);
      }
    }
  }

  /** Remembers the epoch a learner session was offered, for the ack checks. */
  onDeliver(id: ServerId, msg: PeerMessage): void {
    if (msg.type === 'leaderInfo') sessionMap(this.leaderInfoEpoch, id).set(msg.session, msg.epoch);
    else if (msg.type === 'sync') sessionMap(this.syncEpoch, id).set(msg.session, msg.epoch);
  }

  /** Invariant 5 for a learner's acknowledgements. */
  onSend(id: ServerId, msg: PeerMessage): void {
    const disk = this.disks.get(id)!;
    switch (msg.type) {
      case 'ack':
      case 'ackNewLeader':
        if (!disk.holds(msg.zxid)) return this.ackViolation(`peer ${id} sent ${msg.type} ${hex(msg.zxid)} but its disk holds only through ${hex(disk.lastDurableZxid())}`);
        if (msg.type === 'ackNewLeader') {
          const epoch = this.syncEpoch.get(id)?.get(msg.session);
          if (epoch !== undefined && disk.durable.currentEpoch !== epoch) {
            return this.ackViolation(`peer ${id} acked NEWLEADER of epoch ${epoch} with durable currentEpoch ${disk.durable.currentEpoch}`);
          }
        }
        return;
      case 'ackEpoch': {
        const epoch = this.leaderInfoEpoch.get(id)?.get(msg.session);
        if (epoch !== undefined && disk.durable.acceptedEpoch !== epoch) {
          return this.ackViolation(`peer ${id} sent ACKEPOCH for epoch ${epoch} with durable acceptedEpoch ${disk.durable.acceptedEpoch}`);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Invariant 5 for a leader's commit: a quorum of disks holds zxid right now. */
  onLeaderCommit(id: ServerId, zxid: number): void {
    const holders: ServerId[] = [];
    for (const v of this.voters) if (this.disks.get(v)!.holds(zxid)) holders.push(v);
    if (holders.length < quorumSize(this.voters.length)) {
      throw new SimInvariantError(5, `leader ${id} committed ${hex(zxid)} but only peers [${holders.join(',')}] hold it durably`);
    }
  }
}

function sessionMap(outer: Map<ServerId, Map<number, number>>, id: ServerId): Map<number, number> {
  let m = outer.get(id);
  if (m === undefined) {
    m = new Map<number, number>();
    outer.set(id, m);
  }
  if (m.size >= SESSIONS_REMEMBERED_MAX) m.delete(m.keys().next().value!);
  return m;
}

/** What the per-step check needs to know about one running peer. */
export interface PeerView {
  id: ServerId;
  appliedZxid: number;
  committedZxid: number;
  durableZxid: number;
  disk: SimDisk;
  /** False while a completed sync waits to be reported (a paused peer): its belief may lag a truncate. */
  durabilityReported: boolean;
}

/**
 * After every step: the state machine is exactly at the peer's commit point (commits are applied at once,
 * driver rule 3), and what the peer believes durable is on its disk.
 */
export function checkPeerView(v: PeerView): void {
  if (v.appliedZxid !== v.committedZxid) throw new SimInvariantError(2, `peer ${v.id} state machine is at ${hex(v.appliedZxid)} but its commit point is ${hex(v.committedZxid)}`);
  if (v.durabilityReported && !v.disk.holds(v.durableZxid)) throw new SimInvariantError(5, `peer ${v.id} believes ${hex(v.durableZxid)} durable, but its disk holds only through ${hex(v.disk.lastDurableZxid())}`);
}
