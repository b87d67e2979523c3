// ACL and identity commands: getAcl, setAcl, addauth, whoami.
import type { ACL } from '../../index.js';
import { parseAcl } from '../acl.js';
import type { Json } from '../errors.js';
import { hasFlag, intFlag } from '../flags.js';
import { aclLines, permString, statLines } from '../format.js';
import { statJson } from './nodes.js';
import { walkSubtree } from './tree.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';

function aclJson(acl: readonly ACL[]): Json {
  return acl.map((a) => ({ scheme: a.id.scheme, id: a.id.id, perms: permString(a.perms) }));
}

export const getAcl: CommandSpec = {
  name: 'getAcl',
  usage: '[-s] path',
  summary: 'show the ACL of a znode, with -s its Stat',
  flags: { '-s': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const { acl, stat } = await (await ctx.session.client()).getACL(path);
    const lines = aclLines(acl);
    if (!hasFlag(input, '-s')) return done({ path, acl: aclJson(acl) }, lines);
    return done({ path, acl: aclJson(acl), stat: statJson(stat) }, [...lines, ...statLines(stat)]);
  },
};

export const setAcl: CommandSpec = {
  name: 'setAcl',
  usage: '[-s] [-v version] [-R] path acl',
  summary: 'replace the ACL of a znode (-R: and of every znode below it)',
  flags: { '-s': 'bool', '-v': 'value', '-R': 'bool' },
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, input, usage) {
    const version = intFlag(input, '-v', usage) ?? -1;
    const [path, aclText] = input.args as [string, string];
    const acl = parseAcl(aclText, usage);
    const client = await ctx.session.client();
    if (hasFlag(input, '-R')) {
      const paths = await walkSubtree(client, path);
      for (const p of paths) await client.setACL(p, acl, version);
      return done({ path, paths });
    }
    const stat = await client.setACL(path, acl, version);
    return done({ path, stat: statJson(stat) }, hasFlag(input, '-s') ? statLines(stat) : []);
  },
};

export const addauth: CommandSpec = {
  name: 'addauth',
  usage: 'scheme auth',
  summary: 'add credentials to the session (digest user:password)',
  flags: {},
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, input) {
    const [scheme, auth] = input.args as [string, string | undefined];
    await (await ctx.session.client()).addAuthInfo(scheme, auth ?? '');
    return done({ scheme, added: true });
  },
};

export const whoami: CommandSpec = {
  name: 'whoami',
  usage: '',
  summary: 'show the identities the session is authenticated as',
  flags: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    const ids = await (await ctx.session.client()).whoAmI();
    return done({ ids }, ['Auth scheme: User', ...ids.map((i) => `${i.scheme}: ${i.id}`)]);
  },
};
