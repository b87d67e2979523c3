// npm run fuzz -- --frames N --seed S [--target client|peer|both] [--batch-frames K] [--start-batch B]
//                 [--keep-going] [--no-triage] [--rss-mib M] [--bound-ms T] [--stall-ms T] [--results DIR]
// npm run fuzz -- --replay fuzz-results/<file>.json
// Exit code 1 when any check failed.
import { parseArgs } from 'node:util';
import { errorCodeName } from '../../protocol/index.js';
import { DEFAULT_BATCH_FRAMES, replayFile, runFuzz, type FuzzStats } from './fuzzer.js';

const USAGE = 'usage: npm run fuzz -- --frames N --seed S [--target client|peer|both] [--batch-frames K] [--start-batch B] [--keep-going] [--no-triage] [--rss-mib M] [--bound-ms T] [--stall-ms T] [--results DIR] | --replay FILE';

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

function summary(s: FuzzStats): string {
  const closes = Object.entries(s.closes).sort(([a], [b]) => a.localeCompare(b)).map(([c, n]) => `${c}: ${n}`).join(', ');
  return [
    `${s.target} frames: ${s.framesSent} sent (${s.framesPlanned} planned, ${s.framesDropped} not sent: the server had closed the connection) in ${s.batches} batches, ${(s.elapsedMs / 1000).toFixed(1)} s, ${s.framesPerSecond} frames/s`,
    `  connections opened: ${s.connections - s.connectFailures} (${s.connectFailures} failed to open); closes by code: ${closes}`,
    ...(Object.keys(s.answers).length === 0 ? [] : [`  answers by err: ${Object.entries(s.answers).sort(([, a], [, b]) => b - a).map(([e, n]) => `${/^-?\d+$/.test(e) ? errorCodeName(Number(e)) : `err ${e}`}: ${n}`).join(', ')}`]),
    `  peak RSS (VmHWM) of the servers: ${s.peakRssMiB.toFixed(0)} MiB; most server CPU on one batch: ${(s.maxBatchCpuMs / 1000).toFixed(1)} s; well-behaved rounds: ${s.goodRounds}, slowest ${s.goodMaxLatencyMs} ms; role changes logged: ${s.roleChanges}${s.roleChanges > 0 ? ` (highest epoch ${s.maxEpoch})` : ''}`,
    ...(s.roleLines.length === 0 ? [] : ['  first role changes:', ...s.roleLines.map((l) => `    ${l}`)]),
    `  failures: ${s.failures.length === 0 ? 'none' : s.failures.map((f) => `${f.kind} in batch ${f.batch}`).join(', ')}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string' },
      seed: { type: 'string' },
      target: { type: 'string', default: 'both' },
      'batch-frames': { type: 'string' },
      'start-batch': { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      'no-triage': { type: 'boolean', default: false },
      'rss-mib': { type: 'string' },
      'bound-ms': { type: 'string' },
      'stall-ms': { type: 'string' },
      results: { type: 'string', default: 'fuzz-results' },
      replay: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.replay !== undefined) return (await replayFile(values.replay)) ? 1 : 0;
  const t = values.target;
  const targets: ReadonlyArray<'client' | 'peer'> | undefined = t === 'both' ? ['client', 'peer'] : t === 'client' || t === 'peer' ? [t] : undefined;
  if (targets === undefined) {
    console.error(`--target must be client, peer or both\n${USAGE}`);
    return 2;
  }
  const frames = int('frames', values.frames, 20_000);
  const seed = int('seed', values.seed, Date.now() % 1_000_000);
  let failed = false;
  for (const target of targets) {
    // With both targets the frames are shared: roughly 3 client frames for 1 peer frame.
    const share = targets.length === 1 ? frames : target === 'client' ? Math.ceil(frames * 0.75) : Math.ceil(frames * 0.25);
    console.log(`fuzzing the ${target} port${target === 'peer' ? 's of a 3-server ensemble' : ' of a standalone server'}: ${share} frames, seed ${seed}`);
    const stats = await runFuzz({
      frames: share, seed, target,
      batchFrames: int('batch-frames', values['batch-frames'], DEFAULT_BATCH_FRAMES),
      startBatch: int('start-batch', values['start-batch'], 0),
      keepGoing: values['keep-going'],
      triage: !values['no-triage'],
      rssBoundMiB: values['rss-mib'] === undefined ? undefined : int('rss-mib', values['rss-mib'], 0),
      livenessBoundMs: values['bound-ms'] === undefined ? undefined : int('bound-ms', values['bound-ms'], 0),
      stallMs: values['stall-ms'] === undefined ? undefined : int('stall-ms', values['stall-ms'], 0),
      resultsDir: values.results,
    });
    console.log(summary(stats));
    failed ||= stats.failures.length > 0;
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
