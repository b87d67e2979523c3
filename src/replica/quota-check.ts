// Quota checks at prep, on the leader (ZooKeeper 3.7+'s checkQuota / enforceQuota). A create or setData that
// takes a quota's subtree past a hard limit is refused with QUOTAEXCEEDED (when enforceQuota is on); past a
// soft limit it goes through, and is logged and counted.
//
// Usage is what the tree has applied plus what is in flight: txns proposed and not yet applied (kept here
// per zxid, dropped as the tree applies them) and the earlier ops of the same multi. So two creates
// pipelined, or in one multi, cannot both pass a count limit with room for one (ZooKeeper counts only
// what is applied). A quota created or removed while writes below it are in flight is seen by those writes
// only once it is applied, as in ZooKeeper.
//
// Unlike ZooKeeper: a write that does not add znodes or bytes is never refused (ZooKeeper refuses a setData
// that shrinks data if the subtree is still over the limit); every quota on the path is checked, nested
// ones included (ZooKeeper checks the deepest); soft limits are reported even when a hard one is set.
import {
  ErrorCode,
  QUOTA_LIMIT_NODE,
  baseName,
  isBelowQuotaRoot,
  parseQuotaLimits,
  type MultiSubTxn,
  type SetACLTxn,
  type Txn,
} from '../../protocol/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { DataTree } from '../tree/index.js';
import { ScratchOverlay, foldOp, type NodeOverlay } from '../tree/overlay.js';
import type { ReplicaLog } from './ports.js';

export interface QuotaOptions {
  /** Refuse writes past a hard limit (ZooKeeper's zookeeper.enforceQuota); off: log and count them instead. */
  enforceQuota: boolean;
}

/**
 * Counters for operators (in the replica's diagnostics, and the metrics endpoint's
 * `canopy_quota_<name>_total` once it exists). Only the leader's count: prep runs there.
 */
export interface QuotaCounters {
  /** Writes accepted that took a subtree past a soft limit. */
  softLimitExceeded: number;
  /** Writes refused with QUOTAEXCEEDED for a hard limit. */
  hardLimitRefused: number;
  /** Writes accepted past a hard limit because enforceQuota is off. */
  hardLimitNotEnforced: number;
}

interface Delta {
  count: number;
  bytes: number;
}

type ExceededKind = 'soft' | 'hardNotEnforced';

interface Exceeded {
  kind: ExceededKind;
  quota: string;
  path: string;
  what: 'count' | 'bytes';
  value: number;
  limit: number;
}

/** One request's effect on each quota so far (the earlier ops of its multi), and what it exceeded softly. */
export class QuotaRequest {
  readonly deltas = new Map<string, Delta>();
  readonly exceeded: Exceeded[] = [];

  constructor(readonly nowMs: number) {}
}

/** What an op does to usage: the path it changes, and by how many znodes and bytes. */
interface OpEffect {
  path: string;
  count: number;
  bytes: number;
}

const utf8 = new TextDecoder();
/** Quota lines logged per window; the rest are counted and reported when the window turns (ZooKeeper's RateLogger). */
const LOG_LINES_PER_WINDOW = 10;
const LOG_WINDOW_MS = 10_000;

/** At most LOG_LINES_PER_WINDOW lines per window, on the clock prep runs on (the txn time), so replays log alike. */
class QuotaLogBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private lines = 0;
  private suppressed = 0;

  constructor(private readonly log: ReplicaLog) {}

  warn(nowMs: number, msg: string, meta: object): void {
    if (nowMs - this.windowStartMs >= LOG_WINDOW_MS || nowMs < this.windowStartMs) {
      if (this.suppressed > 0) this.log.warn('quota exceeded: lines suppressed', { suppressed: this.suppressed, windowMs: LOG_WINDOW_MS });
      this.windowStartMs = nowMs;
      this.lines = 0;
      this.suppressed = 0;
    }
    if (this.lines >= LOG_LINES_PER_WINDOW) {
      this.suppressed += 1;
      return;
    }
    this.lines += 1;
    this.log.warn(msg, meta);
  }
}

