// The leader: discovery (a new epoch above every epoch a quorum accepted), synchronisation (each learner's
// log made equal to ours by DIFF, TRUNC or SNAP, then NEWLEADER) and broadcast (pipelined proposals,
// commits on a quorum of durable acks, the leader's own sync counted).
//
// Invariants: proposals are made only once the epoch is established (a quorum acked NEWLEADER); a txn is
// committed only when a quorum has it durable; commits go out in zxid order.
import type { Txn } from '../../protocol/index.js';
import { zxidEpoch } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { ZabInvariantError, hexZxid, invariant } from './assert.js';
import type { PeerCore } from './core.js';
import { LearnerHandle, checkSeq } from './learner-handle.js';
import { kthLargest, quorumSize } from './quorum.js';
import type { LearnerMessage, LearnerView, ServerId, SyncMessage } from './types.js';

type LeaderPhase = 'discovery' | 'epochChosen' | 'sync' | 'broadcast';

export class LeaderRole<S = unknown> {
  private phase: LeaderPhase = 'discovery';
  private readonly learners = new Map<ServerId, LearnerHandle>();
  /** The epoch this leader establishes (0 until chosen). */
  epoch = 0;
  private epochDurable = false;
  private newLeaderDurable = false;
  private readonly startedTick: number;
  /** Our currentEpoch when elected: the learner-ahead check compares against it, not the epoch being made. */
  private readonly electedEpoch: number;

  constructor(
    private readonly core: PeerCore<S>,
    /** Called when this leader must give up; the peer goes back to election. */
    private readonly stepDown: (reason: string) => void,
    private readonly statusChanged: () => void,
    private readonly onEpochChosen: (epoch: number) => void,
  ) {
    this.startedTick = core.now;
    this.electedEpoch = core.currentEpoch;
  }

  get established(): boolean {
    return this.phase === 'broadcast';
  }

  start(): void {
    this.maybeChooseEpoch();
  }

  // ---- discovery ----

  private maybeChooseEpoch(): void {
    if (this.phase !== 'discovery' || this.learners.size + 1 < quorumSize(this.core.voters.length)) return;
    let max = this.core.acceptedEpoch;
    for (const l of this.learners.values()) max = Math.max(max, l.acceptedEpoch);
    this.epoch = max + 1;
    this.phase = 'epochChosen';
    this.onEpochChosen(this.epoch);
    this.statusChanged();
    const seq = this.core.persistEpochs({ acceptedEpoch: this.epoch });
    this.core.whenDurable(seq, () => {
      this.epochDurable = true;
      for (const l of this.learners.values()) l.send(this.core, { type: 'leaderInfo', epoch: this.epoch });
      this.maybeStartSync();
    });
  }

  private maybeStartSync(): void {
    if (this.phase !== 'epochChosen' || !this.epochDurable) return;
    let acked = 1;
    for (const l of this.learners.values()) if (l.phase !== 'info') acked++;
    if (acked < quorumSize(this.core.voters.length)) return;
    this.phase = 'sync';
    const seq = this.core.persistEpochs({ currentEpoch: this.epoch });
    this.core.whenDurable(seq, () => {
      this.newLeaderDurable = true;
      this.maybeEstablish();
    });
    for (const l of this.learners.values()) if (l.phase === 'epochAcked') this.syncLearner(l);
  }

  // ---- synchronisation ----

  private syncLearner(l: LearnerHandle): void {
    const h = this.core.history;
    const f = l.lastZxid;
    let msg: Omit<SyncMessage<S>, 'session' | 'seq'>;
    const base = { type: 'sync' as const, epoch: this.epoch, commitZxid: this.core.committedZxid };
    if (h.contains(f)) {
      msg = { ...base, mode: 'diff', fromZxid: f, txns: h.after(f) };
    } else if (f > h.base) {
      const from = h.largestBelow(f);
      msg = { ...base, mode: 'trunc', fromZxid: from, txns: h.after(from) };
    } else {
      // Too far behind for the history we keep: the state at our commit point, then the rest of the log.
      const from = this.core.committedZxid;
      msg = { ...base, mode: 'snap', fromZxid: from, snapshot: undefined, txns: h.after(from) };
    }
    l.phase = 'syncing';
    l.ackedZxid = 0;
    l.send(this.core, msg);
  }

