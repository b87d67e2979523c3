// The fuzz driver. Batches of connections (plan.ts, peer-plan.ts) run against real server processes
// (targets.ts), many at once. After every batch: (1) every watched server process is still running;
// (2) every well-behaved client answers a getData + setData within the liveness bound, and did so all
// through the batch; no server logged an ERROR line; (3) every watched server's RSS is under the memory bound; (4) no connection was closed
// with 1011 (the server caught a bug its input hit), every frame a server sent was one msgpack map, no
// connection stalled and no hello in a running member's name was accepted. A failure is printed with the
// seed, the batch and a replay command, the batch's frames are saved under resultsDir, and a crash is
// replayed against a fresh target to name the culprit input.
import { runScript, type ConnResult, type Script } from './conn.js';
import { peerBatch, scriptFrames } from './peer-plan.js';
import { clientBatch } from './plan.js';
import { describeFrame, formatFailure, helloFrame, loadBatch, logTail, saveBatch, type FailureKind, type FuzzFailure } from './report.js';
import { cpuMsOf, memoryOf, startTarget, type Target } from './targets.js';
import { triage, probe } from './triage.js';
import { CPU_PER_FRAME_MAX_MS, suspects } from './cost.js';
import { writeMsgpack } from './msgpack-writer.js';
import { helloHeaderValue, validHello } from './peer-frames.js';

export interface FuzzOptions {
  /** Frames to generate (valid handshakes not counted); rounded up to whole batches. */
  frames: number;
  seed: number;
  target: 'client' | 'peer';
  batchFrames?: number;
  /** Fuzz connections open at once (lane scripts aside). */
  concurrency?: number;
  /** How long a well-behaved client may wait for an answer. */
  livenessBoundMs?: number;
  /** RSS bound per server process. */
  rssBoundMiB?: number;
  resultsDir?: string;
  /** Start at this batch (its plan does not depend on the batches before; the server's state does). */
  startBatch?: number;
  /** Record a failure, start a fresh target and go on (default: stop at the first failure). */
  keepGoing?: boolean;
  /** Replay a crashing (or stalling) batch against a fresh target to find the culprit (default true). */
  triage?: boolean;
  /**
   * Stricter than liveness (off by default): fail when a well-behaved round takes longer than this during
   * a batch, and name the input that costs the server the most CPU. For hunting inputs that stall the
   * event loop; too tight a value fails on a busy machine.
   */
  stallMs?: number;
  log?: (line: string) => void;
}

export interface FuzzStats {
  target: 'client' | 'peer';
  seed: number;
  batches: number;
  framesPlanned: number;
  framesSent: number;
  /** Planned frames not sent because the server had already closed or refused that connection. */
  framesDropped: number;
  connections: number;
  connectFailures: number;
  /** WebSocket close codes, `http-<status>` for refused upgrades, `tcp` for raw connections. */
  closes: Record<string, number>;
  /** Client answers by err code (0: OK). */
  answers: Record<string, number>;
  elapsedMs: number;
  framesPerSecond: number;
  /** Highest VmHWM of any watched server process. */
  peakRssMiB: number;
  /** Most CPU time the servers spent on one batch. */
  maxBatchCpuMs: number;
  goodRounds: number;
  goodMaxLatencyMs: number;
  /** Role changes the servers logged during the run (elections the fuzzing caused). */
  roleChanges: number;
  /** Highest epoch the role changes named. */
  maxEpoch: number;
  /** The first role-change lines. */
  roleLines: string[];
  failures: FuzzFailure[];
}

/**
 * The memory bound. A server here idles at about 100 MiB and every input is bounded: a client frame by
 * maxFrameBytes (1.1 MB), a peer batch we send by a few MB, a connection's unsent answers by
 * maxClientOutputBytes, writes in flight by globalOutstandingBytes (64 MiB), a peer link's queue by 64 MiB.
 * 1 GiB leaves room for a lazy garbage collector on a busy server, while a leak of a few KB per frame
 * crosses it within a long run.
 */
export const DEFAULT_RSS_BOUND_MIB = 1024;
/** Liveness, not performance: the CI machine has 2 cores and is noisy. */
export const DEFAULT_LIVENESS_BOUND_MS = 10_000;
export const DEFAULT_BATCH_FRAMES = 500;
/** Suspect frames probed after one batch, at most. */
const SUSPECTS_PER_BATCH_MAX = 3;

