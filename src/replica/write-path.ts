// The write path of one server: on the leader prep → batch → ZAB propose; on a follower forward to the
// leader; on every server commit → apply → watches → completion. Apply happens here and only here, in zxid
// order; watch events for a txn leave before its response.
//
// Completions: the leader answers its own clients' writes by zxid; a follower answers its clients'
// forwarded writes when it applies the txn carrying their (session id, xid), or when the leader reports
// the write failed (after applying everything the failure was judged against).
import { ErrorCode, zxidEpoch } from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { ACL, Id, OpResult, Txn, WatchedEvent } from '../../protocol/index.js';
import type { ApplyResult, DataTree } from '../tree/data-tree.js';
import type { WatchManager } from '../tree/watch-manager.js';
import type { LeaderPayload, LearnerPayload } from './forwarding.js';
import { NO_INJECTED_BUGS } from './injected-bugs.js';
import type { InjectedBugs } from './injected-bugs.js';
import type { Prep, WriteRequest } from './prep.js';

/** The ids of requests no ACL applies to: session create and close, and the server's own cleanup. */
export const NO_IDS: readonly Id[] = Object.freeze([]);

export interface WriteOutcome {
  err: number;
  /** The txn's zxid, or the zxid the answer is ordered after for a failed write. */
  zxid: number;
  result?: ApplyResult;
  results?: OpResult[];
  path?: string;
}
export type WriteCompletion = (outcome: WriteOutcome) => void;

export interface WritePathHooks {
  /** Delivers a watch event to the session's connection on this server, if it has one. */
  /** acl: the node's ACL for the check that its watcher may still read it. */
  deliverEvent(sessionId: number, event: WatchedEvent, acl: readonly ACL[] | undefined): void;
  /** Called after each txn is applied (sessions, snapshots). */
  afterApply(txn: Txn, result: ApplyResult): void;
  /** Leader: the zxid ZAB expects on the next proposal (the peer owns it; prepared txns not yet proposed come on top). */
  nextZxid(): number;
  /** Leader: hand prepared txns to ZAB. */
  propose(txns: Txn[]): void;
  /** Leader: txns were prepared; flush() should run once the inputs arriving now are handled. */
  scheduleFlush(): void;
  /** Follower: send to the leader. */
  forward(payload: LearnerPayload): void;
  /** Leader: answer one learner. */
  reply(to: number, payload: LeaderPayload): void;
  /** Leader: a follower's clients touched these sessions. */
  touchSessions(sessions: Array<[number, number]>): void;
}

type Mode = 'idle' | 'leader' | 'follower';

/** Forwarded writes and syncs a follower may have waiting for the leader. */
const FORWARDED_MAX = 1_000_000;

export class WritePath {
  private mode: Mode = 'idle';
  /** The zxid answers must be ordered after: the last txn proposed, or the last applied when none was proposed yet. */
  private lastProposedZxid = 0;
  private epoch = 0;
  /** Leader: prepared, not yet handed to ZAB (zxids consecutive after the peer's last). */
  private batch: Txn[] = [];
  private flushScheduled = false;
  /** Leader: completions of writes prepared here, by zxid. */
  private readonly byZxid = new Map<number, WriteCompletion>();
  /** Follower: completions of forwarded writes, by session id and xid. */
  private readonly forwarded = new Map<string, WriteCompletion>();
  private readonly forwardedSyncs = new Map<number, (zxid: number) => void>();
  private nextSyncId = 1;
  /** Answers ordered after a zxid that has not been applied yet (failed writes, sync). */
  private readonly zxidWaiters: Array<{ zxid: number; run: () => void }> = [];

  constructor(
    private readonly tree: DataTree,
    private readonly prep: Prep,
    private readonly watches: WatchManager,
    private readonly hooks: WritePathHooks,
    private readonly clock: () => number,
    private readonly trustForwardedIds: boolean,
    private readonly bugs: InjectedBugs = NO_INJECTED_BUGS,
  ) {}

  get role(): Mode {
    return this.mode;
  }

  /** The zxid every answer given now must be ordered after. */
  get proposedZxid(): number {
    return this.mode === 'leader' ? this.lastProposedZxid : this.tree.lastZxid;
  }

