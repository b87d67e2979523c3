// canopy-admin verify DIR: checks every checksum of a data directory (meta, snapshots, every log record) and
// says what the store's recovery would do with it, changing nothing (segment-inspect.ts, kv-inspect.ts).
import { inspectLevelStore } from '../storage/kv-inspect.js';
import { type InspectionReport, verdictOf } from '../storage/inspect-report.js';
import { inspectSegmentStore } from '../storage/segment-inspect.js';
import { assertNever } from '../../protocol/assert-never.js';
import { locateStore } from './data-dir.js';
import { type AdminIo, EXIT, defineSubcommand, printable, zxidText } from './subcommand.js';

function reportLines(report: InspectionReport): string[] {
  const lines = [`engine: ${report.engine}`];
  for (const f of report.files) {
    const where = f.offset === undefined ? '' : ` at offset ${f.offset}`;
    lines.push(`${f.ok ? 'ok  ' : 'BAD '} ${printable(f.name)}${where}: ${printable(f.detail)}`);
  }
  const r = report.recovery;
  switch (r.kind) {
    case 'recovers':
      lines.push(`recovery would load ${r.snapshotZxid === undefined ? 'no snapshot' : `the snapshot at ${zxidText(r.snapshotZxid)}`}, `
        + `replay ${r.replayedTxns} txns and end at zxid ${zxidText(r.lastZxid)}`);
      for (const repair of r.repairs) lines.push(`recovery would repair: ${printable(repair)}`);
      if (r.tidies.length > 0) lines.push(`recovery would delete leftovers of an interrupted write: ${r.tidies.map((t) => printable(t)).join(', ')}`);
      break;
    case 'fails':
      lines.push(`recovery would FAIL: ${printable(r.reason)}`);
      break;
    default: return assertNever(r, 'recovery outcome');
  }
  return lines;
}

async function verify(dataDir: string, dataLogDir: string | undefined, io: AdminIo): Promise<number> {
  const located = await locateStore(dataDir, dataLogDir);
  let report: InspectionReport;
  if (located.engine === 'leveldb') report = await inspectLevelStore(located.dbDir);
  else {
    try {
      report = await inspectSegmentStore(located.storePort, located.logPort);
    } finally {
      await located.storePort.close();
      await located.logPort?.close();
    }
  }
  for (const line of reportLines(report)) await io.out(`${line}\n`);
  const verdict = verdictOf(report);
  await io.out(`verdict: ${verdict === 'clean' ? 'clean' : verdict === 'recoveryRepairs' ? 'recovery would repair the damage found' : 'damage that recovery cannot repair'}\n`);
  return verdict === 'clean' ? EXIT.ok : verdict === 'recoveryRepairs' ? EXIT.recoveryRepairs : EXIT.failed;
}

export const verifyCommand = defineSubcommand({
  command: 'verify <dir>',
  describe: 'check every checksum of a data directory and say what recovery would do (changes nothing; exit 0 clean, 3 recovery would repair, 1 damage it cannot)',
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'the server\'s dataDir' })
    .option('data-log-dir', { type: 'string', describe: 'the server\'s dataLogDir, if it had one (default: where the data directory recorded it)' }),
  run: (args, io) => verify(args.dir, args.dataLogDir, io),
});