  private maybeEstablish(): void {
    if (this.phase !== 'sync' || !this.newLeaderDurable) return;
    let synced = 1;
    for (const l of this.learners.values()) if (l.phase === 'synced') synced++;
    if (synced < quorumSize(this.core.voters.length)) return;
    this.phase = 'broadcast';
    // Our initial history is now on a quorum under the new epoch: all of it is committed.
    this.core.commitThrough(this.core.history.lastZxid);
    for (const l of this.learners.values()) {
      if (l.phase === 'synced') l.send(this.core, { type: 'upToDate', commitZxid: this.core.committedZxid });
      else if (l.phase === 'syncing') l.send(this.core, { type: 'commit', zxid: this.core.committedZxid });
    }
    this.statusChanged();
  }

  /** Each connected learner: whether it is in broadcast (synced) and the last zxid it acknowledged. */
  learnerViews(): LearnerView[] {
    return [...this.learners.values()].map((l) => ({ id: l.id, synced: l.inBroadcast, ackedZxid: l.ackedZxid }));
  }

  // ---- broadcast ----

  /** The next zxid prep may use, once established. */
  nextZxid(): number {
    const last = this.core.history.lastZxid;
    return zxidEpoch(last) === this.epoch ? last + 1 : this.epoch * 2 ** 32 + 1;
  }

  propose(txns: Txn[]): void {
    invariant(this.established, 'proposals need an established epoch');
    if (txns.length === 0) return;
    let expected = this.nextZxid();
    for (const t of txns) {
      invariant(t.zxid === expected, () => `proposal zxid ${hexZxid(t.zxid)} is not the next one (${hexZxid(expected)})`);
      expected += 1;
    }
    const seq = this.core.appendToLog(txns);
    for (const l of this.learners.values()) if (l.inBroadcast) l.send(this.core, { type: 'proposal', txns });
    this.core.whenDurable(seq, () => this.tryCommit());
  }

  private tryCommit(): void {
    if (!this.established) return;
    const acks = [this.core.durableZxid];
    for (const l of this.learners.values()) if (l.inBroadcast) acks.push(l.ackedZxid);
    const candidate = kthLargest(acks, quorumSize(this.core.voters.length));
    if (candidate <= this.core.committedZxid) return;
    this.core.commitThrough(candidate);
    for (const l of this.learners.values()) if (l.inBroadcast) l.send(this.core, { type: 'commit', zxid: this.core.committedZxid });
  }

  reply(to: ServerId, payload: unknown): void {
    const l = this.learners.get(to);
    if (l !== undefined && l.inBroadcast) l.send(this.core, { type: 'reply', payload });
  }

  // ---- learner messages ----

  onLearnerMessage(from: ServerId, msg: LearnerMessage): void {
    if (msg.type === 'followerInfo') return this.onFollowerInfo(from, msg);
    const l = this.learners.get(from);
    if (l === undefined || l.session !== msg.session) {
      this.core.send(from, { type: 'abort', session: msg.session, reason: 'no such learner session at the leader' });
      return;
    }
    const verdict = checkSeq(l.nextSeqIn, msg.seq);
    if (verdict === 'duplicate') return;
    if (verdict === 'gap') return this.dropLearner(l, `message ${msg.seq} arrived where ${l.nextSeqIn} was due`);
    l.nextSeqIn += 1;
    l.lastHeardTick = this.core.now;
    switch (msg.type) {
      case 'ackEpoch': return this.onAckEpoch(l, msg.currentEpoch, msg.lastZxid);
      case 'ackNewLeader': return this.onAckNewLeader(l, msg.zxid);
      case 'ack':
        if (!l.inBroadcast) return this.dropLearner(l, 'ack before sync');
        l.ackedZxid = Math.max(l.ackedZxid, msg.zxid);
        return this.tryCommit();
      case 'pong': return;
      case 'request': return this.core.emit({ type: 'fromLearner', from, payload: msg.payload });
      default: return assertNever(msg, 'learner message', ZabInvariantError);
    }
  }

