// ZooKeeper's quota layout and the text format of its limit and stat nodes (StatsTrack), shared by the
// server (which keeps the stats and enforces the limits) and the shell (which writes the limits).
//
// A quota on path P lives in two nodes: `/zookeeper/quota<P>/zookeeper_limits` holds the limits and
// `/zookeeper/quota<P>/zookeeper_stats` what the subtree at P holds now (count of znodes, P included, and
// bytes of their data). Both hold `key=value` pairs separated by ',' or ';', as StatsTrack writes them:
// `count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=20` (count and bytes first, then the other keys in
// order after a spurious '=' that old parsers skip). -1, or any negative value, means "no limit".

export const QUOTA_ROOT = '/zookeeper/quota';
export const QUOTA_LIMIT_NODE = 'zookeeper_limits';
export const QUOTA_STAT_NODE = 'zookeeper_stats';

/** The four limits a zookeeper_limits node can hold, by their StatsTrack keys. */
export interface QuotaLimits {
  /** Soft limit on znodes in the subtree: exceeding it is logged. */
  count: number;
  /** Soft limit on data bytes in the subtree. */
  bytes: number;
  /** Hard limit on znodes: a write past it is refused (QUOTAEXCEEDED). */
  countHardLimit: number;
  /** Hard limit on data bytes. */
  byteHardLimit: number;
}

/** What a quota's subtree holds: its znodes (the quota's own path included) and their data bytes. */
export interface QuotaUsage {
  count: number;
  bytes: number;
}

export const NO_QUOTA_LIMITS: Readonly<QuotaLimits> = Object.freeze({ count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 });

/** The node below which a quota on path keeps its nodes: quotaPath('/a/b') = '/zookeeper/quota/a/b'. */
export function quotaPath(path: string): string {
  return QUOTA_ROOT + path;
}

export function quotaLimitPath(path: string): string {
  return `${QUOTA_ROOT}${path}/${QUOTA_LIMIT_NODE}`;
}

export function quotaStatPath(path: string): string {
  return `${QUOTA_ROOT}${path}/${QUOTA_STAT_NODE}`;
}

/** True for the nodes strictly below /zookeeper/quota: the only part of /zookeeper clients may change. */
export function isBelowQuotaRoot(path: string): boolean {
  return path.length > QUOTA_ROOT.length + 1 && path.startsWith(`${QUOTA_ROOT}/`);
}

/** A path whose subtree may carry a quota: not the root, and not /zookeeper or below (the quota nodes live there). */
export function isQuotablePath(path: string): boolean {
  return path !== '/' && path !== '/zookeeper' && !path.startsWith('/zookeeper/');
}

/**
 * The path a zookeeper_limits or zookeeper_stats node keeps a quota for, or undefined when node is neither
 * or names no quotable path (directly under /zookeeper/quota, or for a path inside /zookeeper).
 */
export function quotaSubjectOf(node: string, kind: 'limit' | 'stat'): string | undefined {
  const suffix = `/${kind === 'limit' ? QUOTA_LIMIT_NODE : QUOTA_STAT_NODE}`;
  if (!node.endsWith(suffix) || !node.startsWith(`${QUOTA_ROOT}/`)) return undefined;
  const subject = node.slice(QUOTA_ROOT.length, node.length - suffix.length);
  return subject !== '' && isQuotablePath(subject) ? subject : undefined;
}

/** One `key=value` pair; StatsTrack's own output puts a stray '=' after bytes, so trailing '='s are allowed. */
const PAIR = /^([A-Za-z][A-Za-z0-9_]{0,63})=(-?\d{1,19})=*$/;

/**
 * The pairs of a limit or stat node's text, or undefined when it is not StatsTrack's format. Empty text is
 * no pairs. Values are integers of at most 19 digits (Java longs); beyond what a JavaScript number holds
 * exactly they are clamped, which changes no decision (no tree holds 2^53 bytes). A later key wins.
 */
export function parseStatsTrack(text: string): Map<string, number> | undefined {
  const pairs = new Map<string, number>();
  for (const part of text.split(/[,;]+/)) {
    if (part === '') continue;
    const m = PAIR.exec(part);
    if (m === null) return undefined;
    const value = Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(m[2])));
    pairs.set(m[1]!, value);
  }
  return pairs;
}

/** StatsTrack's text for pairs: count and bytes first (-1 when absent), then '=' and the others sorted after ';'. */
export function formatStatsTrack(pairs: ReadonlyMap<string, number>): string {
  let text = `count=${pairs.get('count') ?? -1},bytes=${pairs.get('bytes') ?? -1}`;
  const others = Array.from(pairs.keys()).filter((k) => k !== 'count' && k !== 'bytes').sort();
  if (others.length > 0) text += '=' + others.map((k) => `;${k}=${pairs.get(k)!}`).join('');
  return text;
}

/** The limits in a zookeeper_limits node's text; undefined when the text is malformed. Absent keys are -1. */
export function parseQuotaLimits(text: string): QuotaLimits | undefined {
  const pairs = parseStatsTrack(text);
  if (pairs === undefined) return undefined;
  return {
    count: pairs.get('count') ?? -1,
    bytes: pairs.get('bytes') ?? -1,
    countHardLimit: pairs.get('countHardLimit') ?? -1,
    byteHardLimit: pairs.get('byteHardLimit') ?? -1,
  };
}

/** A zookeeper_stats node's text, as ZooKeeper's server writes it: `count=3,bytes=12`. */
export function formatQuotaUsage(usage: QuotaUsage): string {
  return `count=${usage.count},bytes=${usage.bytes}`;
}
