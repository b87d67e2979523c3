// canopy-admin log dump DIR: the txn log of a data directory, one txn per line, as text or JSON lines. It reads
// the segment files directly (or a copy of a LevelDB directory), so it never changes what it reads: a torn
// tail is reported, not cut, and a live server's directory can be dumped.
import type { Txn } from '../../protocol/index.js';
import { readKvLoggedTxns, withLevelCopy } from '../storage/kv-inspect.js';
import { readLoggedTxns, storeSalt } from '../storage/segment-inspect.js';
import { locateStore } from './data-dir.js';
import { type AdminIo, EXIT, defineSubcommand, parseZxidArg, printable, zxidText } from './subcommand.js';

const TWO_TO_32 = 2 ** 32;
/** Paths listed for one multi txn: the rest are counted. */
const PATHS_PER_LINE_MAX = 64;

/** The paths a txn body names, read defensively: a record's body is only known to have a string type. */
function pathsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as { path?: unknown; txns?: unknown };
  if (typeof b.path === 'string') return [b.path];
  if (!Array.isArray(b.txns)) return [];
  const paths = b.txns.slice(0, PATHS_PER_LINE_MAX).flatMap((t) => pathsOf(t));
  if (b.txns.length > PATHS_PER_LINE_MAX) paths.push(`(${b.txns.length - PATHS_PER_LINE_MAX} more)`);
  return paths;
}

function timeText(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

export function txnLine(txn: Txn, json: boolean): string {
  const epoch = Math.floor(txn.zxid / TWO_TO_32);
  const paths = pathsOf(txn.body).map((p) => printable(p, 1024));
  const type = printable(txn.body.type, 32);
  if (json) {
    return JSON.stringify({ zxid: zxidText(txn.zxid), epoch, sessionId: zxidText(txn.sessionId), time: timeText(txn.time), type, paths });
  }
  return [zxidText(txn.zxid), `epoch ${epoch}`, `session ${zxidText(txn.sessionId)}`, timeText(txn.time), type, ...paths].join('  ');
}

interface DumpArgs {
  dir: string;
  dataLogDir: string | undefined;
  json: boolean;
  from: number | undefined;
  to: number | undefined;
}

async function dump(args: DumpArgs, io: AdminIo): Promise<number> {
  const from = args.from ?? 0;
  const to = args.to ?? Number.MAX_SAFE_INTEGER;
  const located = await locateStore(args.dir, args.dataLogDir);
  const print = async (txn: Txn): Promise<boolean> => {
    if (txn.zxid > to) return false;
    await io.out(`${txnLine(txn, args.json)}\n`);
    return true;
  };
  if (located.engine === 'leveldb') {
    return withLevelCopy(located.dbDir, async (copy) => {
      for await (const read of readKvLoggedTxns(copy, from)) {
        if (read.kind === 'bad') {
          io.err(`canopy-admin: log record ${printable(read.key)} fails verification (${printable(read.reason)}); the dump stops there\n`);
          return EXIT.failed;
        }
        if (!(await print(read.txn))) break;
      }
      return EXIT.ok;
    });
  }
  try {
    const salt = await storeSalt(located.storePort);
    for await (const read of readLoggedTxns(located.logPort ?? located.storePort, salt, from)) {
      if (read.kind === 'bad') {
        const what = read.torn ? 'a torn write (recovery would cut it off)' : 'damage';
        io.err(`canopy-admin: ${printable(read.segment)} at offset ${read.offset}: ${what}: ${printable(read.reason)}; the dump stops there\n`);
        return read.torn ? EXIT.ok : EXIT.failed;
      }
      if (!(await print(read.txn))) break;
    }
    return EXIT.ok;
  } finally {
    await located.storePort.close();
    await located.logPort?.close();
  }
}

export const logDumpCommand = defineSubcommand({
  group: 'log',
  command: 'dump <dir>',
  describe: 'print the txn log of a data directory, one txn per line: zxid, epoch, session, time, type, path(s) (read only)',
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'the server\'s dataDir' })
    .option('data-log-dir', { type: 'string', describe: 'the server\'s dataLogDir, if it had one (default: where the data directory recorded it)' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line' })
    .option('from', { type: 'string', describe: 'first zxid to print (decimal or 0x-hex)' })
    .option('to', { type: 'string', describe: 'last zxid to print (decimal or 0x-hex)' }),
  run: (args, io) => dump({
    dir: args.dir, dataLogDir: args.dataLogDir, json: args.json, from: parseZxidArg('from', args.from), to: parseZxidArg('to', args.to),
  }, io),
});