  private onFollowerInfo(from: ServerId, msg: Extract<LearnerMessage, { type: 'followerInfo' }>): void {
    const existing = this.learners.get(from);
    if (existing !== undefined && existing.session === msg.session) return;
    if (msg.seq !== 0) {
      this.core.send(from, { type: 'abort', session: msg.session, reason: 'learner session must start at 0' });
      return;
    }
    const l = new LearnerHandle(from, msg.session, msg.acceptedEpoch, this.core.now);
    this.learners.set(from, l);
    if (this.phase === 'discovery') return this.maybeChooseEpoch();
    if (msg.acceptedEpoch > this.epoch) {
      // It accepted a newer epoch from a would-be leader and would refuse ours forever: a new election
      // picks an epoch above it (ZooKeeper leaves such a server out until the leader changes).
      return this.stepDown(`server ${from} has accepted epoch ${msg.acceptedEpoch}, above ours (${this.epoch})`);
    }
    if (this.epochDurable) l.send(this.core, { type: 'leaderInfo', epoch: this.epoch });
  }

  private onAckEpoch(l: LearnerHandle, currentEpoch: number, lastZxid: number): void {
    if (l.phase !== 'info') return this.dropLearner(l, `ACKEPOCH in phase ${l.phase}`);
    const h = this.core.history;
    // Before establishment a learner ahead of us would lose committed txns to TRUNC: refuse it (ZooKeeper
    // does the same). After it, every committed txn is in our history and anything beyond it was never committed.
    if (!this.established && (currentEpoch > this.electedEpoch || (currentEpoch === this.electedEpoch && lastZxid > h.lastZxid))) {
      return this.dropLearner(l, `learner is ahead of the leader (epoch ${currentEpoch}, zxid ${hexZxid(lastZxid)})`);
    }
    l.phase = 'epochAcked';
    l.currentEpoch = currentEpoch;
    l.lastZxid = lastZxid;
    if (this.phase === 'epochChosen') this.maybeStartSync();
    else if (this.phase === 'sync' || this.phase === 'broadcast') this.syncLearner(l);
  }

  private onAckNewLeader(l: LearnerHandle, zxid: number): void {
    if (l.phase !== 'syncing') return this.dropLearner(l, `NEWLEADER ack in phase ${l.phase}`);
    l.phase = 'synced';
    l.ackedZxid = Math.max(l.ackedZxid, zxid);
    if (this.established) {
      l.send(this.core, { type: 'upToDate', commitZxid: this.core.committedZxid });
      this.tryCommit();
    } else {
      this.maybeEstablish();
    }
  }

  onAbort(from: ServerId, session: number): void {
    const l = this.learners.get(from);
    if (l !== undefined && l.session === session) this.learners.delete(from);
  }

  onPeerDown(from: ServerId): void {
    const l = this.learners.get(from);
    if (l !== undefined) this.dropLearner(l, 'the link from the learner broke');
  }

  private dropLearner(l: LearnerHandle, reason: string): void {
    this.learners.delete(l.id);
    this.core.send(l.id, { type: 'abort', session: l.session, reason });
  }

  // ---- time ----

  tick(): void {
    const limits = this.core.opts;
    if (!this.established && this.core.now - this.startedTick > limits.initLimitTicks) {
      return this.stepDown(`could not establish epoch ${this.epoch} within initLimit`);
    }
    for (const l of [...this.learners.values()]) {
      const limit = l.phase === 'synced' ? limits.syncLimitTicks : limits.initLimitTicks;
      if (this.core.now - l.lastHeardTick > limit) this.dropLearner(l, 'learner went silent');
      else l.send(this.core, { type: 'ping' });
    }
    if (this.established) {
      let alive = 1;
      for (const l of this.learners.values()) if (l.phase === 'synced') alive++;
      if (alive < quorumSize(this.core.voters.length)) this.stepDown('lost the quorum of synced followers');
    }
  }

  /** Ends every learner session (stepping down). */
  abortAll(reason: string): void {
    for (const l of this.learners.values()) this.core.send(l.id, { type: 'abort', session: l.session, reason });
    this.learners.clear();
  }
}