/** Runs scripts, `concurrency` at a time; scripts of one lane one after another. Results in script order. */
async function runBatch(target: Target, scripts: readonly Script[], concurrency: number, stop: () => boolean): Promise<Array<ConnResult | undefined>> {
  const results: Array<ConnResult | undefined> = new Array(scripts.length).fill(undefined);
  const run = async (i: number): Promise<void> => {
    if (!stop()) results[i] = await runScript('127.0.0.1', target.portFor(scripts[i]!.role), scripts[i]!);
  };
  const lanes = new Map<string, number[]>();
  const free: number[] = [];
  scripts.forEach((s, i) => (s.lane === undefined ? free.push(i) : lanes.set(s.lane, [...(lanes.get(s.lane) ?? []), i])));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < free.length && !stop()) await run(free[next++]!);
  };
  const lane = async (indexes: number[]): Promise<void> => {
    for (const i of indexes) await run(i);
  };
  await Promise.all([...Array.from({ length: Math.min(concurrency, free.length) }, worker), ...[...lanes.values()].map(lane)]);
  return results;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const batchFrames = opts.batchFrames ?? DEFAULT_BATCH_FRAMES;
  const boundMs = opts.livenessBoundMs ?? DEFAULT_LIVENESS_BOUND_MS;
  const rssBoundKiB = (opts.rssBoundMiB ?? DEFAULT_RSS_BOUND_MIB) * 1024;
  const concurrency = opts.concurrency ?? (opts.target === 'client' ? 12 : 8);
  const firstBatch = opts.startBatch ?? 0;
  const lastBatch = firstBatch + Math.max(1, Math.ceil(opts.frames / batchFrames)) - 1;
  const stats: FuzzStats = {
    target: opts.target, seed: opts.seed, batches: 0, framesPlanned: 0, framesSent: 0, framesDropped: 0, connections: 0, connectFailures: 0,
    closes: {}, answers: {}, elapsedMs: 0, framesPerSecond: 0, peakRssMiB: 0, maxBatchCpuMs: 0, goodRounds: 0, goodMaxLatencyMs: 0, roleChanges: 0, maxEpoch: 0, roleLines: [], failures: [],
  };
  const started = Date.now();
  let target = await startTarget(opts.target);
  let crashed: string | undefined;
  const watchExits = (t: Target): void => {
    for (const w of t.watched) {
      void w.proc.waitExit().then((code) => {
        if (t === target) crashed ??= `server ${w.id} (${w.role}) exited with ${code ?? w.proc.child.signalCode}`;
      });
    }
  };
  watchExits(target);
  const collectStats = (t: Target): void => {
    stats.roleChanges += t.events.roleChanges;
    stats.maxEpoch = Math.max(stats.maxEpoch, t.events.maxEpoch);
    stats.roleLines.push(...t.events.roleLines.slice(0, Math.max(0, 5 - stats.roleLines.length)));
    for (const w of t.watched) stats.peakRssMiB = Math.max(stats.peakRssMiB, (memoryOf(w.proc.child.pid)?.hwmKiB ?? 0) / 1024);
    for (const g of t.good) {
      stats.goodRounds += g.stats.rounds;
      stats.goodMaxLatencyMs = Math.max(stats.goodMaxLatencyMs, g.stats.maxLatencyMs);
    }
  };

  try {
    for (let batch = firstBatch; batch <= lastBatch; batch++) {
      const scripts: Script[] = opts.target === 'client'
        ? clientBatch(opts.seed, batch, batchFrames)
        : peerBatch(opts.seed, batch, batchFrames, target.peer!, target.live!);
      const cpu = (): number => target.watched.reduce((sum, w) => sum + cpuMsOf(w.proc.child.pid), 0);
      const cpuBefore = cpu();
      for (const g of target.good) g.startLoop(boundMs, 100);
      const results = await runBatch(target, scripts, concurrency, () => crashed !== undefined);
      const loopFailures = (await Promise.all(target.good.map((g) => g.stopLoop()))).filter((f): f is string => f !== undefined);
      tally(stats, scripts, results);
      stats.batches++;
      stats.maxBatchCpuMs = Math.max(stats.maxBatchCpuMs, cpu() - cpuBefore);
      for (const w of target.watched) stats.peakRssMiB = Math.max(stats.peakRssMiB, (memoryOf(w.proc.child.pid)?.hwmKiB ?? 0) / 1024);

      const slowest = Math.max(...target.good.map((g) => g.slowestInLoopMs));
      const failure = await checkBatch(target, scripts, results, loopFailures, boundMs, rssBoundKiB, () => crashed)
        ?? (opts.stallMs !== undefined && slowest > opts.stallMs
          ? { kind: 'stall' as const, message: `a well-behaved round took ${slowest} ms during the batch (--stall-ms ${opts.stallMs})` }
          : await checkCost(target, scripts));
      if (failure === undefined) continue;
      const frames = (batch - firstBatch + 1) * batchFrames;
      const replay = `npm run fuzz -- --frames ${frames} --seed ${opts.seed} --target ${opts.target}`
        + `${batchFrames !== DEFAULT_BATCH_FRAMES ? ` --batch-frames ${batchFrames}` : ''}${firstBatch > 0 ? ` --start-batch ${firstBatch}` : ''}`;
      const w = target.watched.find((x) => !x.proc.alive) ?? target.watched[0]!;
      const base = { kind: failure.kind, target: opts.target, seed: opts.seed, batch, message: failure.message, replay, serverLog: logTail(w.proc.log) };
      const savedTo = saveBatch(opts.resultsDir ?? 'fuzz-results', base, scripts, target.peer?.ensembleId);
      const report: FuzzFailure = { ...base, savedTo, culprit: failure.culprit };
      log(formatFailure(report));
      collectStats(target);
      await target.stop().catch(() => undefined);
      // Triage when the culprit is not known yet: which input kills a server, or costs it the most CPU.
      const mode = failure.culprit !== undefined ? undefined : failure.kind === 'crash' ? { kind: 'crash' as const }
        : failure.kind === 'stall' ? { kind: 'cpu' as const, thresholdMs: opts.stallMs ?? boundMs } : undefined;
      if (mode !== undefined && opts.triage !== false) {
        const found = await triage(opts.target, (t) => loadBatch(savedTo, t.peer?.ensembleId).scripts, log, mode);
        report.culprit = found.summary;
        log(`  culprit: ${found.summary}`);
      }
      stats.failures.push(report);
      if (!opts.keepGoing) return stats;
      target = await startTarget(opts.target);
      crashed = undefined;
      watchExits(target);
    }
    collectStats(target);
  } finally {
    stats.elapsedMs = Date.now() - started;
    stats.framesPerSecond = Math.round(stats.framesSent / (stats.elapsedMs / 1000));
    if (stats.failures.length === 0 || opts.keepGoing) await target.stop().catch(() => undefined);
  }
  return stats;
}