  /** The epoch is established with us as leader. */
  becomeLeader(): void {
    this.reset();
    this.mode = 'leader';
    this.epoch = zxidEpoch(this.hooks.nextZxid());
    // Not nextZxid - 1: that zxid never exists, and a sync or a failed write waiting for it would wait for the next write.
    this.lastProposedZxid = this.tree.lastZxid;
  }

  becomeFollower(): void {
    this.reset();
    this.mode = 'follower';
  }

  /** Not serving: everything waiting is dropped (its connections are closed, so clients see CONNECTIONLOSS). */
  stop(): void {
    this.reset();
    this.mode = 'idle';
  }

  private reset(): void {
    this.prep.reset();
    this.batch = [];
    this.byZxid.clear();
    this.forwarded.clear();
    this.forwardedSyncs.clear();
    this.zxidWaiters.length = 0;
  }

  /** Prepares (leader) or forwards (follower) a write; done runs once it is applied or its failure is ordered. */
  submit(req: WriteRequest, sessionId: number, xid: number, ids: readonly Id[], done: WriteCompletion): void {
    if (this.mode === 'follower') {
      const key = `${sessionId}/${xid}`;
      if (this.forwarded.size >= FORWARDED_MAX || this.forwarded.has(key)) {
        done({ err: this.forwarded.has(key) ? ErrorCode.BADARGUMENTS : ErrorCode.THROTTLEDOP, zxid: this.tree.lastZxid });
        return;
      }
      this.forwarded.set(key, done);
      this.hooks.forward({ kind: 'write', sessionId, xid, ids, request: req });
      return;
    }
    if (this.mode === 'idle') {
      done({ err: ErrorCode.CONNECTIONLOSS, zxid: this.tree.lastZxid });
      return;
    }
    const failure = this.prepareAndQueue(req, sessionId, xid, ids);
    if (failure === undefined) {
      this.byZxid.set(this.lastProposedZxid, done);
      return;
    }
    // The failure was judged against in-flight txns too: answer only once they are applied.
    this.afterZxid(failure.zxid, () => done(failure));
  }

