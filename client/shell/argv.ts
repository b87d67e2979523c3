// The top-level command line: zkCli's single-dash options (`-server host:port`, `-timeout ms`) and
// ours (`--json`, `--connect-timeout ms`, and for TLS `--tls`, `--ca file`, `--cert file`, `--key file`,
// `--servername name`), then an optional command with its words, left untouched.
import { UsageError } from './errors.js';

export const MAIN_USAGE = 'canopy-cli [-server host:port[,host:port...]] [-timeout ms] [--connect-timeout ms] [--json] ' +
  '[--tls] [--ca file] [--cert file --key file] [--servername name] [--version] [command [args]]';
export const DEFAULT_SERVER = '127.0.0.1:2181';
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
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

export function parseMainArgs(argv: readonly string[]): MainArgs {
  const args: MainArgs = {
    server: DEFAULT_SERVER,
    tls: { secure: false },
    sessionTimeoutMs: DEFAULT_SESSION_TIMEOUT_MS,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    json: false,
    help: false,
    version: false,
    command: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '-server' || flag === '--server') args.server = needValue(flag, argv[++i]);
    else if (flag === '-timeout' || flag === '--timeout') args.sessionTimeoutMs = ms(flag, argv[++i]);
    else if (flag === '--connect-timeout' || flag === '-connect-timeout') args.connectTimeoutMs = ms(flag, argv[++i]);
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
  const t = args.tls;
  if ((t.certFile === undefined) !== (t.keyFile === undefined)) throw new UsageError('--cert and --key go together', MAIN_USAGE);
  t.secure ||= t.caFile !== undefined || t.certFile !== undefined || t.servername !== undefined;
  return args;
}