function tally(stats: FuzzStats, scripts: readonly Script[], results: ReadonlyArray<ConnResult | undefined>): void {
  scripts.forEach((s, i) => {
    stats.framesPlanned += scriptFrames(s);
    const r = results[i];
    if (r === undefined) return;
    stats.connections++;
    if (!r.opened) stats.connectFailures++;
    stats.framesSent += r.sent;
    stats.framesDropped += r.dropped;
    const code = r.closeCode ?? 'none';
    stats.closes[code] = (stats.closes[code] ?? 0) + 1;
    for (const [err, n] of Object.entries(r.errs)) stats.answers[err] = (stats.answers[err] ?? 0) + n;
  });
}

interface BatchFailure {
  kind: FailureKind;
  message: string;
  /** The connection that failed, when one did (its frames described). */
  culprit?: string;
}

function connectionCulprit(scripts: readonly Script[], i: number): string {
  const s = scripts[i]!;
  const frames = [...(s.hello !== undefined ? [{ data: helloFrame(s.hello.value), notes: s.hello.notes }] : []), ...s.frames];
  const shown = frames.slice(-3).map((f) => `    ${describeFrame(f.data, f.notes)}`);
  return `connection ${i} (${s.channel} port of the ${s.role}, ${frames.length} frames; the last ${shown.length}):\n${shown.join('\n')}`;
}

