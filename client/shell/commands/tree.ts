// Commands over a subtree: ls (-R), deleteall; and the walk they and `setAcl -R` share.
import { Op } from '../../index.js';
import type { Client, Watcher } from '../../index.js';
import { KeeperError, ErrorCode } from '../../index.js';
import { CommandError } from '../errors.js';
import { hasFlag, intFlag } from '../flags.js';
import { listText, statLines } from '../format.js';
import { statJson } from './nodes.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';

/** A walk gives up beyond this many znodes rather than exhaust memory. */
export const MAX_WALK_NODES = 1_000_000;
const DEFAULT_DELETE_BATCH = 1_000;

function childPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/**
 * The subtree in zkCli's `ls -R` order: the path, then all its children, then each child's subtree the
 * same way. A node deleted during the walk is skipped; a missing root is NONODE.
 */
export async function walkSubtree(client: Client, root: string, watch?: Watcher): Promise<string[]> {
  await client.getChildren(root); // NONODE for a missing root
  const out = [root];
  const visit = async (path: string): Promise<void> => {
    let children: string[];
    try {
      children = (await client.getChildren(path, watch ? { watch } : {})).children.sort();
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return;
      throw e;
    }
    if (out.length + children.length > MAX_WALK_NODES) throw new CommandError(`more than ${MAX_WALK_NODES} znodes below ${root}`);
    const paths = children.map((c) => childPath(path, c));
    out.push(...paths);
    for (const p of paths) await visit(p);
  };
  await visit(root);
  return out;
}

export const ls: CommandSpec = {
  name: 'ls',
  usage: '[-s] [-w] [-R] path',
  summary: 'list the children of a znode; -R every path below it, one per line',
  flags: { '-s': 'bool', '-w': 'bool', '-R': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input) {
    const path = input.args[0]!;
    const client = await ctx.session.client();
    const watch = hasFlag(input, '-w') ? ctx.session.watcher : undefined;
    if (hasFlag(input, '-R')) {
      const paths = await walkSubtree(client, path, watch);
      return done({ path, paths }, paths);
    }
    const { children, stat } = await client.getChildren(path, watch ? { watch } : {});
    children.sort();
    const lines = [listText(children)];
    if (!hasFlag(input, '-s')) return done({ path, children }, lines);
    return done({ path, children, stat: statJson(stat) }, [...lines, ...statLines(stat)]);
  },
};

export const deleteall: CommandSpec = {
  name: 'deleteall',
  usage: 'path [-b batch size]',
  summary: 'delete a znode and everything below it (in atomic batches of -b deletes)',
  flags: { '-b': 'value' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const batch = intFlag(input, '-b', usage, 1, 10_000) ?? DEFAULT_DELETE_BATCH;
    const path = input.args[0]!;
    const client = await ctx.session.client();
    // Deepest first: in the walk's order every node comes after its parent.
    const paths = (await walkSubtree(client, path)).reverse();
    for (let i = 0; i < paths.length; i += batch) {
      await client.multi(paths.slice(i, i + batch).map((p) => Op.delete(p)));
    }
    return done({ path, deleted: paths.length });
  },
};
