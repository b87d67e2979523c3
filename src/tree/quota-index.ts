// Quotas as the tree keeps them (ZooKeeper's DataTree quota stats). A quota exists on path P while the node
// /zookeeper/quota<P>/zookeeper_limits does; for each one the index holds its parsed limits and what P's
// subtree holds (znodes, P itself included, and their data bytes), and keeps P's zookeeper_stats node
// showing it (`count=N,bytes=M`). Like ZooKeeper, that node's data changes in place: no new version,
// mzxid or watch event, since no txn wrote it.
//
// Invariant (what keeps replicas equal however they got their state): the stats node of every quota
// holds exactly the usage of P's subtree as the tree is now. So it is re-rendered whenever anything can
// make it differ: a change below P, the limit node's creation, and a client creating or writing the stats
// node (what a client writes there is replaced). rebuild() after loading a snapshot therefore changes
// nothing a live replica would not also hold. A stats node with no limit node beside it is left as it is,
// except that, as in ZooKeeper, it is filled in when created.
//
// Where ZooKeeper is not sane the index is not either way: a limit node directly under /zookeeper/quota,
// or for a path inside /zookeeper, is ignored (ZooKeeper 3.8.0 dies on the first); malformed limits count
// as no limits; nested quotas each count their whole subtree (ZooKeeper updates only the deepest until a
// restart recomputes them all).
import {
  NO_QUOTA_LIMITS,
  QUOTA_ROOT,
  formatQuotaUsage,
  isQuotablePath,
  joinPath,
  parentPath,
  parseQuotaLimits,
  quotaStatPath,
  quotaSubjectOf,
  type QuotaLimits,
  type QuotaUsage,
} from '../../protocol/index.js';
import type { NodeStore } from './node-store.js';
import { latin1OfBytes, type ZnodeRecord } from './znode.js';

interface QuotaEntry {
  limits: QuotaLimits;
  usage: QuotaUsage;
}

/** One quota as the tree holds it now. */
export interface QuotaState {
  readonly limits: Readonly<QuotaLimits>;
  readonly usage: Readonly<QuotaUsage>;
}

/** What prep reads: the quotas that apply to a path, with their limits and usage as applied so far. */
export interface QuotaView {
  /** How many quotas exist (0: nothing to check). */
  readonly size: number;
  /** The quota paths covering path (path itself or an ancestor), deepest first. */
  subjectsCovering(path: string): string[];
  get(subject: string): QuotaState | undefined;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function limitsOf(record: ZnodeRecord): QuotaLimits {
  return parseQuotaLimits(utf8Decoder.decode(record.dataBytes())) ?? { ...NO_QUOTA_LIMITS };
}

/**
 * Znodes and data bytes of the subtree at path (0 for a missing path). Iterative: depth is unbounded here.
 * known gives the usage of quotas nested below path, whose subtrees need no walk.
 */
function subtreeUsage(store: NodeStore, path: string, known: (path: string) => QuotaUsage | undefined = () => undefined): QuotaUsage {
  const usage = { count: 0, bytes: 0 };
  if (!store.has(path)) return usage;
  const stack = [path];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const nested = p === path ? undefined : known(p);
    if (nested !== undefined) {
      usage.count += nested.count;
      usage.bytes += nested.bytes;
      continue;
    }
    usage.count += 1;
    usage.bytes += store.get(p)!.dataLength;
    for (const name of store.childNames(p)) stack.push(joinPath(p, name));
  }
  return usage;
}

function depthOf(path: string): number {
  let depth = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 0x2f) depth++;
  return depth;
}

export class QuotaIndex implements QuotaView {
  private readonly entries = new Map<string, QuotaEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(subject: string): QuotaState | undefined {
    return this.entries.get(subject);
  }

  subjectsCovering(path: string): string[] {
    const out: string[] = [];
    if (this.entries.size === 0 || !isQuotablePath(path)) return out;
    for (let p = path; p !== '/'; p = parentPath(p)) {
      if (this.entries.has(p)) out.push(p);
    }
    return out;
  }

  /**
   * Every quota recomputed from the store (after loading a snapshot): ZooKeeper's setupQuota. Deepest
   * first, so that each node is visited once however quotas nest.
   */
  rebuild(store: NodeStore): void {
    this.entries.clear();
    if (!store.has(QUOTA_ROOT)) return;
    const found: Array<{ subject: string; limits: QuotaLimits }> = [];
    const stack = [QUOTA_ROOT];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const subject = quotaSubjectOf(p, 'limit');
      if (subject !== undefined) found.push({ subject, limits: limitsOf(store.get(p)!) });
      for (const name of store.childNames(p)) stack.push(joinPath(p, name));
    }
    found.sort((a, b) => depthOf(b.subject) - depthOf(a.subject));
    for (const { subject, limits } of found) this.entries.set(subject, { limits, usage: this.usageBelow(store, subject) });
    for (const subject of this.entries.keys()) this.render(store, subject);
  }

  /** The subtree's usage, taking the quotas nested below it as they are. */
  private usageBelow(store: NodeStore, subject: string): QuotaUsage {
    return subtreeUsage(store, subject, (p) => this.entries.get(p)?.usage);
  }

  /** After the node was inserted. */
  created(store: NodeStore, record: ZnodeRecord): void {
    if (isQuotablePath(record.path)) return this.adjust(store, record.path, 1, record.dataLength);
    const limitOf = quotaSubjectOf(record.path, 'limit');
    if (limitOf !== undefined) {
      this.entries.set(limitOf, { limits: limitsOf(record), usage: this.usageBelow(store, limitOf) });
      return this.render(store, limitOf);
    }
    const statOf = quotaSubjectOf(record.path, 'stat');
    if (statOf !== undefined) this.render(store, statOf, this.entries.get(statOf)?.usage ?? this.usageBelow(store, statOf));
  }

  /** After the node was removed. */
  deleted(store: NodeStore, record: ZnodeRecord): void {
    if (isQuotablePath(record.path)) return this.adjust(store, record.path, -1, -record.dataLength);
    const limitOf = quotaSubjectOf(record.path, 'limit');
    if (limitOf !== undefined) this.entries.delete(limitOf);
  }

  /** After the node's data was replaced (old is its record before). */
  dataChanged(store: NodeStore, old: ZnodeRecord): void {
    const now = store.get(old.path)!;
    if (isQuotablePath(old.path)) return this.adjust(store, old.path, 0, now.dataLength - old.dataLength);
    const limitOf = quotaSubjectOf(old.path, 'limit');
    const entry = limitOf === undefined ? undefined : this.entries.get(limitOf);
    if (entry !== undefined) entry.limits = limitsOf(now);
    const statOf = quotaSubjectOf(old.path, 'stat');
    if (statOf !== undefined && this.entries.has(statOf)) this.render(store, statOf);
  }

  private adjust(store: NodeStore, path: string, countDelta: number, bytesDelta: number): void {
    for (const subject of this.subjectsCovering(path)) {
      const usage = this.entries.get(subject)!.usage;
      usage.count += countDelta;
      usage.bytes += bytesDelta;
      this.render(store, subject);
    }
  }

  /** Writes usage (by default the quota's own) into the subject's stats node, if there is one. */
  private render(store: NodeStore, subject: string, usage: QuotaUsage | undefined = this.entries.get(subject)?.usage): void {
    const stat = store.get(quotaStatPath(subject));
    if (stat === undefined || usage === undefined) return;
    const latin1Data = latin1OfBytes(utf8.encode(formatQuotaUsage(usage)));
    if (stat.latin1Data === latin1Data) return;
    store.replace(stat.with({ latin1Data }));
  }
}
