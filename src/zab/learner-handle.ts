// The leader's view of one learner session: its progress through discovery and sync, its acks and
// when it was last heard from. Message numbering (seq) both ways lives here.
import type { PeerCore } from './core.js';
import type { LeaderMessage, ServerId } from './types.js';

export type LearnerPhase =
  /** FOLLOWERINFO received. */
  | 'info'
  /** ACKEPOCH received: ready to sync. */
  | 'epochAcked'
  /** Sync (NEWLEADER) sent: receives proposals and commits from here on. */
  | 'syncing'
  /** NEWLEADER acked: counts toward establishing the epoch and toward the leader's quorum. */
  | 'synced';

type Unsequenced<M> = M extends unknown ? Omit<M, 'session' | 'seq'> : never;

export class LearnerHandle {
  phase: LearnerPhase = 'info';
  nextSeqOut = 0;
  nextSeqIn = 1;
  currentEpoch = 0;
  lastZxid = 0;
  /** Highest zxid this learner has durably logged in this session. */
  ackedZxid = 0;
  lastHeardTick: number;

  constructor(
    readonly id: ServerId,
    readonly session: number,
    readonly acceptedEpoch: number,
    now: number,
  ) {
    this.lastHeardTick = now;
  }

  send<S>(core: PeerCore<S>, message: Unsequenced<LeaderMessage<S>>): void {
    core.send(this.id, { ...message, session: this.session, seq: this.nextSeqOut++ } as LeaderMessage<S>);
  }

  /** Receives in this session's order. */
  get inBroadcast(): boolean {
    return this.phase === 'syncing' || this.phase === 'synced';
  }
}

export type SeqVerdict = 'next' | 'duplicate' | 'gap';

export function checkSeq(expected: number, seq: number): SeqVerdict {
  if (seq === expected) return 'next';
  return seq < expected ? 'duplicate' : 'gap';
}