/** What body does to usage, read against view as it is before body; undefined when it changes none. */
function effectOf(view: Pick<NodeOverlay, 'get'>, body: MultiSubTxn | SetACLTxn): OpEffect | undefined {
  switch (body.type) {
    case 'create':
      return { path: body.path, count: 1, bytes: body.data.byteLength };
    case 'delete':
      return { path: body.path, count: -1, bytes: -(view.get(body.path)?.dataLength ?? 0) };
    case 'setData':
      return { path: body.path, count: 0, bytes: body.data.byteLength - (view.get(body.path)?.dataLength ?? 0) };
    case 'setACL':
    case 'check':
      return undefined;
    default:
      return assertNever(body, 'txn body');
  }
}

function addTo(map: Map<string, Delta>, key: string, count: number, bytes: number): void {
  const d = map.get(key);
  if (d === undefined) map.set(key, { count, bytes });
  else {
    d.count += count;
    d.bytes += bytes;
  }
}

/** The data written to a zookeeper_limits node must be StatsTrack text: a malformed one would mean no limit. */
function malformedLimits(body: MultiSubTxn): boolean {
  if (body.type !== 'create' && body.type !== 'setData') return false;
  if (!isBelowQuotaRoot(body.path) || baseName(body.path) !== QUOTA_LIMIT_NODE) return false;
  return parseQuotaLimits(utf8.decode(body.data)) === undefined;
}

export class QuotaGuard {
  readonly counters: QuotaCounters = { softLimitExceeded: 0, hardLimitRefused: 0, hardLimitNotEnforced: 0 };
  /** Per quota: the sum of the deltas below. */
  private readonly inFlight = new Map<string, Delta>();
  /** Per proposed txn that changes a quota's usage, in zxid order. */
  private queue: Array<{ zxid: number; deltas: Map<string, Delta> }> = [];
  private queueHead = 0;
  private readonly log: QuotaLogBudget;

  constructor(
    private readonly tree: DataTree,
    private readonly opts: QuotaOptions,
    log: ReplicaLog,
  ) {
    this.log = new QuotaLogBudget(log);
  }

  /** A request prepared at nowMs (the time its txn will carry). */
  begin(nowMs: number): QuotaRequest {
    return new QuotaRequest(nowMs);
  }

  /**
   * Checks one op prep accepted, against view (tree + in flight + the request's earlier ops, without this op).
   * Returns the failure to answer, or undefined; adds the op's effect to the request.
   */
  check(request: QuotaRequest, view: Pick<NodeOverlay, 'get'>, body: MultiSubTxn): { ok: false; err: ErrorCode; path: string } | undefined {
    if (malformedLimits(body)) return { ok: false, err: ErrorCode.BADARGUMENTS, path: body.path };
    const quotas = this.tree.quotas;
    if (quotas.size === 0) return undefined;
    const effect = effectOf(view, body);
    if (effect === undefined) return undefined;
    const subjects = quotas.subjectsCovering(effect.path);
    for (const subject of subjects) {
      const state = quotas.get(subject)!;
      const inFlight = this.inFlight.get(subject);
      const earlier = request.deltas.get(subject);
      const count = state.usage.count + (inFlight?.count ?? 0) + (earlier?.count ?? 0) + effect.count;
      const bytes = state.usage.bytes + (inFlight?.bytes ?? 0) + (earlier?.bytes ?? 0) + effect.bytes;
      const broken = (effect.count > 0 ? this.judge(request, subject, effect.path, 'count', count, state.limits.count, state.limits.countHardLimit) : undefined)
        ?? (effect.bytes > 0 ? this.judge(request, subject, effect.path, 'bytes', bytes, state.limits.bytes, state.limits.byteHardLimit) : undefined);
      if (broken !== undefined) {
        this.counters.hardLimitRefused += 1;
        this.log.warn(request.nowMs, 'quota exceeded: write refused', { quota: subject, path: effect.path, what: broken.what, value: broken.value, limit: broken.limit });
        return { ok: false, err: ErrorCode.QUOTAEXCEEDED, path: body.path };
      }
    }
    for (const subject of subjects) addTo(request.deltas, subject, effect.count, effect.bytes);
    return undefined;
  }

