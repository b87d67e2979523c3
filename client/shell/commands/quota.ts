// Quota commands as zkCli has them: setquota, listquota, delquota. A quota is two nodes below
// /zookeeper/quota (protocol/quota.ts); these commands write the limits, the server keeps the stats and
// enforces the hard limits. Like zkCli, setquota refuses a quota on a path whose ancestor or descendant
// already has one, since the server would count the same znodes twice.
import { ErrorCode, KeeperError, Op } from '../../index.js';
import type { Client, MultiOp } from '../../index.js';
import {
  QUOTA_LIMIT_NODE,
  QUOTA_ROOT,
  QUOTA_STAT_NODE,
  formatStatsTrack,
  isQuotablePath,
  parentPath,
  parseStatsTrack,
  quotaLimitPath,
  quotaPath,
  quotaStatPath,
} from '../../../protocol/index.js';
import { CommandError, UsageError } from '../errors.js';
import type { Json } from '../errors.js';
import { hasFlag } from '../flags.js';
import type { ParsedArgs } from '../flags.js';
import { walkSubtree } from './tree.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';

/** The option of each limit and the StatsTrack key it sets. */
const LIMIT_KEYS = { '-n': 'count', '-b': 'bytes', '-N': 'countHardLimit', '-B': 'byteHardLimit' } as const;
type LimitFlag = keyof typeof LIMIT_KEYS;
const LIMIT_FLAGS = Object.keys(LIMIT_KEYS) as LimitFlag[];
const INT32_MAX = 2 ** 31 - 1;
const utf8 = new TextDecoder();

/** The one limit option given; zkCli takes exactly one (setquota) or at most one (delquota). */
function limitFlag(input: ParsedArgs, usage: string): LimitFlag | undefined {
  const given = LIMIT_FLAGS.filter((f) => hasFlag(input, f));
  if (given.length > 1) throw new UsageError(`give only one of ${LIMIT_FLAGS.join(', ')}`, usage);
  return given[0];
}

