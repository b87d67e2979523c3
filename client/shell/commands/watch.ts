// Streaming watches, like `etcdctl watch`: a persistent (or, with -r, persistent recursive) watch whose
// events print one line each (`NodeCreated /a/b`, or with --json one object per line) until the user
// cancels: Ctrl-C interactively, SIGINT or SIGTERM in one-shot mode, which then exits 0. The watch lives
// in the SDK across reconnects; an expired or closed session ends it with an error.
import { AddWatchMode, EventType, WatcherType } from '../../index.js';
import type { Client, ClientState, WatchedEvent, Watcher } from '../../index.js';
import { CommandError } from '../errors.js';
import { hasFlag } from '../flags.js';
import { eventTypeName } from '../format.js';
import type { CommandResult, CommandSpec, ShellContext } from './types.js';
import { done } from './types.js';

export function watchEventResult(event: WatchedEvent): CommandResult {
  const type = eventTypeName(event.type);
  return done({ type, path: event.path, zxid: event.zxid }, [`${type} ${event.path}`]);
}

function modeText(mode: AddWatchMode): string {
  return mode === AddWatchMode.PERSISTENT_RECURSIVE ? 'and below it' : 'its data and children';
}

/** Resolves when the signal fires; rejects when the session ends for good. */
function untilCancelled(ctx: ShellContext, client: Client): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      ctx.signal.removeEventListener('abort', onAbort);
      client.off('state', onState);
    };
    const onAbort = (): void => {
      finish();
      resolve();
    };
    const onState = (state: ClientState): void => {
      // Interactive mode prints state changes already (WATCHER:: lines).
      if (state === 'disconnected' && !ctx.interactive) ctx.notice(`disconnected: ${ctx.session.trouble()}; the watch resumes on reconnect`);
      if (state === 'connected' && !ctx.interactive) ctx.notice('reconnected');
      if (state === 'expired' || state === 'closed' || state === 'authFailed') {
        finish();
        reject(new CommandError(`watch ended: the session is ${state}`));
      }
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    client.on('state', onState);
    if (ctx.signal.aborted) onAbort();
  });
}

/** Sets the watch, prints its events until cancelled, then takes it off the server (interactive mode). */
export async function streamWatch(ctx: ShellContext, path: string, mode: AddWatchMode): Promise<CommandResult> {
  const client = await ctx.bounded(ctx.session.client(), 'watch');
  let stopped = false;
  const watcher: Watcher = (event) => {
    // State events reach a watcher only at expiry, which untilCancelled reports; once stopped, nothing
    // prints (taking the watch off sends it a PersistentWatchRemoved).
    if (!stopped && event.type !== EventType.None) ctx.emit(watchEventResult(event));
  };
  await ctx.bounded(client.addWatch(path, watcher, mode), 'watch');
  ctx.notice(`watching ${path} ${modeText(mode)} (Ctrl-C to stop)`);
  try {
    await untilCancelled(ctx, client);
  } finally {
    stopped = true;
    // One-shot mode closes the session next, which drops the watch with it.
    if (ctx.interactive) await removeWatch(ctx, client, path, watcher);
  }
  return done(null);
}

async function removeWatch(ctx: ShellContext, client: Client, path: string, watcher: Watcher): Promise<void> {
  const offline = client.state !== 'connected';
  await ctx.bounded(client.removeWatches(path, watcher, WatcherType.Any, offline), 'watch', new AbortController().signal).catch(() => undefined);
}

export const watch: CommandSpec = {
  name: 'watch',
  usage: '[-r|--recursive] path',
  summary: 'print every change of a znode (-r: of every znode below it too), one line each, until Ctrl-C',
  flags: { '-r': 'bool', '--recursive': 'bool' },
  minArgs: 1,
  maxArgs: 1,
  streaming: 'always',
  run(ctx, input) {
    const recursive = hasFlag(input, '-r') || hasFlag(input, '--recursive');
    return streamWatch(ctx, input.args[0]!, recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT);
  },
};
