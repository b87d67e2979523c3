// The command table, and running one command's words through it.
import { UsageError } from '../errors.js';
import { parseFlags } from '../flags.js';
import { addauth, getAcl, setAcl, whoami } from './auth.js';
import { create, del, get, getAllChildrenNumber, getEphemerals, set, stat, sync } from './nodes.js';
import { delquota, listquota, setquota } from './quota.js';
import { close, connect, history, quit, redo } from './shell.js';
import { deleteall, ls } from './tree.js';
import type { CommandResult, CommandSpec, ShellContext } from './types.js';
import { done } from './types.js';
import { watch } from './watch.js';
import { addWatch, printwatches, removewatches } from './watches.js';

export function usageOf(spec: CommandSpec): string {
  return spec.usage === '' ? spec.name : `${spec.name} ${spec.usage}`;
}

const help: CommandSpec = {
  name: 'help',
  usage: '[command]',
  summary: 'list the commands, or show one command',
  flags: {},
  minArgs: 0,
  maxArgs: 1,
  async run(_ctx, input, usage) {
    const name = input.args[0];
    if (name !== undefined) {
      const spec = findCommand(name);
      if (spec === undefined) throw new UsageError(`unknown command ${name}`, usage);
      return done({ name: spec.name, usage: usageOf(spec), summary: spec.summary }, [usageOf(spec), `\t${spec.summary}`]);
    }
    const sorted = [...COMMANDS].sort((a, b) => a.name.localeCompare(b.name));
    const lines = ['canopy-cli -server host:port[,host:port...] [--json] [--command-timeout ms] [cmd args]', ...sorted.map((s) => `\t${usageOf(s)}`)];
    return done({ commands: sorted.map((s) => ({ name: s.name, usage: usageOf(s), summary: s.summary })) }, lines);
  },
};

export const COMMANDS: readonly CommandSpec[] = [
  addauth, addWatch, close, connect, create, del, deleteall, delquota, get, getAcl, getAllChildrenNumber, getEphemerals, help,
  history, listquota, ls, printwatches, quit, redo, removewatches, set, setAcl, setquota, stat, sync, watch, whoami,
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name).sort();

/** Parses and runs one command's words (the name first); throws UsageError, KeeperError or CommandError. */
export async function runWords(ctx: ShellContext, words: readonly string[]): Promise<CommandResult> {
  const [name, ...rest] = words;
  if (name === undefined) return done(null);
  const spec = findCommand(name);
  if (spec === undefined) throw new UsageError(`unknown command ${name}`, 'help [command]');
  const usage = usageOf(spec);
  const parsed = parseFlags(rest, spec.flags, usage);
  if (parsed.args.length < spec.minArgs) throw new UsageError(`${name}: missing arguments`, usage);
  if (parsed.args.length > spec.maxArgs) throw new UsageError(`${name}: too many arguments`, usage);
  const streams = spec.streaming === 'always' || (spec.streaming === 'one-shot' && !ctx.interactive);
  if (streams) return spec.run(ctx, parsed, usage);
  return ctx.bounded(spec.run(ctx, parsed, usage), name);
}