async function checkBatch(
  target: Target, scripts: readonly Script[], results: ReadonlyArray<ConnResult | undefined>, loopFailures: readonly string[],
  boundMs: number, rssBoundKiB: number, crashed: () => string | undefined,
): Promise<BatchFailure | undefined> {
  if (crashed() !== undefined) return { kind: 'crash', message: crashed()! };
  const dead = target.watched.find((w) => !w.proc.alive);
  if (dead !== undefined) return { kind: 'crash', message: `server ${dead.id} (${dead.role}) is not running` };
  if (loopFailures.length > 0) return { kind: 'liveness', message: `during the batch: ${loopFailures.join('; ')}` };
  for (const g of target.good) {
    try {
      await g.round(boundMs);
    } catch (e) {
      if (crashed() !== undefined) return { kind: 'crash', message: crashed()! };
      return { kind: 'liveness', message: `after the batch: ${(e as Error).message}` };
    }
  }
  for (const w of target.watched) {
    const mem = memoryOf(w.proc.child.pid);
    if (mem !== undefined && mem.rssKiB > rssBoundKiB) {
      return { kind: 'memory', message: `server ${w.id} (${w.role}) RSS is ${Math.round(mem.rssKiB / 1024)} MiB, over the bound of ${rssBoundKiB / 1024} MiB` };
    }
  }
  const checks: Array<[FailureKind, (r: ConnResult) => string | undefined]> = [
    ['internal-error', (r) => (r.closeCode === '1011' ? `the server closed a connection with 1011 (a bug its input hit): ${r.closeReason}` : undefined)],
    ['impersonation', (r) => r.violation],
    ['bad-response', (r) => (r.badResponse === undefined ? undefined : `the server sent a frame that is not a msgpack map: ${r.badResponse}`)],
    ['stall', (r) => (r.stalled === undefined ? undefined : `a fuzz connection stalled: ${r.stalled}`)],
  ];
  for (const [kind, check] of checks) {
    const i = results.findIndex((r) => r !== undefined && check(r) !== undefined);
    if (i >= 0) return { kind, message: check(results[i]!)!, culprit: connectionCulprit(scripts, i) };
  }
  if (target.events.errorLines.length > 0) return { kind: 'server-error', message: `a server logged an ERROR: ${target.events.errorLines[0]}` };
  return undefined;
}

/** Sends the batch's suspects (frames slow to decode here) alone to the server and measures its CPU time. */
async function checkCost(target: Target, scripts: readonly Script[]): Promise<BatchFailure | undefined> {
  const hello = target.peer === undefined ? undefined : { value: helloHeaderValue(writeMsgpack(validHello(target.peer))), valid: true, notes: [] };
  for (const s of suspects(scripts, hello).slice(0, SUSPECTS_PER_BATCH_MAX)) {
    const first = await probe(target, s.probe);
    const frame = describeFrame(s.frame.data, s.frame.notes);
    let cpuMs = first.cpuMs;
    if (first.died) return { kind: 'crash', message: 'a frame sent alone killed the server', culprit: frame };
    // Twice over the bound, so that a storage compaction or GC that happened to run meanwhile is not blamed on it.
    if (cpuMs > CPU_PER_FRAME_MAX_MS) cpuMs = Math.min(cpuMs, (await probe(target, s.probe)).cpuMs);
    if (cpuMs > CPU_PER_FRAME_MAX_MS) {
      return {
        kind: 'cpu',
        message: `one frame of ${s.frame.data.length} bytes, sent alone, cost the server ${cpuMs} ms of CPU (decoding it here took ${Math.round(s.decodeMs)} ms)`,
        culprit: `${s.probe.channel} port of the ${s.probe.role}, ${s.probe.opening === undefined && s.probe.hello?.valid !== true ? 'before the handshake' : 'after a valid hello'}:\n    ${frame}`,
      };
    }
  }
  return undefined;
}

/** Replays a saved batch (fuzz-results/*.json) connection by connection against a fresh target. */
export async function replayFile(file: string, log: (line: string) => void = console.log): Promise<boolean> {
  const { saved, scripts } = loadBatch(file, undefined);
  log(`replaying ${scripts.length} connections of batch ${saved.failure.batch} (seed ${saved.failure.seed}, ${saved.failure.kind}: ${saved.failure.message})`);
  const slow = saved.failure.kind === 'stall' || saved.failure.kind === 'cpu';
  const mode = slow ? { kind: 'cpu' as const, thresholdMs: CPU_PER_FRAME_MAX_MS } : { kind: 'crash' as const };
  const found = await triage(saved.failure.target, (t) => loadBatch(file, t.peer?.ensembleId).scripts, log, mode);
  log(found.summary);
  return found.reproduced;
}
