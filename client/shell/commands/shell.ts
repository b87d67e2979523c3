// Commands about the shell itself: connect, close, quit, history, redo.
import { UsageError } from '../errors.js';
import type { CommandSpec } from './types.js';
import { done } from './types.js';

export const connect: CommandSpec = {
  name: 'connect',
  usage: 'host:port[,host:port...]',
  summary: 'close the session and open one with these servers (default: the current ones)',
  flags: {},
  minArgs: 0,
  maxArgs: 1,
  async run(ctx, input) {
    const server = input.args[0] ?? ctx.session.connectString;
    await ctx.session.connect(server);
    return done({ server, state: ctx.session.state });
  },
};

export const close: CommandSpec = {
  name: 'close',
  usage: '',
  summary: 'close the session (its ephemeral znodes go)',
  flags: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    await ctx.session.close();
    return done({ state: ctx.session.state });
  },
};

export const quit: CommandSpec = {
  name: 'quit',
  usage: '',
  summary: 'close the session and leave the shell',
  flags: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    ctx.quit();
    return done({ quit: true });
  },
};

export const history: CommandSpec = {
  name: 'history',
  usage: '',
  summary: 'list the last commands, numbered for redo',
  flags: {},
  minArgs: 0,
  maxArgs: 0,
  async run(ctx) {
    const recent = ctx.history.recent();
    return done({ history: recent }, recent.map((h) => `${h.n} - ${h.command}`));
  },
};

export const redo: CommandSpec = {
  name: 'redo',
  usage: 'cmdno',
  summary: 'run the numbered command again',
  // The command it runs again is bounded (or streams) on its own.
  streaming: 'always',
  flags: {},
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, input, usage) {
    const raw = input.args[0]!;
    const line = /^\d+$/.test(raw) ? ctx.history.get(Number(raw)) : undefined;
    if (line === undefined) throw new UsageError(`no command number ${raw} in the history`, usage);
    if (/^\s*redo\b/.test(line)) throw new UsageError('redo cannot run another redo', usage);
    return ctx.redoLine(line);
  },
};
