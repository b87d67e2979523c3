// The top-level command line: zkCli's single-dash options (`-server host:port`, `-timeout ms`, the session
// timeout as in zkCli) and ours (`--json`, `--connect-timeout ms`, `--command-timeout ms` as etcdctl names it,
// and for TLS `--tls`, `--ca file`, `--cert file`, `--key file`, `--servername name`), then an optional
// command with its words, left untouched. The server list comes from -server, else from $CANOPY_SERVER
// (as etcdctl reads ETCDCTL_ENDPOINTS), else the default; it is checked here, so a bad one is a usage error.
import { parseConnectString } from '../connect-string.js';
import { UsageError } from './errors.js';

export const MAIN_USAGE = 'canopy-cli [-server host:port[,host:port...][/chroot] | ws://host:port,... | wss://host:port,...] ' +
  '[-timeout ms] [--connect-timeout ms] [--command-timeout ms] [--json] ' +
  '[--tls] [--ca file] [--cert file --key file] [--servername name] [--version] [command [args]]';
/** What --help adds below the usage line. */
export const MAIN_NOTES = [
  '  -server            servers to connect to (default $CANOPY_SERVER, else 127.0.0.1:2181); wss:// means TLS',
  '  -timeout           session timeout, ms (default 30000)',
  '  --connect-timeout  how long to wait for a session with any server, ms (default 15000)',
  '  --command-timeout  how long one command may wait, its connect included, ms (default 30000);',
  '                     a command that does not finish in time fails and the shell goes on',
  '  Ctrl-C cancels the running command; at an empty prompt press it twice, or Ctrl-D, to leave.',
];
export const DEFAULT_SERVER = '127.0.0.1:2181';
/** The environment variable with the server list, used when -server is not given. */
export const SERVER_ENV = 'CANOPY_SERVER';
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** Longest server list accepted from the command line or the environment. */
const SERVER_TEXT_MAX = 16_384;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** TLS flags: files are read when the shell starts (shell/tls-files.ts). */
export interface TlsArgs {
  /** --tls, or implied by any of the files: connect with wss. */
  secure: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  servername?: string;
}

export interface MainArgs {
  server: string;
  tls: TlsArgs;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** How long one command may take, waiting for a connection included; streaming commands (watch) only for their setup. */
  commandTimeoutMs: number;
  json: boolean;
  help: boolean;
  version: boolean;
  /** Empty: interactive. */
  command: string[];
}

function ms(flag: string, raw: string | undefined): number {
  const value = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new UsageError(`${flag} needs a positive number of ms (got ${String(raw)})`, MAIN_USAGE);
  }
  return value;
}

function needValue(flag: string, raw: string | undefined): string {
  if (raw === undefined || raw === '') throw new UsageError(`${flag} needs a value`, MAIN_USAGE);
  return raw;
}

/** The server list checked as the SDK will read it; `source` names where it came from in the error. */
function checkedServer(source: string, text: string): string {
  if (text.length > SERVER_TEXT_MAX) throw new UsageError(`${source}: longer than ${SERVER_TEXT_MAX} characters`, MAIN_USAGE);
  try {
    parseConnectString(text);
  } catch (e) {
    throw new UsageError(`${source}: ${(e as Error).message}`, MAIN_USAGE);
  }
  return text;
}

/** The variables the shell reads from its environment (main.ts passes them in). */
export interface MainEnv {
  CANOPY_SERVER?: string | undefined;
}

export function parseMainArgs(argv: readonly string[], env: MainEnv = {}): MainArgs {
  const envServer = env.CANOPY_SERVER?.trim();
  let serverFlag: string | undefined;
  const args: MainArgs = {
    server: DEFAULT_SERVER,
    tls: { secure: false },
    sessionTimeoutMs: DEFAULT_SESSION_TIMEOUT_MS,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
    json: false,
    help: false,
    version: false,
    command: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '-server' || flag === '--server') serverFlag = needValue(flag, argv[++i]);
    else if (flag === '-timeout' || flag === '--timeout') args.sessionTimeoutMs = ms(flag, argv[++i]);
    else if (flag === '--connect-timeout' || flag === '-connect-timeout') args.connectTimeoutMs = ms(flag, argv[++i]);
    else if (flag === '--command-timeout' || flag === '-command-timeout') args.commandTimeoutMs = ms(flag, argv[++i]);
    else if (flag === '--json' || flag === '-json') args.json = true;
    else if (flag === '--tls') args.tls.secure = true;
    else if (flag === '--ca') args.tls.caFile = needValue(flag, argv[++i]);
    else if (flag === '--cert') args.tls.certFile = needValue(flag, argv[++i]);
    else if (flag === '--key') args.tls.keyFile = needValue(flag, argv[++i]);
    else if (flag === '--servername') args.tls.servername = needValue(flag, argv[++i]);
    else if (flag === '-h' || flag === '--help') args.help = true;
    else if (flag === '--version' || flag === '-version') args.version = true;
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`, MAIN_USAGE);
    else break;
  }
  args.command = argv.slice(i);
  // --help and --version answer whatever the environment holds.
  const check = args.help || args.version ? (_source: string, text: string) => text : checkedServer;
  if (serverFlag !== undefined) args.server = check('-server', serverFlag);
  else if (envServer !== undefined && envServer !== '') args.server = check(SERVER_ENV, envServer);
  const t = args.tls;
  if ((t.certFile === undefined) !== (t.keyFile === undefined)) throw new UsageError('--cert and --key go together', MAIN_USAGE);
  t.secure ||= t.caFile !== undefined || t.certFile !== undefined || t.servername !== undefined;
  return args;
}
