// One fault run: a fresh ensemble behind a fault network, the three workloads, a fault schedule, then healing,
// final reads from every server, the checks, and a results folder holding the history, the schedule, the
// seed and the verdict (and on failure the servers' logs, data directories and readable timelines).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../../client/index.js';
import { Prng, deriveSeed } from '../sim/prng.js';
import { checkRegisterHistory } from './checker/index.js';
import type { CheckResult, RegisterOp } from './checker/index.js';
import { FaultCluster } from './cluster.js';
import { readFinalState, compareFinalStates } from './final-state.js';
import { Nemesis } from './nemesis.js';
import type { FaultKind, FaultRecord } from './nemesis.js';
import { attempt } from './workloads/client-slot.js';
import type { WorkloadContext } from './workloads/context.js';
import { RegisterWorkload } from './workloads/registers.js';
import { SessionWorkload } from './workloads/sessions.js';
import type { SessionVerdict } from './workloads/sessions.js';
import { SetWorkload } from './workloads/sets.js';
import type { SetVerdict } from './workloads/sets.js';

export interface RunOptions {
  seed: number;
  size: 3 | 5;
  durationMs: number;
  faults: readonly FaultKind[];
  /** The run's folder is created under this. */
  resultsRoot: string;
  tickTime?: number;
  registerClients?: number;
  keys?: number;
  setClients?: number;
  sessionOwners?: number;
  /** Client groups (each with its own links to every server). */
  groups?: number;
  /** Session timeout of the register and set clients; the session owners use ownerSessionTimeoutMs. */
  sessionTimeoutMs?: number;
  ownerSessionTimeoutMs?: number;
  opDeadlineMs?: number;
  /** Keep a passing run's server logs (a failing run always keeps them). */
  keepLogs?: boolean;
  log?: (line: string) => void;
}

export type Verdict = 'pass' | 'fail' | 'undecided';

export interface RunSummary {
  dir: string;
  seed: number;
  size: number;
  faults: readonly FaultKind[];
  verdict: Verdict;
  durationMs: number;
  registerOps: number;
  registerOutcomes: Record<string, number>;
  setAdds: number;
  sessions: number;
  sessionsExpired: number;
  faultsInjected: number;
  faultsByVariant: Record<string, number>;
  problems: string[];
}

