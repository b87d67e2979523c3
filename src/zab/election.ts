// Fast leader election (FLE), as ZooKeeper runs it: every looking peer proposes a vote, adopts any better
// vote it hears in the same round (electionEpoch), and decides once a quorum agrees. Peers already
// following or leading answer looking peers with the leadership they serve (leader id, epoch), so a peer
// that restarts joins the existing leader instead of starting a rival election. Votes are ordered by the candidate's
// currentEpoch, then its last zxid, then its id: the winner's history holds everything a quorum logged.
import type { PeerCore } from './core.js';
import { quorumSize } from './quorum.js';
import type { PeerState, ServerId, Vote, VoteMessage } from './types.js';

/** Whether a beats b. */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch;
}

/**
 * Peers out of election advertise the leadership they serve (leader id, epoch), not the ballot they once
 * decided on, which differs from peer to peer; comparing only those lets a looking peer join (ZooKeeper's
 * Vote.equals does the same for non-looking votes).
 */
function sameLeadership(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}

export interface Decision {
  vote: Vote;
  electionEpoch: number;
}

const ELECTION_RETRY_TICKS_MIN = 1;

export class Election {
  logicalClock = 0;
  /** While looking: this round's vote; after deciding: the decided vote (sent to looking peers). */
  vote: Vote;
  private readonly received = new Map<ServerId, Vote>();
  private readonly outOfElection = new Map<ServerId, { vote: Vote; state: PeerState; electionEpoch: number }>();
  private nextRetryTick = 0;

  /** Election sends only votes, never a snapshot: any peer's core will do. */
  constructor(private readonly core: PeerCore<unknown>) {
    this.vote = this.ownVote();
  }

  private ownVote(): Vote {
    return { leader: this.core.myId, zxid: this.core.history.lastZxid, peerEpoch: this.core.currentEpoch };
  }

  private message(state: PeerState): VoteMessage {
    return { type: 'vote', vote: this.vote, electionEpoch: this.logicalClock, state };
  }

  private broadcast(): void {
    for (const id of this.core.others) this.core.send(id, this.message('looking'));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.nextRetryTick = this.core.now + ELECTION_RETRY_TICKS_MIN + Math.floor(this.core.opts.random() * 3);
  }

  /** Enters a new round; a decision may come at once (an ensemble of one). */
  start(): Decision | undefined {
    this.logicalClock += 1;
    this.received.clear();
    this.outOfElection.clear();
    this.vote = this.ownVote();
    this.received.set(this.core.myId, this.vote);
    this.broadcast();
    return this.checkQuorum();
  }

  tick(): void {
    if (this.core.now >= this.nextRetryTick) this.broadcast();
  }

  /** A peer that has decided answers a looking peer with its decision. */
  answer(from: ServerId, msg: VoteMessage, myState: PeerState): void {
    if (msg.state === 'looking') this.core.send(from, this.message(myState));
  }

  /** Handles a notification while looking; returns the decision once there is one. */
  onNotification(from: ServerId, msg: VoteMessage): Decision | undefined {
    if (msg.state === 'looking') return this.fromLooking(from, msg);
    this.outOfElection.set(from, { vote: msg.vote, state: msg.state, electionEpoch: msg.electionEpoch });
    if (msg.electionEpoch === this.logicalClock) {
      this.received.set(from, msg.vote);
      if (this.agree(this.received, msg.vote, sameLeadership) && this.leaderConfirmed(msg.vote, msg.electionEpoch)) {
        return { vote: msg.vote, electionEpoch: msg.electionEpoch };
      }
    }
    const votes = new Map<ServerId, Vote>();
    for (const [id, v] of this.outOfElection) votes.set(id, v.vote);
    if (this.agree(votes, msg.vote, sameLeadership) && this.leaderConfirmed(msg.vote, msg.electionEpoch)) {
      return { vote: msg.vote, electionEpoch: msg.electionEpoch };
    }
    return undefined;
  }

  private fromLooking(from: ServerId, msg: VoteMessage): Decision | undefined {
    if (msg.electionEpoch > this.logicalClock) {
      this.logicalClock = msg.electionEpoch;
      this.received.clear();
      const own = this.ownVote();
      this.vote = betterVote(msg.vote, own) ? msg.vote : own;
      this.received.set(this.core.myId, this.vote);
      this.broadcast();
    } else if (msg.electionEpoch < this.logicalClock) {
      // The sender is behind: tell it where the round is, then ignore its stale vote.
      this.core.send(from, this.message('looking'));
      return undefined;
    } else if (betterVote(msg.vote, this.vote)) {
      this.vote = msg.vote;
      this.received.set(this.core.myId, this.vote);
      this.broadcast();
    }
    this.received.set(from, msg.vote);
    return this.checkQuorum();
  }

  private checkQuorum(): Decision | undefined {
    if (!this.agree(this.received, this.vote)) return undefined;
    return { vote: this.vote, electionEpoch: this.logicalClock };
  }

  private agree(votes: Map<ServerId, Vote>, target: Vote, same: (a: Vote, b: Vote) => boolean = sameVote): boolean {
    let n = 0;
    for (const [id, v] of votes) if (this.core.voters.includes(id) && same(v, target)) n++;
    return n >= quorumSize(this.core.voters.length);
  }

  /** Following another's leadership needs word from the leader itself that it leads. */
  private leaderConfirmed(vote: Vote, electionEpoch: number): boolean {
    if (vote.leader === this.core.myId) return electionEpoch === this.logicalClock;
    return this.outOfElection.get(vote.leader)?.state === 'leading';
  }

  /** Once following or leading an epoch, looking peers are told (leader, that epoch). */
  advertiseEpoch(epoch: number): void {
    this.vote = { ...this.vote, peerEpoch: epoch };
  }

  /** Records the decision so looking peers are answered with it. */
  decided(d: Decision): void {
    this.vote = d.vote;
    this.logicalClock = d.electionEpoch;
  }
}
