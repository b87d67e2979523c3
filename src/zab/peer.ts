// ZabPeer: one server's ZAB state machine. step(input) returns the actions the driver must carry out
// (see types.ts for the driver's rules). Roles are step functions over a shared core: looking (fast
// leader election), following (a learner session with one leader) and leading (discovery, sync, broadcast).
// S is the state machine's snapshot type, which the peer carries without looking inside (types.ts).
import type { Txn } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import { ZabInvariantError, invariant } from './assert.js';
import { PeerCore } from './core.js';
import { Election } from './election.js';
import type { Decision } from './election.js';
import { FollowerRole } from './follower.js';
import { LeaderRole } from './leader.js';
import type { LeaderMessage, LearnerMessage, LearnerView, PeerAction, PeerInput, PeerMessage, PeerOptions, PeerRecoveredState, PeerState, ServerId } from './types.js';

type Role<S> =
  | { state: 'looking' }
  | { state: 'following'; follower: FollowerRole<S> }
  | { state: 'leading'; leader: LeaderRole<S> };

export interface PeerDiagnostics {
  state: PeerState;
  leader: ServerId;
  epoch: number;
  serving: boolean;
  acceptedEpoch: number;
  currentEpoch: number;
  lastZxid: number;
  committedZxid: number;
  durableZxid: number;
  historyBase: number;
  /** Why the peer last went back to election. */
  lastStepDownReason: string;
}

export class ZabPeer<S = unknown> {
  private readonly core: PeerCore<S>;
  private readonly election: Election;
  private role: Role<S> = { state: 'looking' };
  private started = false;
  private lastReason = '';

  constructor(opts: PeerOptions, recovered: PeerRecoveredState) {
    this.core = new PeerCore<S>(opts, recovered);
    this.election = new Election(this.core);
  }

  get myId(): ServerId {
    return this.core.myId;
  }

  /** Begins the first election. */
  start(): PeerAction<S>[] {
    invariant(!this.started, 'start() once');
    this.started = true;
    this.lookForLeader('started');
    return this.core.takeActions();
  }

  step(input: PeerInput<S>): PeerAction<S>[] {
    invariant(this.started, 'start() before step()');
    switch (input.type) {
      case 'tick': this.tick(); break;
      case 'message': this.onMessage(input.from, input.message); break;
      case 'peerDown':
        if (this.role.state === 'following') this.role.follower.onPeerDown(input.from);
        else if (this.role.state === 'leading') this.role.leader.onPeerDown(input.from);
        break;
      case 'persisted': this.core.persisted(input.seq); break;
      case 'propose': this.propose(input.txns); break;
      case 'forward': this.forward(input.payload); break;
      case 'reply':
        if (this.role.state === 'leading') this.role.leader.reply(input.to, input.payload);
        break;
      default: assertNever(input, 'input', ZabInvariantError);
    }
    return this.core.takeActions();
  }

  /** Leader: whether proposals are accepted now. */
  get canPropose(): boolean {
    return this.role.state === 'leading' && this.role.leader.established;
  }

  /** Leader: the zxid the next proposed txn must carry. */
  nextZxid(): number {
    invariant(this.role.state === 'leading', 'only a leader hands out zxids');
    return this.role.leader.nextZxid();
  }

  /** The learners this peer leads (empty unless leading). */
  learnerViews(): LearnerView[] {
    return this.role.state === 'leading' ? this.role.leader.learnerViews() : [];
  }

  diagnostics(): PeerDiagnostics {
    const s = this.core.status();
    return {
      ...s, acceptedEpoch: this.core.acceptedEpoch, currentEpoch: this.core.currentEpoch, lastZxid: this.core.history.lastZxid,
      committedZxid: this.core.committedZxid, durableZxid: this.core.durableZxid, historyBase: this.core.history.base, lastStepDownReason: this.lastReason,
    };
  }

  // ---- roles ----

