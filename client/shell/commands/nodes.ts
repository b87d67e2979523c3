// Commands that read and write znodes: create, get, set, delete, stat, sync, getAllChildrenNumber.
import { CreateMode, ErrorCode, KeeperError } from '../../index.js';
import type { Stat } from '../../index.js';
import { parseAcl } from '../acl.js';
import { dataFromOption, dataOf } from '../data.js';
import { UsageError } from '../errors.js';
import type { Json } from '../errors.js';
import { hasFlag, intFlag } from '../flags.js';
import { dataLines, printableText, statLines, toHexString } from '../format.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';

/** ZooKeeper's largest TTL (EphemeralType.TTL's 40-bit field). */
const MAX_TTL_MS = 2 ** 40 - 1;

export function statJson(stat: Stat): Json {
  return { ...stat };
}

function createMode(e: boolean, s: boolean, c: boolean, ttl: boolean, usage: string): CreateMode {
  if (c && (e || s)) throw new UsageError('-c cannot be combined with -s or -e: containers are neither ephemeral nor sequential', usage);
  if (ttl && e) throw new UsageError('TTLs cannot be used with ephemeral znodes', usage);
  if (ttl && c) throw new UsageError('TTLs cannot be used with container znodes', usage);
  if (e) return s ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
  if (s) return ttl ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_SEQUENTIAL;
  if (c) return CreateMode.CONTAINER;
  return ttl ? CreateMode.PERSISTENT_WITH_TTL : CreateMode.PERSISTENT;
}

export const create: CommandSpec = {
  name: 'create',
  usage: '[-s] [-e] [-c] [-t ttl] path [data | --hex hex | -f file] [acl]',
  summary: 'create a znode (sequential, ephemeral, container or TTL) with data and an ACL',
  flags: { '-s': 'bool', '-e': 'bool', '-c': 'bool', '-t': 'value', '--hex': 'value', '-f': 'value' },
  minArgs: 1,
  maxArgs: 3,
  async run(ctx, input, usage) {
    const ttl = intFlag(input, '-t', usage, 1, MAX_TTL_MS);
    const mode = createMode(hasFlag(input, '-e'), hasFlag(input, '-s'), hasFlag(input, '-c'), ttl !== undefined, usage);
    const [path, ...rest] = input.args as [string, ...string[]];
    const fromOption = dataFromOption(input, usage);
    if (fromOption && rest.length > 1) throw new UsageError('data given twice (a word and --hex/-f)', usage);
    const data = await dataOf(input, fromOption ? undefined : rest[0], usage);
    const aclText = fromOption ? rest[0] : rest[1];
    const acl = aclText === undefined ? undefined : parseAcl(aclText, usage);
    const client = await ctx.session.client();
    const created = await client.create(path, data, { mode, ...(acl && { acl }), ...(ttl !== undefined && { ttl }) });
    return done({ path: created }, [`Created ${created}`]);
  },
};

export const get: CommandSpec = {
  name: 'get',
  usage: '[-s] [-w] path',
  summary: 'show the data of a znode (hex dump when binary), with -s its Stat, with -w a watch',
  flags: { '-s': 'bool', '-w': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const client = await ctx.session.client();
    const { data, stat } = await client.getData(path, hasFlag(input, '-w') ? { watch: ctx.session.watcher } : {});
    const lines = dataLines(data);
    if (hasFlag(input, '-s')) lines.push(...statLines(stat));
    return done({ path, data: printableText(data) ?? null, hex: toHexString(data), stat: statJson(stat) }, lines);
  },
};

export const set: CommandSpec = {
  name: 'set',
  usage: '[-s] [-v version] path data | --hex hex | -f file',
  summary: 'replace the data of a znode, if its version matches -v',
  flags: { '-s': 'bool', '-v': 'value', '--hex': 'value', '-f': 'value' },
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, input, usage) {
    const version = intFlag(input, '-v', usage) ?? -1;
    const fromOption = dataFromOption(input, usage);
    if (input.args.length !== (fromOption ? 1 : 2)) throw new UsageError(fromOption ? 'data given twice' : 'set needs a path and data', usage);
    const path = input.args[0]!;
    const data = (await dataOf(input, input.args[1], usage))!;
    const client = await ctx.session.client();
    const stat = await client.setData(path, data, version);
    return done({ path, stat: statJson(stat) }, hasFlag(input, '-s') ? statLines(stat) : []);
  },
};

export const del: CommandSpec = {
  name: 'delete',
  usage: '[-v version] path',
  summary: 'delete a znode without children, if its version matches -v',
  flags: { '-v': 'value' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const version = intFlag(input, '-v', usage) ?? -1;
    const path = input.args[0]!;
    await (await ctx.session.client()).delete(path, version);
    return done({ path, deleted: true });
  },
};

export const stat: CommandSpec = {
  name: 'stat',
  usage: '[-w] path',
  summary: 'show the Stat of a znode; -w watches it (also for its creation)',
  flags: { '-w': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const client = await ctx.session.client();
    const found = await client.exists(path, hasFlag(input, '-w') ? { watch: ctx.session.watcher } : {});
    if (found === null) throw new KeeperError(ErrorCode.NONODE, path);
    return done({ path, stat: statJson(found) }, statLines(found));
  },
};

export const sync: CommandSpec = {
  name: 'sync',
  usage: 'path',
  summary: 'make the connected server catch up with the leader',
  flags: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    await (await ctx.session.client()).sync(path);
    return done({ path, synced: true }, ['Sync is OK']);
  },
};

export const getAllChildrenNumber: CommandSpec = {
  name: 'getAllChildrenNumber',
  usage: 'path',
  summary: 'count the znodes below a path, at any depth',
  flags: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const count = await (await ctx.session.client()).getAllChildrenNumber(path);
    return done({ path, count }, [String(count)]);
  },
};

export const getEphemerals: CommandSpec = {
  name: 'getEphemerals',
  usage: '[path]',
  summary: "list this session's ephemeral znodes (below path, default /)",
  flags: {},
  minArgs: 0,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0] ?? '/';
    const paths = await (await ctx.session.client()).getEphemerals(path);
    paths.sort();
    return done({ path, paths }, [`[${paths.join(', ')}]`]);
  },
};
