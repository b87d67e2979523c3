// Times proposals from being made to being committed, for canopy_proposal_commit_duration_seconds. Only a
// leader proposes; every role commits, so a commit with nothing recorded is simply not timed. Proposals
// commit in zxid order, so the oldest recorded ones are the next to commit: a FIFO, bounded (a leader that
// cannot commit stops proposing long before the bound, and then the oldest entries are dropped).
import type { ReplicaObserver } from '../replica/ports.js';

const PROPOSALS_TIMED_MAX = 10_000;

export class ProposalTimer implements ReplicaObserver {
  private readonly zxids: number[] = [];
  private readonly startedAt: number[] = [];
  private head = 0;

  constructor(
    private readonly committedAfter: (ms: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  proposed(lastZxid: number): void {
    if (this.zxids.length - this.head >= PROPOSALS_TIMED_MAX) this.head++;
    this.zxids.push(lastZxid);
    this.startedAt.push(this.now());
  }

  committed(lastZxid: number): void {
    const now = this.now();
    while (this.head < this.zxids.length && this.zxids[this.head]! <= lastZxid) {
      this.committedAfter(now - this.startedAt[this.head]!);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.zxids.length) {
      this.zxids.splice(0, this.head);
      this.startedAt.splice(0, this.head);
      this.head = 0;
    }
  }

  /** A new role or epoch: proposals not committed by now never will be under this leadership. */
  clear(): void {
    this.zxids.length = 0;
    this.startedAt.length = 0;
    this.head = 0;
  }
}