function runFolderName(opts: RunOptions): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${stamp}-seed${opts.seed}-n${opts.size}-${opts.faults.join('+')}`;
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

export async function runOnce(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? (() => undefined);
  const dir = join(opts.resultsRoot, runFolderName(opts));
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const clock = (): number => performance.now() - started;
  const groups = opts.groups ?? 3;
  const cluster = await FaultCluster.start({ size: opts.size, groups, tickTime: opts.tickTime ?? 100, resultsDir: dir, seed: deriveSeed(opts.seed, 5, Date.now() % 1_000_000) });
  let logicalIds = 0;
  const context = (tag: number, sessionTimeoutMs: number, offset: number): WorkloadContext => {
    const shuffle = new Prng(deriveSeed(opts.seed, tag, 999));
    return {
    clock,
    rng: (i) => new Prng(deriveSeed(opts.seed, tag, i)),
    connectString: (i) => cluster.network.connectString(((i + offset) % groups) + 1),
    clientOptions: { sessionTimeoutMs, connectTimeoutMs: 5_000, random: () => shuffle.next() },
    nextClientId: () => ++logicalIds,
    opDeadlineMs: opts.opDeadlineMs ?? 15_000,
    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  };
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? 4_000;
  const registers = new RegisterWorkload(context(1, sessionTimeoutMs, 0), { clients: opts.registerClients ?? 6, keys: opts.keys ?? 4 });
  const sets = new SetWorkload(context(2, sessionTimeoutMs, 1), opts.setClients ?? 3);
  let verifier: Client | undefined;
  const verifierClient = async (): Promise<Client | undefined> => {
    if (verifier !== undefined && verifier.state === 'connected') return verifier;
    const r = await attempt(() => Client.connect(cluster.directConnectString, { sessionTimeoutMs: 10_000, connectTimeoutMs: 5_000 }), 6_000);
    if (r.kind !== 'ok') return undefined;
    if (verifier !== undefined) void verifier.close().catch(() => undefined);
    verifier = r.value;
    return verifier;
  };
  const sessions = new SessionWorkload(context(3, opts.ownerSessionTimeoutMs ?? 1_500, 2), opts.sessionOwners ?? 3, verifierClient);
  const nemesis = new Nemesis(cluster, new Prng(deriveSeed(opts.seed, 4)), { kinds: opts.faults, clock, gapMs: [500, 2_500], holdMs: [500, 5_000] });
  const problems: string[] = [];
  let registerCheck: CheckResult | undefined;
  let setVerdict: SetVerdict | undefined;
  let sessionVerdict: SessionVerdict | undefined;
  try {
    const admin = await Client.connect(cluster.directConnectString, { sessionTimeoutMs: 10_000 });
    await registers.setup(admin);
    await sets.setup(admin);
    await sessions.setup(admin);
    await admin.close();
    log(`run ${dir}: ${opts.size} servers, faults ${opts.faults.join(",")}, ${(opts.durationMs / 1000).toFixed(0)} s`);
    registers.start();
    sets.start();
    sessions.start();
    await nemesis.run(clock() + opts.durationMs);
    await cluster.healEverything();
    // Let clients find their way back before they stop: the last ops then mostly complete.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await Promise.all([registers.stop(), sets.stop(), sessions.stop()]);
    const finals = await readFinalState(cluster, registers.keyNames, clock, () => ++logicalIds);
    problems.push(...compareFinalStates(finals));
    const history = registers.history();
    history.ops.push(...finals.flatMap((f) => f.registerReads));
    registerCheck = checkRegisterHistory(history);
    setVerdict = sets.check(finals[0]!.set);
    const reader = await Client.connect(cluster.directConnectString, { sessionTimeoutMs: 10_000 });
    sessionVerdict = await sessions.check(reader);
    await reader.close();
    await sessions.closeAll();
    problems.push(...registerCheck.violations.map((v) => `registers: ${v.kind} on ${v.key}: ${v.message}`));
    if (registerCheck.verdict === 'undecided') problems.push(`registers: undecided for ${registerCheck.undecidedKeys.join(', ')} (search budget exhausted)`);
    problems.push(...setVerdict.problems.map((p) => `sets: ${p}`), ...sessionVerdict.problems.map((p) => `sessions: ${p}`));
    writeFileSync(join(dir, 'history.json'), JSON.stringify(history));
  } catch (e) {
    problems.push(`harness: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  } finally {
    nemesis.stop();
    if (verifier !== undefined) await attempt(() => verifier!.close(), 5_000);
  }
  const failed = problems.length > 0;
  const verdict: Verdict = !failed ? 'pass' : problems.every((p) => p.startsWith('registers: undecided')) ? 'undecided' : 'fail';
  const summary: RunSummary = {
    dir, seed: opts.seed, size: opts.size, faults: opts.faults, verdict, durationMs: Math.round(clock()),
    registerOps: registers.history().ops.length,
    registerOutcomes: count(registers.history().ops, (o) => `${o.kind}:${o.outcome}`),
    setAdds: sets.records.length,
    sessions: sessionVerdict?.sessions ?? sessions.sessions.length,
    sessionsExpired: sessionVerdict?.expired ?? 0,
    faultsInjected: nemesis.schedule.length,
    faultsByVariant: count(nemesis.schedule, (f) => f.variant),
    problems,
  };
  writeResults(dir, opts, summary, nemesis.schedule, registerCheck, sets, sessions);
  await cluster.stop(failed);
  if (!failed && opts.keepLogs !== true) for (const id of cluster.serverIds) rmSync(join(dir, `server-${id}.log`), { force: true });
  if (failed) writeFileSync(join(dir, 'data-dirs.txt'), `${cluster.ensemble.directory}\n`);
  return summary;
}

function writeResults(dir: string, opts: RunOptions, summary: RunSummary, schedule: readonly FaultRecord[], check: CheckResult | undefined,
  sets: SetWorkload, sessions: SessionWorkload): void {
  const { log: _log, ...options } = opts;
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(schedule, null, 1));
  writeFileSync(join(dir, 'sets.json'), JSON.stringify(sets.records));
  writeFileSync(join(dir, 'sessions.json'), JSON.stringify(sessions.sessions, null, 1));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ options, summary, check: check && { ...check, violations: check.violations.map((v) => ({ ...v, ops: v.ops.map((o: RegisterOp) => o.id) })) } }, null, 1));
  const lines = [
    `verdict: ${summary.verdict}`,
    `seed: ${opts.seed}   servers: ${opts.size}   faults: ${opts.faults.join(',')}   duration: ${(summary.durationMs / 1000).toFixed(1)} s`,
    `replay the schedule: npm run test:faults -- --seed ${opts.seed} --size ${opts.size} --faults ${opts.faults.join(',')} --run-seconds ${Math.round(opts.durationMs / 1000)} --runs 1`,
    `register ops: ${summary.registerOps} ${JSON.stringify(summary.registerOutcomes)}`,
    `set adds: ${summary.setAdds}   sessions: ${summary.sessions} (${summary.sessionsExpired} expired)`,
    `faults: ${summary.faultsInjected} ${JSON.stringify(summary.faultsByVariant)}`,
    '',
    'schedule:',
    ...schedule.map((f) => `  ${(f.startedAt / 1000).toFixed(2)}s–${f.healedAt === null ? '?' : (f.healedAt / 1000).toFixed(2)}s  ${f.variant}: ${f.detail}`),
    '',
    ...(summary.problems.length === 0 ? ['no problems'] : ['problems:', ...summary.problems.map((p) => `  - ${p}`)]),
  ];
  writeFileSync(join(dir, 'verdict.txt'), `${lines.join('\n')}\n`);
  check?.violations.forEach((v, i) => writeFileSync(join(dir, `violation-${i + 1}-${v.kind}.txt`), `${v.message}\n\n${v.timeline}\n`));
}
