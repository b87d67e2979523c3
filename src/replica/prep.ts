// Request → txn, on the leader (ZooKeeper's PrepRequestProcessor idea). Writes are pipelined: a txn may
// be proposed and not yet applied, so every check runs against the tree plus the txns in flight
// (PendingChanges). prepare() changes no state: only recordProposed() changes the overlay (quota counters
// and warnings aside, src/replica/quota-check.ts).
// No clock here: the caller passes nowMs and stamps the txn with it.
import { ErrorCode, OpCode, type Id, type MultiSubTxn, type OpResult, type RequestOfKind, type Txn, type TxnBody } from '../../protocol/index.js';
import type { CreateSessionRequest, DeleteContainerRequest } from '../../protocol/index.js';
import { failedMultiResults, type DataTree } from '../tree/index.js';
import { PENDING_PATHS_MAX, PendingChanges } from './pending-changes.js';
import { prepDeleteContainer, prepMultiOp, prepSetACL, type PrepContext } from './prep-ops.js';
import { ScratchOverlay, foldOp } from '../tree/overlay.js';
import { accessOf } from './auth/acl-check.js';
import type { AuthRegistry } from './auth/registry.js';
import type { ReplicaLog } from './ports.js';
import { QuotaGuard, type QuotaCounters, type QuotaOptions } from './quota-check.js';

/** A client write (the op table's writes a client may send), or a txn the server makes itself. */
export type WriteRequest =
  | RequestOfKind<'write'>
  | ({ op: typeof OpCode.createSession } & CreateSessionRequest)
  /** Closes (or expires) the session given as prepare()'s sessionId. */
  | { op: typeof OpCode.closeSession }
  /** Server cleanup: deletes the node only if it is still an empty container, or an empty TTL node expired at nowMs. */
  | ({ op: typeof OpCode.deleteContainer } & DeleteContainerRequest);

export type PrepResult =
  | { ok: true; body: TxnBody }
  /** results: per-op results of a failed multi, ZooKeeper style. */
  | { ok: false; err: ErrorCode; path?: string; results?: OpResult[] };

export interface PrepLimits extends QuotaOptions {
  maxDataBytes: number;
}

export class Prep {
  private readonly pending: PendingChanges;
  private readonly quota: QuotaGuard;

  /** log: where quota warnings go (rate-limited here). */
  constructor(tree: DataTree, private readonly limits: PrepLimits, private readonly auth: AuthRegistry, log: ReplicaLog) {
    this.pending = new PendingChanges(tree);
    this.quota = new QuotaGuard(tree, limits, log);
  }

  get quotaCounters(): Readonly<QuotaCounters> {
    return this.quota.counters;
  }

  /**
   * sessionId is the requesting session (0 for server-internal requests); ids are the identities its
   * connection had when it sent the request (a follower forwards them), judged against ACLs. A session
   * that is unknown, or whose closeSession is in flight, gets SESSIONEXPIRED: nothing may outlive its
   * close (ZooKeeper's checkSession).
   */
  prepare(req: WriteRequest, sessionId: number, nowMs: number, ids: readonly Id[]): PrepResult {
    if (this.pending.size >= PENDING_PATHS_MAX) return { ok: false, err: ErrorCode.THROTTLEDOP };
    if (req.op === OpCode.createSession) {
      return { ok: true, body: { type: 'createSession', sessionId: req.newSessionId, timeoutMs: req.timeoutMs, passwd: req.passwd } };
    }
    if (sessionId !== 0 && this.pending.sessionState(sessionId) !== 'live') return { ok: false, err: ErrorCode.SESSIONEXPIRED };
    const ctx: PrepContext = { sessionId, nowMs, maxDataBytes: this.limits.maxDataBytes, access: accessOf(this.auth, ids) };
    const view = new ScratchOverlay(this.pending);
    switch (req.op) {
      case OpCode.closeSession:
        if (sessionId === 0) return { ok: false, err: ErrorCode.BADARGUMENTS };
        return { ok: true, body: { type: 'closeSession', sessionId } };
      case OpCode.multi:
        return this.prepareMulti(req.ops, ctx);
      case OpCode.deleteContainer:
        return prepDeleteContainer(view, req.path, req.nowMs);
      case OpCode.setACL:
        return prepSetACL(view, req, ctx);
      default: {
        // create*, delete, setData and check are prepared the same way alone as inside a multi.
        const quota = this.quota.begin(nowMs);
        const result = prepMultiOp(view, req, ctx);
        const refused = result.ok ? this.quota.check(quota, view, result.body) : undefined;
        if (refused !== undefined) return refused;
        if (result.ok) this.quota.accepted(quota);
        return result;
      }
    }
  }

  /** The txn was proposed (has its zxid): later prepare() calls see it. */
  recordProposed(txn: Txn): void {
    this.quota.recordProposed(txn, this.pending, (sessionId) => this.pending.ephemeralsOf(sessionId));
    this.pending.record(txn);
  }

  /** The tree applied everything up to zxid: drop overlay records that are no longer ahead of it. */
  applied(zxid: number): void {
    this.pending.applied(zxid);
    this.quota.applied(zxid);
  }

  /** Forget every txn in flight (a leader that lost its proposals). */
  reset(): void {
    this.pending.reset();
    this.quota.reset();
  }

  /** Txns recorded and not yet applied (for metrics and tests). */
  get inFlightCount(): number {
    return this.pending.inFlightCount;
  }

  /** Each op sees the ones before it; the first failure fails the whole multi, ZooKeeper style. */
  private prepareMulti(ops: Extract<WriteRequest, { op: typeof OpCode.multi }>['ops'], ctx: PrepContext): PrepResult {
    const scratch = new ScratchOverlay(this.pending);
    const quota = this.quota.begin(ctx.nowMs);
    const txns: MultiSubTxn[] = [];
    for (let i = 0; i < ops.length; i++) {
      const prepared = prepMultiOp(scratch, ops[i]!, ctx);
      const result = prepared.ok ? this.quota.check(quota, scratch, prepared.body) ?? prepared : prepared;
      if (!result.ok) return { ok: false, err: result.err, path: result.path, results: failedMultiResults(ops.length, i, result.err) };
      foldOp(scratch, result.body, ctx.nowMs);
      txns.push(result.body);
    }
    this.quota.accepted(quota);
    return { ok: true, body: { type: 'multi', txns } };
  }
}
