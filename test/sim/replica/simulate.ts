// One whole-replica run from one seed: a fault phase with clients at work, then a heal phase that demands
// liveness within a bound (one serving leader, every replica serving and converged on one tree, every
// client connected with nothing left unanswered and one write acknowledged since the heal), then the
// end-of-run checks: acknowledged writes in the final tree, ended sessions gone, live ones present, and the
// register history linearizable. Any thrown error is the run's failure; the result says which kind.
import { TreeInvariantError } from '../../../src/tree/index.js';
import type { RegisterState } from '../../fault/checker/index.js';
import { Prng, deriveSeed } from '../prng.js';
import { LivenessError, classify } from '../simulate.js';
import { hex } from '../trace.js';
import { ClientCheckError } from './client-checks.js';
import { makeReplicaConfig } from './config.js';
import type { ReplicaConfigOverrides } from './config.js';
import { replicaFaultHook } from './faults.js';
import { REGISTER_KEYS } from './registers.js';
import { World } from './world.js';

export type ReplicaFailureKind = 'invariant' | 'zab-invariant' | 'tree-invariant' | 'client' | 'linearizability' | 'liveness' | 'disk-model' | 'limit' | 'error';

export interface ReplicaRunStats {
  steps: number;
  commits: number;
  elections: number;
  crashes: number;
  storageFailures: number;
  tornDropped: number;
  pauses: number;
  partitions: number;
  localSnapshots: number;
  syncs: { snap: number; diff: number; trunc: number };
  messages: number;
  dropped: number;
  linkDrops: number;
  clientCuts: number;
  silences: number;
  sessions: number;
  expiries: number;
  watchEvents: number;
  clientOps: number;
  ackedWrites: number;
  registerOps: number;
  healSteps: number;
}

export interface ReplicaRunResult {
  seed: number;
  servers: number;
  ok: boolean;
  failure?: { kind: ReplicaFailureKind; message: string; step: number; stack?: string };
  stats: ReplicaRunStats;
  trace?: string;
}

export class LinearizabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinearizabilityError';
  }
}

/** The peer level's kinds, and those only whole replicas have. */
function classifyReplica(e: unknown): ReplicaFailureKind {
  if (e instanceof ClientCheckError) return 'client';
  if (e instanceof LinearizabilityError) return 'linearizability';
  if (e instanceof TreeInvariantError) return 'tree-invariant';
  return classify(e);
}

/** alwaysTrace: return the trace of a passing run too (determinism checks). */
export function runReplicaSeed(seed: number, servers: number, overrides: ReplicaConfigOverrides = {}, alwaysTrace = false): ReplicaRunResult {
  const config = makeReplicaConfig(seed, servers, overrides);
  const w = new World(config);
  let healSteps = 0;
  let failure: ReplicaRunResult['failure'];
  try {
    w.start();
    w.hook = replicaFaultHook(new Prng(deriveSeed(seed, servers, 15)));
    while (w.now < config.faultSteps) w.step();
    healSteps = healAndConverge(w);
    finalChecks(w);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const kind = classifyReplica(e);
    failure = { kind, message: err.message, step: w.now, ...(kind === 'error' || kind === 'disk-model' || kind === 'limit' || kind === 'tree-invariant' ? { stack: err.stack } : {}) };
  }
  const result: ReplicaRunResult = { seed, servers, ok: failure === undefined, stats: collectStats(w, healSteps) };
  if (failure !== undefined) result.failure = failure;
  if (failure !== undefined || alwaysTrace) result.trace = w.trace.format();
  return result;
}

/** Ends every fault, then waits for a serving, converged ensemble and every client served. */
export function healAndConverge(w: World): number {
  const healedAt = w.now;
  w.healAll();
  if (!w.runUntil(() => converged(w), w.config.healStepsMax)) {
    throw new LivenessError(`not converged within ${w.config.healStepsMax} steps after healing: ${describe(w)}`);
  }
  return w.now - healedAt;
}