  /** Leader: prep a write; undefined when it was queued for proposal, else its failure. */
  private prepareAndQueue(req: WriteRequest, sessionId: number, xid: number, ids: readonly Id[]): WriteOutcome | undefined {
    const now = this.clock();
    const prepared = this.prep.prepare(req, sessionId, now, ids);
    if (!prepared.ok) {
      const outcome: WriteOutcome = { err: prepared.err, zxid: this.lastProposedZxid };
      if (prepared.results !== undefined) outcome.results = prepared.results;
      if (prepared.path !== undefined) outcome.path = prepared.path;
      return outcome;
    }
    const zxid = this.batch.length > 0 ? this.batch[this.batch.length - 1]!.zxid + 1 : this.hooks.nextZxid();
    const txn: Txn = { zxid, time: now, sessionId, xid, body: prepared.body };
    if (zxidEpoch(txn.zxid) !== this.epoch) {
      // 2^32 txns in one epoch: ZooKeeper forces a new election here; so do we, by refusing until then.
      return { err: ErrorCode.THROTTLEDOP, zxid: this.lastProposedZxid };
    }
    this.lastProposedZxid = txn.zxid;
    this.prep.recordProposed(txn);
    this.batch.push(txn);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything prepared from the inputs arriving now goes out as one proposal (one fsync, one message).
      this.hooks.scheduleFlush();
    }
    return undefined;
  }

  /** Leader: hands the prepared txns to ZAB. */
  flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0 || this.mode !== 'leader') return;
    const txns = this.batch;
    this.batch = [];
    this.hooks.propose(txns);
  }

  /** sync: done runs once this server has applied everything the leader had proposed when asked. */
  sync(done: (zxid: number) => void): void {
    if (this.mode === 'follower') {
      const id = this.nextSyncId++;
      this.forwardedSyncs.set(id, done);
      this.hooks.forward({ kind: 'sync', id });
      return;
    }
    const target = this.proposedZxid;
    this.afterZxid(target, () => done(this.tree.lastZxid));
  }

  /** Follower: sessions its clients touched, for the leader that decides expiry. */
  reportTouches(sessions: Array<[number, number]>): void {
    if (this.mode === 'follower') this.hooks.forward({ kind: 'touch', sessions });
  }

  /** Runs fn once zxid is applied. */
  afterZxid(zxid: number, fn: () => void): void {
    if (this.tree.lastZxid >= zxid) fn();
    else this.zxidWaiters.push({ zxid, run: fn });
  }

  // ---- messages between servers ----

  /** Leader: a follower forwarded something. */
  fromLearner(from: number, payload: LearnerPayload): void {
    if (this.mode !== 'leader') return;
    switch (payload.kind) {
      case 'write': {
        const ids = this.trustForwardedIds ? payload.ids : NO_IDS;
        const failure = this.prepareAndQueue(payload.request, payload.sessionId, payload.xid, ids);
        if (failure === undefined) return;
        const reply: LeaderPayload = { kind: 'writeError', sessionId: payload.sessionId, xid: payload.xid, err: failure.err, zxid: failure.zxid };
        if (failure.path !== undefined) reply.path = failure.path;
        if (failure.results !== undefined) reply.results = failure.results;
        this.hooks.reply(from, reply);
        return;
      }
      case 'sync':
        this.hooks.reply(from, { kind: 'synced', id: payload.id, zxid: this.lastProposedZxid });
        return;
      case 'touch':
        this.hooks.touchSessions(payload.sessions);
        return;
      default:
        assertNever(payload, 'learner payload');
    }
  }

  /** Follower: the leader answered. */
  fromLeader(payload: LeaderPayload): void {
    if (this.mode !== 'follower') return;
    if (payload.kind === 'synced') {
      const done = this.forwardedSyncs.get(payload.id);
      if (done === undefined) return;
      this.forwardedSyncs.delete(payload.id);
      this.afterZxid(payload.zxid, () => done(this.tree.lastZxid));
      return;
    }
    const key = `${payload.sessionId}/${payload.xid}`;
    const done = this.forwarded.get(key);
    if (done === undefined) return;
    this.forwarded.delete(key);
    const outcome: WriteOutcome = { err: payload.err, zxid: payload.zxid };
    if (payload.path !== undefined) outcome.path = payload.path;
    if (payload.results !== undefined) outcome.results = payload.results;
    this.afterZxid(payload.zxid, () => done(outcome));
  }

  // ---- commit ----

  /** ZAB committed these txns: apply them, in zxid order. */
  commit(txns: readonly Txn[]): void {
    // Injected bug (simulator only): the first two txns of a batch are applied in swapped order.
    if (this.bugs.applyOutOfOrder && txns.length > 1) txns = [txns[1]!, txns[0]!, ...txns.slice(2)];
    for (const txn of txns) {
      this.applyOne(txn);
      // Answers ordered after this txn (a sync, a failed write) go now, not after the whole batch: a read
      // queued behind one of them runs as it reaches the head of its queue, and must not see a later txn of
      // the batch, which may be the same session's next write (FIFO client order).
      this.runWaiters();
    }
  }

  private applyOne(txn: Txn): void {
    const result = this.tree.apply(txn);
    this.prep.applied(txn.zxid);
    for (const { sessionIds, event, acl } of this.watches.trigger(result.changes, txn.zxid)) {
      for (const sessionId of sessionIds) this.hooks.deliverEvent(sessionId, event, acl);
    }
    this.hooks.afterApply(txn, result);
    let done: WriteCompletion | undefined;
    if (this.mode === 'leader') {
      done = this.byZxid.get(txn.zxid);
      if (done !== undefined) this.byZxid.delete(txn.zxid);
    } else if (this.mode === 'follower' && txn.sessionId !== 0) {
      const key = `${txn.sessionId}/${txn.xid}`;
      done = this.forwarded.get(key);
      if (done !== undefined) this.forwarded.delete(key);
    }
    if (done !== undefined) {
      const outcome: WriteOutcome = { err: result.err, zxid: txn.zxid, result };
      if (result.results !== undefined) outcome.results = result.results;
      done(outcome);
    }
  }

  private runWaiters(): void {
    if (this.zxidWaiters.length === 0) return;
    const applied = this.tree.lastZxid;
    let kept = 0;
    const ready: Array<() => void> = [];
    for (const w of this.zxidWaiters) {
      if (w.zxid <= applied) ready.push(w.run);
      else this.zxidWaiters[kept++] = w;
    }
    this.zxidWaiters.length = kept;
    for (const run of ready) run();
  }

  /** Writes still waiting for their commit. */
  get pendingCount(): number {
    return this.byZxid.size + this.forwarded.size;
  }
}
