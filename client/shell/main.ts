#!/usr/bin/env node
// canopy-cli: a zkCli-style shell. With a command it runs it once and exits (0 ok, 1 failed, 2 usage,
// 130 cancelled by SIGINT/SIGTERM; a streaming command such as `watch` ends at either signal with 0);
// without one it is interactive.
import type { TlsOptions } from '../index.js';
import { MAIN_NOTES, MAIN_USAGE, parseMainArgs } from './argv.js';
// A leaf with no dependencies: the shell is a Node program, and SDK-only users never load it.
import { CANOPY_VERSION } from '../../src/version.js';
import type { MainArgs } from './argv.js';
import { Shell } from './context.js';
import { exitCodeOf } from './errors.js';
import { historyFile } from './history.js';
import { Printer } from './printer.js';
import { runRepl } from './repl.js';
import { Session } from './session.js';
import { tlsOptionsOf } from './tls-files.js';

/** Bounds how long a finished run may wait for the session to close before the process ends anyway. */
const EXIT_GRACE_MS = 5_000;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The first SIGINT or SIGTERM cancels the command (a watch ends cleanly); a second one ends the process as usual. */
async function runOnce(shell: Shell, printer: Printer, words: readonly string[]): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  for (const s of STOP_SIGNALS) process.once(s, onSignal);
  let code = 0;
  try {
    printer.result(await shell.runTopLevel(words, stop.signal));
  } catch (e) {
    printer.error(e);
    code = exitCodeOf(e);
  }
  await shell.session.close().catch(() => undefined);
  for (const s of STOP_SIGNALS) process.off(s, onSignal);
  return code;
}

async function run(args: MainArgs): Promise<number> {
  const printer = new Printer(args.json, process.stdout, process.stderr);
  const interactive = args.command.length === 0;
  let tls: TlsOptions | undefined;
  try {
    tls = tlsOptionsOf(args.tls);
  } catch (e) {
    printer.error(e);
    return exitCodeOf(e);
  }
  const options = { sessionTimeoutMs: args.sessionTimeoutMs, connectTimeoutMs: args.connectTimeoutMs, ...(tls !== undefined ? { tls } : {}) };
  // One-shot output stays clean for scripts: no connection or watch events (nothing could fire anyway).
  const session = new Session(args.server, options, (event) => { if (interactive) printer.event(event); });
  const shell = new Shell(session, {
    interactive,
    commandTimeoutMs: args.commandTimeoutMs,
    emit: (result) => printer.result(result),
    notice: (text) => printer.notice(text),
  });
  if (!interactive) return runOnce(shell, printer, args.command);
  return runRepl(shell, printer, { input: process.stdin, output: process.stdout, historyFile: historyFile(), json: args.json });
}

async function main(): Promise<void> {
  let args: MainArgs;
  try {
    args = parseMainArgs(process.argv.slice(2), { CANOPY_SERVER: process.env.CANOPY_SERVER });
  } catch (e) {
    new Printer(process.argv.includes('--json'), process.stdout, process.stderr).error(e);
    process.exitCode = exitCodeOf(e);
    return;
  }
  if (args.help) {
    process.stdout.write(`${MAIN_USAGE}\n${MAIN_NOTES.join('\n')}\n(run 'canopy-cli help' for the commands)\n`);
    return;
  }
  if (args.version) {
    process.stdout.write(`canopy-cli ${CANOPY_VERSION}\n`);
    return;
  }
  process.exitCode = await run(args);
  // A stray handle (a socket in its closing handshake) must not keep a finished shell alive.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

main().catch((e: unknown) => {
  process.stderr.write(`canopy-cli: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