function converged(w: World): boolean {
  const leaders = w.servers.filter((s) => s.state === 'up' && s.status.state === 'leading' && s.status.serving);
  if (leaders.length !== 1) return false;
  const epoch = leaders[0]!.status.epoch;
  const zxid = leaders[0]!.tree!.lastZxid;
  for (const s of w.servers) {
    if (s.state !== 'up' || !s.status.serving || s.status.epoch !== epoch || s.tree!.lastZxid !== zxid) return false;
  }
  for (let i = 0; i < w.clients.length; i++) {
    const c = w.clients[i]!;
    const probe = w.workloads[i]!.probeZxid;
    if (c.phase !== 'connected' || c.inFlight > 0 || probe === 0 || probe > zxid) return false;
  }
  // Nothing in flight to or from a client: no answer, event or close (a session ending) still on its way.
  for (const conn of w.conns.values()) if (!conn.idle) return false;
  for (const s of w.servers) w.checker.checkTree(s.id, s.tree!, 'at convergence');
  return true;
}

function describe(w: World): string {
  const servers = w.servers.map((s) => {
    const d = s.replica?.diagnostics() as { peer?: { committedZxid: number; lastZxid: number; lastStepDownReason: string } } | undefined;
    const why = d?.peer === undefined ? '' : ` last=${hex(d.peer.lastZxid)} committed=${hex(d.peer.committedZxid)} stepDown="${d.peer.lastStepDownReason}"`;
    return `s${s.id}:${s.state}/${s.status.state}${s.status.serving ? '*' : ''} epoch=${s.status.epoch} applied=${hex(s.tree?.lastZxid ?? 0)}${why}`;
  });
  const clients = w.clients.map((c, i) => `c${c.id}:${c.phase}${c.silent ? '(silent)' : ''} server=${c.serverId} session=${hex(c.sessionId)} inFlight=${c.inFlight} probe=${hex(w.workloads[i]!.probeZxid)}`);
  return `${servers.join('; ')} | ${clients.join('; ')}`;
}

/** After convergence: what clients were told must hold in the final state. */
function finalChecks(w: World): void {
  const tree = w.servers[0]!.tree!;
  w.checks.finalTree(tree);
  for (const c of w.clients) {
    for (const sessionId of c.endedSessions) {
      if (tree.sessions.has(sessionId) || tree.ephemeralsOf(sessionId).size > 0) throw new ClientCheckError('ephemerals', `client ${c.id} was told session ${hex(sessionId)} ended, but the final tree still holds it`);
    }
    if (!tree.sessions.has(c.sessionId)) throw new ClientCheckError('session', `client ${c.id} is connected with session ${hex(c.sessionId)}, which the final tree does not hold`);
  }
  const states = new Map<string, RegisterState>();
  const decoder = new TextDecoder();
  for (const key of REGISTER_KEYS) {
    const node = tree.getNode(key);
    if (node !== undefined) states.set(key, { value: decoder.decode(node.data), version: node.stat.version });
  }
  w.recorder.finalReads(w.nextLogicalClient(), states);
  const result = w.recorder.check();
  if (result.verdict === 'ok') return;
  if (result.verdict === 'undecided') throw new LinearizabilityError(`the register history could not be decided (keys ${result.undecidedKeys.join(', ')})`);
  const v = result.violations[0]!;
  throw new LinearizabilityError(`${result.violations.length} violation(s); first: [${v.kind}] ${v.key}: ${v.message}\n${v.timeline}`);
}

function collectStats(w: World, healSteps: number): ReplicaRunStats {
  const sum = (f: (s: World['servers'][number]) => number): number => w.servers.reduce((a, s) => a + f(s), 0);
  const csum = (f: (c: World['clients'][number]) => number): number => w.clients.reduce((a, c) => a + f(c), 0);
  return {
    steps: w.now, commits: w.checker.committedCount, elections: w.checker.leaders.size,
    crashes: sum((s) => s.stats.crashes), storageFailures: sum((s) => s.stats.storageFailures), tornDropped: sum((s) => s.disk.tornDropped),
    pauses: w.stats.pauses, partitions: w.stats.partitions, localSnapshots: sum((s) => s.stats.localSnapshots), syncs: { ...w.stats.syncs },
    messages: w.network.stats.sent, dropped: w.network.stats.dropped, linkDrops: w.stats.linkDrops, clientCuts: w.stats.clientCuts, silences: w.stats.silences,
    sessions: csum((c) => c.sessions), expiries: csum((c) => c.stats.expiries), watchEvents: csum((c) => c.stats.events),
    clientOps: w.workloads.reduce((a, l) => a + l.stats.ops, 0), ackedWrites: w.checks.ackedWrites, registerOps: w.recorder.ops.length, healSteps,
  };
}