  /** The enforced hard limit value breaks, if any; other breaches are noted on the request. */
  private judge(request: QuotaRequest, quota: string, path: string, what: Exceeded['what'], value: number, soft: number, hard: number): Omit<Exceeded, 'kind' | 'quota' | 'path'> | undefined {
    if (hard >= 0 && value > hard) {
      if (this.opts.enforceQuota) return { what, value, limit: hard };
      request.exceeded.push({ kind: 'hardNotEnforced', quota, path, what, value, limit: hard });
    } else if (soft >= 0 && value > soft) {
      request.exceeded.push({ kind: 'soft', quota, path, what, value, limit: soft });
    }
    return undefined;
  }

  /** The request was prepared and goes ahead: what it exceeded is logged and counted. */
  accepted(request: QuotaRequest): void {
    for (const e of request.exceeded) {
      if (e.kind === 'soft') this.counters.softLimitExceeded += 1;
      else this.counters.hardLimitNotEnforced += 1;
      const msg = e.kind === 'soft' ? 'quota exceeded: soft limit' : 'quota exceeded: hard limit not enforced (enforceQuota=false)';
      this.log.warn(request.nowMs, msg, { quota: e.quota, path: e.path, what: e.what, value: e.value, limit: e.limit });
    }
  }

  /**
   * txn was proposed: its effect on quotas counts until the tree applies it. pending is the view before
   * txn (what its deletes and setData replace); ephemeralsOf gives what a closeSession deletes.
   */
  recordProposed(txn: Txn, pending: Pick<NodeOverlay, 'get'>, ephemeralsOf: (sessionId: number) => string[]): void {
    if (this.tree.quotas.size === 0) return;
    const scratch = new ScratchOverlay(pending);
    const deltas = new Map<string, Delta>();
    const fold = (sub: MultiSubTxn): void => {
      const effect = effectOf(scratch, sub);
      if (effect !== undefined) {
        for (const subject of this.tree.quotas.subjectsCovering(effect.path)) addTo(deltas, subject, effect.count, effect.bytes);
      }
      foldOp(scratch, sub, txn.time);
    };
    const body = txn.body;
    switch (body.type) {
      case 'createSession': case 'setACL': case 'check':
        break;
      case 'closeSession':
        for (const path of ephemeralsOf(body.sessionId)) fold({ type: 'delete', path });
        break;
      case 'multi':
        for (const sub of body.txns) fold(sub);
        break;
      case 'create': case 'delete': case 'setData':
        fold(body);
        break;
      default:
        assertNever(body, 'txn body');
    }
    if (deltas.size === 0) return;
    for (const [subject, d] of deltas) addTo(this.inFlight, subject, d.count, d.bytes);
    this.queue.push({ zxid: txn.zxid, deltas });
  }

  /** The tree applied everything up to zxid: its usage now includes those txns. */
  applied(zxid: number): void {
    while (this.queueHead < this.queue.length && this.queue[this.queueHead]!.zxid <= zxid) {
      for (const [subject, d] of this.queue[this.queueHead]!.deltas) {
        addTo(this.inFlight, subject, -d.count, -d.bytes);
        const left = this.inFlight.get(subject)!;
        if (left.count === 0 && left.bytes === 0) this.inFlight.delete(subject);
      }
      this.queueHead++;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Forget every txn in flight (a leader that lost its proposals). */
  reset(): void {
    this.inFlight.clear();
    this.queue = [];
    this.queueHead = 0;
  }
}
