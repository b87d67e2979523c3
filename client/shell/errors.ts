// The shell's errors and how they read. A KeeperError becomes zkCli's sentence (its own words where
// zkCli has them) naming the path; a UsageError carries the command's usage line; a CommandError is
// anything else a command refuses (an unreadable file, no session). A CONNECTIONLOSS that knows its link
// failure reads as that failure, in one line (shell/connection-failure.ts).
import { ErrorCode, KeeperError } from '../index.js';
import { failureSentence } from './connection-failure.js';

/** Wrong arguments: the shell prints the usage line; one-shot mode exits with 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command failed for a reason that is not a server answer; one-shot mode exits with 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** A command did not finish within --command-timeout; the shell stops waiting for it. */
export class CommandTimeoutError extends CommandError {
  constructor(message: string) {
    super(message);
    this.name = 'CommandTimeoutError';
  }
}

/** Ctrl-C (or SIGINT/SIGTERM in one-shot mode) abandoned the command; one-shot mode exits with 130. */
export class CancelledError extends CommandError {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** The exit status of a process ended by SIGINT, as shells report it. */
export const CANCELLED_EXIT_CODE = 130;

type Sentence = (path: string) => string;
const at = (text: string): Sentence => (path) => (path === '' ? text : `${text}: ${path}`);
// zkCli's spacing before the colon, kept where it has one, so scripts written for zkCli still match.
const spacedAt = (text: string): Sentence => (path) => (path === '' ? text : `${text} : ${path}`);

const SENTENCES: Record<number, Sentence> = {
  [ErrorCode.NONODE]: at('Node does not exist'),
  [ErrorCode.NODEEXISTS]: at('Node already exists'),
  [ErrorCode.NOTEMPTY]: at('Node not empty'),
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: at('Ephemerals cannot have children'),
  [ErrorCode.NOTREADONLY]: at('Not a read-only call'),
  [ErrorCode.BADVERSION]: spacedAt('version No is not valid'),
  [ErrorCode.INVALIDACL]: spacedAt('Acl is not valid'),
  [ErrorCode.NOAUTH]: spacedAt('Authentication is not valid'),
  [ErrorCode.BADARGUMENTS]: spacedAt('Arguments are not valid'),
  [ErrorCode.QUOTAEXCEEDED]: spacedAt('Quota has exceeded'),
  [ErrorCode.NOWATCHER]: spacedAt('No such watcher'),
  [ErrorCode.RECONFIGINPROGRESS]: () => 'Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)',
  [ErrorCode.NEWCONFIGNOQUORUM]: () => 'No quorum of new config is connected and up-to-date with the leader of last committed config',
  [ErrorCode.SYSTEMERROR]: at('System error'),
  [ErrorCode.RUNTIMEINCONSISTENCY]: at('Runtime inconsistency (an earlier operation of the same multi failed)'),
  [ErrorCode.DATAINCONSISTENCY]: at('Data inconsistency'),
  [ErrorCode.CONNECTIONLOSS]: at('No connection to the server (a request in flight when a link drops fails so; the session may live on)'),
  [ErrorCode.MARSHALLINGERROR]: at('Error marshalling or unmarshalling data'),
  [ErrorCode.UNIMPLEMENTED]: at('Operation is not implemented by the server'),
  [ErrorCode.OPERATIONTIMEOUT]: at('Operation timed out'),
  [ErrorCode.UNKNOWNSESSION]: at('Session does not exist'),
  [ErrorCode.APIERROR]: at('API error'),
  [ErrorCode.SESSIONEXPIRED]: at('Session expired'),
  [ErrorCode.INVALIDCALLBACK]: at('Invalid callback'),
  [ErrorCode.AUTHFAILED]: at('Authentication failed'),
  [ErrorCode.SESSIONMOVED]: at('Session moved to another server'),
  [ErrorCode.EPHEMERALONLOCALSESSION]: at('Unable to create ephemeral node on a local session'),
  [ErrorCode.REQUESTTIMEOUT]: at('Request timed out'),
  [ErrorCode.RECONFIGDISABLED]: at('Reconfig is disabled'),
  [ErrorCode.THROTTLEDOP]: at('Operation throttled by the server; try again later'),
};

/** The "(why)" a KeeperError's message carries after its code and path, when the SDK gave one. */
function detailOf(error: KeeperError): string | undefined {
  const m = /\((.*)\)$/s.exec(error.message);
  return m?.[1];
}

export function keeperSentence(error: KeeperError): string {
  const path = error.path ?? '';
  const failure = error.connectionFailure;
  if (error.code === ErrorCode.CONNECTIONLOSS && failure !== undefined) {
    return path === '' ? failureSentence(failure) : `${failureSentence(failure)} (${path} not answered)`;
  }
  const sentence = SENTENCES[error.code]?.(path) ?? at(`Error ${error.code}`)(path);
  const detail = detailOf(error);
  return detail === undefined ? sentence : `${sentence} (${detail})`;
}

export function errorCodeNameOf(code: number): string {
  return Object.keys(ErrorCode).find((k) => ErrorCode[k as keyof typeof ErrorCode] === code) ?? `UNKNOWN(${code})`;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What --json prints for a failure: `{"error":{...}}`. */
export function errorJson(error: unknown): Json {
  if (error instanceof KeeperError) {
    const body: { [key: string]: Json } = { code: error.code, name: errorCodeNameOf(error.code) };
    if (error.path !== undefined) body.path = error.path;
    const failure = error.connectionFailure;
    if (failure !== undefined) body.connection = { cause: failure.cause, url: failure.url };
    body.message = keeperSentence(error);
    return { error: body };
  }
  if (error instanceof UsageError) return { error: { name: 'USAGE', message: error.message, usage: error.usage } };
  if (error instanceof CancelledError) return { error: { name: 'CANCELLED', message: error.message } };
  if (error instanceof CommandTimeoutError) return { error: { name: 'TIMEOUT', message: error.message } };
  return { error: { name: 'COMMAND', message: error instanceof Error ? error.message : String(error) } };
}

/** The human text of a failure (without the usage line). */
export function errorText(error: unknown): string {
  if (error instanceof KeeperError) return keeperSentence(error);
  return error instanceof Error ? error.message : String(error);
}

/** 2 for usage errors, 130 for a cancelled command, 1 for everything else. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  return error instanceof CancelledError ? CANCELLED_EXIT_CODE : 1;
}
