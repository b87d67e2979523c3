// Watch commands: addWatch, removewatches, printwatches. One-shot addWatch streams like `watch`: a
// watch set by a process that exits at once would never print anything.
import { AddWatchMode, WatcherType } from '../../index.js';
import { UsageError } from '../errors.js';
import { hasFlag, stringFlag } from '../flags.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';
import { streamWatch } from './watch.js';

const MODES: Record<string, AddWatchMode> = {
  PERSISTENT: AddWatchMode.PERSISTENT,
  PERSISTENT_RECURSIVE: AddWatchMode.PERSISTENT_RECURSIVE,
};

export const addWatch: CommandSpec = {
  name: 'addWatch',
  usage: '[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
  summary: 'set a persistent watch (PERSISTENT_RECURSIVE by default) that prints every event; one-shot, it streams like watch',
  flags: { '-m': 'value' },
  minArgs: 1,
  maxArgs: 1,
  streaming: 'one-shot',
  async run(ctx, input, usage) {
    const modeName = (stringFlag(input, '-m') ?? 'PERSISTENT_RECURSIVE').toUpperCase();
    const mode = MODES[modeName];
    if (mode === undefined) throw new UsageError(`unknown mode ${modeName}`, usage);
    const path = input.args[0]!;
    if (!ctx.interactive) return streamWatch(ctx, path, mode);
    await (await ctx.session.client()).addWatch(path, ctx.session.watcher, mode);
    return done({ path, mode: modeName });
  },
};

function watcherType(c: boolean, d: boolean, a: boolean, usage: string): WatcherType {
  if (Number(c) + Number(d) + Number(a) > 1) throw new UsageError('give only one of -c, -d, -a', usage);
  if (c) return WatcherType.Children;
  if (d) return WatcherType.Data;
  return WatcherType.Any;
}

export const removewatches: CommandSpec = {
  name: 'removewatches',
  usage: 'path [-c|-d|-a] [-l]',
  summary: 'remove the watches on a path: -c child, -d data, -a any (default); -l locally, without the server',
  flags: { '-c': 'bool', '-d': 'bool', '-a': 'bool', '-l': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const type = watcherType(hasFlag(input, '-c'), hasFlag(input, '-d'), hasFlag(input, '-a'), usage);
    const path = input.args[0]!;
    await (await ctx.session.client()).removeWatches(path, null, type, hasFlag(input, '-l'));
    return done({ path, removed: true });
  },
};

export const printwatches: CommandSpec = {
  name: 'printwatches',
  usage: 'on|off',
  summary: 'turn printing of watch events on or off',
  flags: {},
  minArgs: 0,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const arg = input.args[0];
    if (arg !== undefined) {
      if (arg !== 'on' && arg !== 'off') throw new UsageError(`printwatches takes on or off (got ${arg})`, usage);
      ctx.session.printWatches = arg === 'on';
    }
    const state = ctx.session.printWatches ? 'on' : 'off';
    return done({ printwatches: ctx.session.printWatches }, arg === undefined ? [`printwatches is ${state}`] : []);
  },
};