  private lookForLeader(reason: string): void {
    this.lastReason = reason;
    if (this.role.state === 'leading') this.role.leader.abortAll(`leader stepping down: ${reason}`);
    if (this.role.state === 'following') {
      const f = this.role.follower;
      this.core.send(f.leader, { type: 'abort', session: f.session, reason: `follower leaving: ${reason}` });
    }
    this.core.generation += 1;
    this.role = { state: 'looking' };
    this.updateStatus();
    const decision = this.election.start();
    if (decision !== undefined) this.decide(decision);
  }

  private decide(d: Decision): void {
    this.election.decided(d);
    this.core.generation += 1;
    if (d.vote.leader === this.core.myId) {
      const leader = new LeaderRole<S>(this.core, (why) => this.lookForLeader(why), () => this.updateStatus(), (epoch) => this.election.advertiseEpoch(epoch));
      this.role = { state: 'leading', leader };
      this.updateStatus();
      leader.start();
    } else {
      const follower = new FollowerRole<S>(this.core, d.vote.leader, (why) => this.lookForLeader(why), () => this.updateStatus(), (epoch) => this.election.advertiseEpoch(epoch));
      this.role = { state: 'following', follower };
      this.updateStatus();
      follower.start();
    }
  }

  private updateStatus(): void {
    const r = this.role;
    switch (r.state) {
      case 'looking': return this.core.setStatus({ state: 'looking', leader: 0, epoch: 0, serving: false });
      case 'following': return this.core.setStatus({ state: 'following', leader: r.follower.leader, epoch: r.follower.epoch, serving: r.follower.serving });
      case 'leading': return this.core.setStatus({ state: 'leading', leader: this.core.myId, epoch: r.leader.epoch, serving: r.leader.established });
      default: return assertNever(r, 'role', ZabInvariantError);
    }
  }

  // ---- inputs ----

  private tick(): void {
    this.core.now += 1;
    const r = this.role;
    if (r.state === 'looking') this.election.tick();
    else if (r.state === 'following') r.follower.tick();
    else r.leader.tick();
  }

  private onMessage(from: ServerId, msg: PeerMessage<S>): void {
    if (!this.core.voters.includes(from) || from === this.core.myId) return;
    switch (msg.type) {
      case 'vote': return this.onVote(from, msg);
      case 'abort':
        if (this.role.state === 'following') this.role.follower.onAbort(from, msg.session, msg.reason);
        else if (this.role.state === 'leading') this.role.leader.onAbort(from, msg.session);
        return;
      case 'followerInfo': case 'ackEpoch': case 'ackNewLeader': case 'ack': case 'pong': case 'request':
        return this.onLearnerMessage(from, msg);
      case 'leaderInfo': case 'sync': case 'proposal': case 'commit': case 'upToDate': case 'ping': case 'reply':
        return this.onLeaderMessage(from, msg);
      default: return assertNever(msg, 'peer message', ZabInvariantError);
    }
  }

  private onVote(from: ServerId, msg: Extract<PeerMessage, { type: 'vote' }>): void {
    if (this.role.state !== 'looking') return this.election.answer(from, msg, this.role.state);
    const decision = this.election.onNotification(from, msg);
    if (decision !== undefined) this.decide(decision);
  }

  private onLearnerMessage(from: ServerId, msg: LearnerMessage): void {
    if (this.role.state === 'leading') return this.role.leader.onLearnerMessage(from, msg);
    this.core.send(from, { type: 'abort', session: msg.session, reason: 'not leading' });
  }

  private onLeaderMessage(from: ServerId, msg: LeaderMessage<S>): void {
    if (this.role.state === 'following') return this.role.follower.onLeaderMessage(from, msg);
    this.core.send(from, { type: 'abort', session: msg.session, reason: 'not following you' });
  }

  private propose(txns: Txn[]): void {
    invariant(this.canPropose, 'propose only on an established leader');
    (this.role as { leader: LeaderRole<S> }).leader.propose(txns);
  }

  private forward(payload: unknown): void {
    if (this.role.state === 'following') this.role.follower.forward(payload);
  }
}