/** zkCli's rules: a count limit is an integer above zero, a bytes limit one from zero. */
function limitValue(input: ParsedArgs, flag: LimitFlag, usage: string): number {
  const raw = input.flags.get(flag);
  const value = typeof raw === 'string' && /^-?\d{1,19}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${flag} needs an integer (got ${String(raw)})`, usage);
  const isCount = flag === '-n' || flag === '-N';
  if (isCount && value <= 0) throw new UsageError('the num quota must be greater than zero', usage);
  if (isCount && value > INT32_MAX) throw new UsageError(`the num quota must be at most ${INT32_MAX}`, usage);
  if (!isCount && value < 0) throw new UsageError('the bytes quota must be greater than or equal to zero', usage);
  return value;
}

/** The pairs of a limit or stat node; what is not StatsTrack text reads as no pairs. */
async function readPairs(client: Client, path: string): Promise<{ text: string; pairs: Map<string, number> }> {
  const text = utf8.decode((await client.getData(path)).data);
  return { text, pairs: parseStatsTrack(text) ?? new Map<string, number>() };
}

function pairsJson(pairs: ReadonlyMap<string, number>, keys: readonly string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, pairs.get(k) ?? -1]));
}

const ALL_LIMITS = Object.values(LIMIT_KEYS);

/** Prefixes of a path, shortest first: '/a/b' → ['/a', '/a/b']. */
function prefixesOf(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== '/'; p = parentPath(p)) out.unshift(p);
  return out;
}

async function existingChildren(client: Client, path: string): Promise<string[] | undefined> {
  try {
    return (await client.getChildren(path)).children;
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.NONODE)) return undefined;
    throw e;
  }
}

/** zkCli's checkIfParentQuota and checkIfChildQuota. */
async function refuseOverlap(client: Client, path: string): Promise<void> {
  for (const prefix of prefixesOf(path).slice(0, -1)) {
    const children = await existingChildren(client, quotaPath(prefix));
    if (children === undefined) break;
    if (children.includes(QUOTA_LIMIT_NODE)) throw new CommandError(`${path} has a parent ${prefix} which has a quota`);
  }
  let below: string[];
  try {
    below = await walkSubtree(client, quotaPath(path));
  } catch (e) {
    if (KeeperError.is(e, ErrorCode.NONODE)) return;
    throw e;
  }
  const own = quotaLimitPath(path);
  const child = below.find((p) => p !== own && p.endsWith(`/${QUOTA_LIMIT_NODE}`));
  if (child !== undefined) throw new CommandError(`${path} has a child ${parentPath(child).slice(QUOTA_ROOT.length)} which has a quota`);
}

async function createIfMissing(client: Client, path: string): Promise<void> {
  if ((await client.exists(path)) !== null) return;
  try {
    await client.create(path);
  } catch (e) {
    if (!KeeperError.is(e, ErrorCode.NODEEXISTS)) throw e;
  }
}

/** zkCli's warnings when a new limit is already below what the subtree holds. */
function belowUsageWarnings(limits: ReadonlyMap<string, number>, stats: ReadonlyMap<string, number>): string[] {
  const under = (soft: string, hard: string, used: number): boolean =>
    [limits.get(soft) ?? -1, limits.get(hard) ?? -1].some((limit) => limit > -1 && limit < used);
  const count = stats.get('count') ?? 0;
  const bytes = stats.get('bytes') ?? 0;
  const out: string[] = [];
  if (under('count', 'countHardLimit', count)) out.push(`[Warning]: the count quota you create is less than the existing count:${count}`);
  if (under('bytes', 'byteHardLimit', bytes)) out.push(`[Warning]: the bytes quota you create is less than the existing bytes:${bytes}`);
  return out;
}

export const setquota: CommandSpec = {
  name: 'setquota',
  usage: '-n|-b|-N|-B val path',
  summary: 'limit the znodes (-n soft, -N hard) or data bytes (-b soft, -B hard) of the subtree at path',
  flags: { '-n': 'value', '-b': 'value', '-N': 'value', '-B': 'value' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const flag = limitFlag(input, usage);
    if (flag === undefined) throw new UsageError(`give one of ${LIMIT_FLAGS.join(', ')}`, usage);
    const value = limitValue(input, flag, usage);
    const path = input.args[0]!;
    if (path.startsWith(QUOTA_ROOT)) throw new CommandError(`cannot set a quota under the path: ${QUOTA_ROOT}`);
    if (!isQuotablePath(path)) throw new CommandError(`cannot set a quota on ${path}: quotas are for paths below / and outside /zookeeper`);
    const client = await ctx.session.client();
    if ((await client.exists(path)) === null) throw new CommandError(`${path} does not exist.`);
    await refuseOverlap(client, path);
    for (const prefix of prefixesOf(path)) await createIfMissing(client, quotaPath(prefix));
    const limitPath = quotaLimitPath(path);
    const existing = (await client.exists(limitPath)) !== null;
    const limits = existing ? (await readPairs(client, limitPath)).pairs : new Map<string, number>(ALL_LIMITS.map((k) => [k, -1]));
    limits.set(LIMIT_KEYS[flag], value);
    const text = formatStatsTrack(limits);
    if (existing) {
      await client.setData(limitPath, text);
    } else {
      // Limits and stats together, so that no quota is ever seen without its stats node.
      const ops: MultiOp[] = [Op.create(limitPath, text)];
      if ((await client.exists(quotaStatPath(path))) === null) ops.push(Op.create(quotaStatPath(path), 'count=0,bytes=0'));
      await client.multi(ops);
    }
    const warnings = belowUsageWarnings(limits, (await readPairs(client, quotaStatPath(path))).pairs);
    return done({ path, quota: pairsJson(limits, ALL_LIMITS), warnings }, warnings);
  },
};

export const listquota: CommandSpec = {
  name: 'listquota',
  usage: 'path',
  summary: 'show the limits of the quota on path and what its subtree holds',
  flags: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const client = await ctx.session.client();
    let limits: Awaited<ReturnType<typeof readPairs>>;
    let stats: Awaited<ReturnType<typeof readPairs>>;
    try {
      limits = await readPairs(client, quotaLimitPath(path));
      stats = await readPairs(client, quotaStatPath(path));
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) throw new CommandError(`quota for ${path} does not exist.`);
      throw e;
    }
    const shown = (r: typeof limits): string => (parseStatsTrack(r.text) === undefined ? r.text : formatStatsTrack(r.pairs));
    return done(
      { path, quota: pairsJson(limits.pairs, ALL_LIMITS), stat: pairsJson(stats.pairs, ['count', 'bytes']) },
      [`Output quota for ${path} ${shown(limits)}`, `Output stat for ${path} ${shown(stats)}`],
    );
  },
};

export const delquota: CommandSpec = {
  name: 'delquota',
  usage: '[-n|-b|-N|-B] path',
  summary: 'remove one limit of the quota on path, or (no option) the whole quota',
  flags: { '-n': 'bool', '-b': 'bool', '-N': 'bool', '-B': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const flag = limitFlag(input, usage);
    const path = input.args[0]!;
    const client = await ctx.session.client();
    const limitPath = quotaLimitPath(path);
    if ((await client.exists(limitPath)) === null) throw new CommandError(`Quota does not exist for ${path}`);
    if (flag !== undefined) {
      const { pairs } = await readPairs(client, limitPath);
      pairs.set(LIMIT_KEYS[flag], -1);
      await client.setData(limitPath, formatStatsTrack(pairs));
      return done({ path, removed: LIMIT_KEYS[flag] });
    }
    const own = (await existingChildren(client, quotaPath(path))) ?? [];
    const ops = [QUOTA_LIMIT_NODE, QUOTA_STAT_NODE].filter((n) => own.includes(n)).map((n) => Op.delete(`${quotaPath(path)}/${n}`));
    await client.multi(ops);
    await trimEmptyQuotaDirs(client, quotaPath(path));
    return done({ path, removed: 'all' });
  },
};

/** zkCli's trimProcQuotas: deletes the quota directories left empty, from path up to /zookeeper/quota. */
async function trimEmptyQuotaDirs(client: Client, path: string): Promise<void> {
  for (let p = path; p !== QUOTA_ROOT && p.startsWith(`${QUOTA_ROOT}/`); p = parentPath(p)) {
    const children = await existingChildren(client, p);
    if (children === undefined) continue;
    if (children.length > 0) return;
    try {
      await client.delete(p);
    } catch (e) {
      // Someone else wrote or trimmed here meanwhile: leave the rest to them.
      if (KeeperError.is(e, ErrorCode.NOTEMPTY) || KeeperError.is(e, ErrorCode.NONODE)) return;
      throw e;
    }
  }
}
