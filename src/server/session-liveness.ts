// Who decides that a session is alive, across the ensemble. Only the leader expires sessions (ZooKeeper's
// rule): it tracks touches from its own clients and the touches followers report for theirs every half
// tick. A new leader cannot know when sessions were last heard of, so it gives every one a fresh timeout.
// Expiry itself is a closeSession txn through the normal write path (xid 0 marks it as an expiry).
import type { SessionRecord } from '../tree/data-tree.js';
import { SessionTracker } from './session-tracker.js';

export type LivenessRole = 'leader' | 'follower' | 'idle';

export interface LivenessHooks {
  /** The sessions the replicated state knows, and which are being closed. */
  sessions(): ReadonlyMap<number, SessionRecord>;
  isClosing(sessionId: number): boolean;
  /** Leader: submit the expiry of a session. */
  expire(sessionId: number): void;
  /** Follower: report touched sessions to the leader. */
  report(sessions: Array<[number, number]>): void;
}

export class SessionLiveness {
  private role: LivenessRole = 'idle';
  private tracker: SessionTracker;
  /** Follower: sessions its clients touched since the last report. */
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly tickMs: number,
    private readonly hooks: LivenessHooks,
    private readonly clock: () => number = Date.now,
  ) {
    this.tracker = new SessionTracker(tickMs, clock());
  }

  setRole(role: LivenessRole): void {
    this.role = role;
    this.touched.clear();
    if (role !== 'leader') return;
    const now = this.clock();
    this.tracker = new SessionTracker(this.tickMs, now);
    for (const s of this.hooks.sessions().values()) this.tracker.touch(s.sessionId, s.timeoutMs, now);
  }

  /** A client of this server was heard from (any request, a ping included). */
  touch(sessionId: number, timeoutMs: number): void {
    if (sessionId === 0) return;
    if (this.role === 'leader') {
      if (this.tracker.has(sessionId)) this.tracker.touch(sessionId, timeoutMs, this.clock());
    } else if (this.role === 'follower') {
      this.touched.set(sessionId, timeoutMs);
    }
  }

  /** Leader: a session was created (committed). */
  created(sessionId: number, timeoutMs: number): void {
    if (this.role === 'leader') this.tracker.touch(sessionId, timeoutMs, this.clock());
  }

  ended(sessionId: number): void {
    this.tracker.remove(sessionId);
    this.touched.delete(sessionId);
  }

  /** Leader: touches a follower reported. */
  reported(sessions: Array<[number, number]>): void {
    if (this.role !== 'leader') return;
    const now = this.clock();
    const known = this.hooks.sessions();
    for (const [sessionId, timeoutMs] of sessions) {
      if (known.has(sessionId) && !this.hooks.isClosing(sessionId)) this.tracker.touch(sessionId, timeoutMs, now);
    }
  }

  /** Every half tick: the leader expires sessions; a follower reports its clients' touches. */
  tick(): void {
    if (this.role === 'leader') {
      for (const sessionId of this.tracker.expire(this.clock())) {
        if (this.hooks.sessions().has(sessionId) && !this.hooks.isClosing(sessionId)) this.hooks.expire(sessionId);
      }
      return;
    }
    // Only sessions whose clients sent something (a ping at least) are reported: an open socket to a dead
    // client must not keep its session alive.
    if (this.role !== 'follower' || this.touched.size === 0) return;
    this.hooks.report([...this.touched]);
    this.touched.clear();
  }
}
