#!/usr/bin/env node
// canopy-bench: measures Canopy or Apache ZooKeeper with the same workloads. Bad usage exits 2; a run that
// cannot be carried out exits 1; otherwise 0 (failed operations are counted in the result, not fatal).
import { hideBin } from 'yargs/helpers';
import { parseCliArgs } from './cli-args.js';
import { UsageError, errorText } from './errors.js';
import { withLaunchedCluster } from './launch/launched.js';
import { formatResult } from './report-table.js';
import { runWorkload } from './run.js';
import type { WorkloadResult } from './types.js';

function exit(code: number, stdout = ''): void {
  // Exit only once stdout has been handed over: a pipe reader must get the whole JSON.
  process.stdout.write(stdout, () => process.exit(code));
}

async function main(): Promise<void> {
  let request;
  try {
    request = await parseCliArgs(hideBin(process.argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`canopy-bench: ${e.message}\nRun canopy-bench --help for the options.\n`);
    return exit(2);
  }
  const results: WorkloadResult[] = [];
  const report = (result: WorkloadResult): void => {
    results.push(result);
    if (!request.json) process.stdout.write(`${formatResult(result)}\n\n`);
  };
  const launch = request.launch;
  if (launch === undefined) {
    for (const options of request.runs) report(await runWorkload(options));
  } else {
    await withLaunchedCluster(launch.system, { size: launch.size, settings: launch.settings, protocol: launch.protocol }, async (cluster) => {
      for (const options of request.runs) {
        // Per run: a workload before may have started servers again, with new pids.
        const pids = cluster.servers.filter((s) => s.running).map((s) => s.pid);
        report(await runWorkload({ ...options, connect: cluster.connectString, pids }, { cluster }));
      }
    });
  }
  if (!request.json) return exit(0);
  return exit(0, `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`canopy-bench: ${errorText(e, 2_000)}\n`);
  exit(e instanceof UsageError ? 2 : 1);
});
