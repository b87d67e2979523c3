// Who decides that a session is alive, across the ensemble. Only the leader expires sessions (ZooKeeper's
// rule): it tracks touches from its own clients and the touches followers report for theirs every half
// tick. A new leader cannot know when sessions were last heard of, so it gives every one a fresh timeout.
// Expiry itself is a closeSession txn through the normal write path (xid 0 marks it as an expiry).
// A leader whose own process stalled (a GC pause, SIGSTOP, an overloaded machine) heard nothing while it
// was stalled, and the touches that arrived meanwhile are still unread: it must not take its own silence
// for its clients'. After a stall it gives every session a fresh timeout, as a new leader does.
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
  private lastTickAt: number;

  constructor(
    private readonly tickMs: number,
    private readonly hooks: LivenessHooks,
    private readonly clock: () => number,
  ) {
    this.tracker = new SessionTracker(tickMs, clock());
    this.lastTickAt = clock();
  }

  /** Ticks come every half tick; a gap of more than two ticks means this process was not running. */
  private stalledFor(now: number): number {
    const gap = now - this.lastTickAt;
    this.lastTickAt = now;
    return gap > 2 * this.tickMs ? gap : 0;
  }

  private refreshAll(now: number): void {
    this.tracker = new SessionTracker(this.tickMs, now);
    for (const s of this.hooks.sessions().values()) this.tracker.touch(s.sessionId, s.timeoutMs, now);
  }

  setRole(role: LivenessRole): void {
    this.role = role;
    this.touched.clear();
    if (role !== 'leader') return;
    this.refreshAll(this.clock());
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

  /**
   * Every half tick: the leader expires sessions; a follower reports its clients' touches. Returns how long
   * this process had stalled before this tick (0 if it had not), for the log.
   */
  tick(): number {
    const now = this.clock();
    const stalledMs = this.stalledFor(now);
    if (this.role === 'leader') {
      if (stalledMs > 0) {
        this.refreshAll(now);
        return stalledMs;
      }
      for (const sessionId of this.tracker.expire(now)) {
        if (this.hooks.sessions().has(sessionId) && !this.hooks.isClosing(sessionId)) this.hooks.expire(sessionId);
      }
      return stalledMs;
    }
    // Only sessions whose clients sent something (a ping at least) are reported: an open socket to a dead
    // client must not keep its session alive.
    if (this.role === 'follower' && this.touched.size > 0) {
      this.hooks.report([...this.touched]);
      this.touched.clear();
    }
    return stalledMs;
  }
}
