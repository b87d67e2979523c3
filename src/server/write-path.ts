// The leader's write path: prep → broadcast (log, quorum) → commit → apply → watches → completion.
// Apply happens here and only here, in zxid order; watch events for a txn leave before its response.
import { makeZxid } from '../../protocol/index.js';
import type { OpResult, Txn, WatchedEvent } from '../../protocol/index.js';
import type { ApplyResult, DataTree } from '../tree/data-tree.js';
import type { WatchManager } from '../tree/watch-manager.js';
import type { Prep, WriteRequest } from './prep.js';
import type { Broadcaster } from './quorum-of-one.js';

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
  deliverEvent(sessionId: number, event: WatchedEvent): void;
  /** Called after each txn is applied (sessions, snapshots). */
  afterApply(txn: Txn, result: ApplyResult): void;
}

export class WritePath {
  private lastProposedZxid: number;
  private counter = 0;
  private readonly completions = new Map<number, WriteCompletion>();
  /** Answers ordered after a zxid that has not been applied yet (failed writes, sync). */
  private readonly zxidWaiters: Array<{ zxid: number; run: () => void }> = [];
  broadcaster!: Broadcaster;

  constructor(
    private readonly tree: DataTree,
    private readonly prep: Prep,
    private readonly watches: WatchManager,
    private readonly epoch: number,
    private readonly hooks: WritePathHooks,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastProposedZxid = tree.lastZxid;
  }

  get proposedZxid(): number {
    return this.lastProposedZxid;
  }

  /** Prepares and proposes a write; done runs once it is applied (or once its failure is ordered). */
  submit(req: WriteRequest, sessionId: number, xid: number, done: WriteCompletion): void {
    const now = this.clock();
    const prepared = this.prep.prepare(req, sessionId, now);
    if (!prepared.ok) {
      const outcome: WriteOutcome = { err: prepared.err, zxid: this.lastProposedZxid };
      if (prepared.results !== undefined) outcome.results = prepared.results;
      if (prepared.path !== undefined) outcome.path = prepared.path;
      // The failure was judged against in-flight txns too: answer only once they are applied.
      this.afterZxid(this.lastProposedZxid, () => done(outcome));
      return;
    }
    this.counter += 1;
    const txn: Txn = { zxid: makeZxid(this.epoch, this.counter), time: now, sessionId, xid, body: prepared.body };
    this.lastProposedZxid = txn.zxid;
    this.prep.recordProposed(txn);
    this.completions.set(txn.zxid, done);
    this.broadcaster.propose(txn);
  }

  /** Runs fn once every txn proposed so far is applied (sync, ordered errors). */
  afterZxid(zxid: number, fn: () => void): void {
    if (this.tree.lastZxid >= zxid) fn();
    else this.zxidWaiters.push({ zxid, run: fn });
  }

  /** The broadcast committed txn: apply it. Called in zxid order. */
  commit(txn: Txn): void {
    const result = this.tree.apply(txn);
    this.prep.applied(txn.zxid);
    for (const { sessionId, event } of this.watches.trigger(result.changes, txn.zxid)) {
      this.hooks.deliverEvent(sessionId, event);
    }
    this.hooks.afterApply(txn, result);
    const done = this.completions.get(txn.zxid);
    if (done !== undefined) {
      this.completions.delete(txn.zxid);
      const outcome: WriteOutcome = { err: result.err, zxid: txn.zxid, result };
      if (result.results !== undefined) outcome.results = result.results;
      done(outcome);
    }
    this.runWaiters();
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
    return this.completions.size;
  }
}

