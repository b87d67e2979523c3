// What one whole-replica run looks like: ensemble size, clients, phase lengths, the replicas' options and
// the fault profile. Rates are drawn from the seed (some seeds calm, a few hostile) and scaled by the
// intensity; each fault kind can be switched off as a whole (--faults on the command line).
import type { InjectedBugs } from '../../../src/replica/injected-bugs.js';
import type { ReplicaOptions } from '../../../src/replica/replica.js';
import { Prng, deriveSeed } from '../prng.js';
import { TRACE_EVENTS_DEFAULT } from '../trace.js';

export type FaultKind = 'net' | 'crash' | 'pause' | 'partition' | 'disk' | 'clients';
export const FAULT_KINDS: readonly FaultKind[] = ['net', 'crash', 'pause', 'partition', 'disk', 'clients'];

/** Per-message, per-step, per-sync or per-write probabilities of every fault the simulator injects. */
export interface ReplicaFaultProfile {
  /** Peer network, per message. */
  dropP: number;
  duplicateP: number;
  reorderP: number;
  slowLinkP: number;
  /** Per step: a server crashes, pauses (SIGSTOP), or a partition starts. */
  crashP: number;
  pauseP: number;
  partitionP: number;
  /** Per sync: it is slow, or it fails (the replica gets storageFailed). */
  slowDiskP: number;
  syncErrorP: number;
  /** Per write: the disk is full and refuses it (storageFailed). */
  fullDiskP: number;
  /** Per crash: some unsynced writes reach the platter anyway; the first lost record is torn (half-written). */
  keepUnsyncedP: number;
  tornP: number;
  /** Per step: a client's link drops, a client is cut off from its server, a client goes silent, a client reads slowly (its link congests). */
  linkDropP: number;
  clientPartitionP: number;
  silenceP: number;
  slowReaderP: number;
}

export const CALM_REPLICA_FAULTS: ReplicaFaultProfile = {
  dropP: 0, duplicateP: 0, reorderP: 0, slowLinkP: 0, crashP: 0, pauseP: 0, partitionP: 0,
  slowDiskP: 0, syncErrorP: 0, fullDiskP: 0, keepUnsyncedP: 0, tornP: 0, linkDropP: 0, clientPartitionP: 0, silenceP: 0, slowReaderP: 0,
};

/** The replica options every server of a run shares (serverId and voters are added per server). */
export type SharedReplicaOptions = Omit<ReplicaOptions, 'serverId' | 'voters'>;

export interface ReplicaSimConfig {
  seed: number;
  servers: number;
  clients: number;
  /** Steps of the fault phase; then faults heal, clients stop starting work, and liveness is demanded. */
  faultSteps: number;
  /** Liveness bound after healing, in steps. */
  healStepsMax: number;
  /** Simulated ms per step. */
  stepMs: number;
  /** Per step and client: the chance that it starts an operation (when it has room). */
  opP: number;
  replica: SharedReplicaOptions;
  faults: ReplicaFaultProfile;
  kinds: ReadonlySet<FaultKind>;
  bugs: InjectedBugs;
  traceEvents: number;
}

export const DEFAULT_REPLICA_FAULT_STEPS = 1000;
export const DEFAULT_HEAL_STEPS_MAX = 2500;
export const STEP_MS = 10;
const TICK_TIME_MS = 60;

export interface ReplicaConfigOverrides {
  faultSteps?: number;
  /** Multiplies the drawn rates of every fault. */
  intensity?: number;
  /** Fault kinds on (default: all). */
  kinds?: readonly FaultKind[];
  bugs?: InjectedBugs;
  traceEvents?: number;
  faults?: Partial<ReplicaFaultProfile>;
}

function drawProfile(rng: Prng, intensity: number): ReplicaFaultProfile {
  const i = rng.pick([0, 0.5, 1, 1, 1.5, 2, 3]) * intensity;
  const net = rng.pick([0, 0.5, 1, 2]) * Math.min(intensity, 2);
  return {
    dropP: 0.01 * net * rng.next(),
    duplicateP: 0.01 * net * rng.next(),
    reorderP: 0.004 * net * rng.next(),
    slowLinkP: 0.03 * rng.next(),
    crashP: 0.003 * i,
    pauseP: 0.002 * i,
    partitionP: 0.004 * i,
    slowDiskP: 0.05 * rng.next(),
    syncErrorP: 0.0008 * i,
    fullDiskP: 0.0004 * i,
    keepUnsyncedP: 0.3,
    tornP: 0.5,
    linkDropP: 0.006 * i,
    clientPartitionP: 0.003 * i,
    silenceP: 0.002 * i,
    slowReaderP: 0.004 * i,
  };
}

/** Zeroes the rates of the fault kinds that are off. */
function onlyKinds(f: ReplicaFaultProfile, kinds: ReadonlySet<FaultKind>): ReplicaFaultProfile {
  const out = { ...f };
  if (!kinds.has('net')) Object.assign(out, { dropP: 0, duplicateP: 0, reorderP: 0, slowLinkP: 0 });
  if (!kinds.has('crash')) out.crashP = 0;
  if (!kinds.has('pause')) out.pauseP = 0;
  if (!kinds.has('partition')) out.partitionP = 0;
  if (!kinds.has('disk')) Object.assign(out, { slowDiskP: 0, syncErrorP: 0, fullDiskP: 0, keepUnsyncedP: 0, tornP: 0 });
  if (!kinds.has('clients')) Object.assign(out, { linkDropP: 0, clientPartitionP: 0, silenceP: 0, slowReaderP: 0 });
  return out;
}

function replicaOptions(rng: Prng, bugs: InjectedBugs): SharedReplicaOptions {
  return {
    tickTime: TICK_TIME_MS,
    // The simulated members stand for authenticated peers: the network never lets an outsider in.
    trustForwardedIds: true,
    initLimit: 10,
    syncLimit: 5,
    minSessionTimeout: 2 * TICK_TIME_MS,
    maxSessionTimeout: 20 * TICK_TIME_MS,
    // Small, so that learners far behind come back by SNAP and local snapshots are frequent.
    historyTxnsMax: rng.int(10, 60),
    historyBytesMax: 64 * 1024 * 1024,
    snapCount: rng.int(10, 80),
    maxDataBytes: 1024 * 1024,
    maxFrameBytes: 1024 * 1024 + 4096,
    maxOutstandingPerSession: 1000,
    maxClientOutputBytes: 4 * 1024 * 1024,
    globalOutstandingLimit: 1000,
    globalOutstandingBytes: 64 * 1024 * 1024,
    maxWatchesPerSession: 10_000,
    enforceQuota: true,
    containerCheckIntervalMs: 5 * TICK_TIME_MS,
    containerMaxPerCheck: 100,
    injectedBugs: bugs,
  };
}

export function makeReplicaConfig(seed: number, servers: number, o: ReplicaConfigOverrides = {}): ReplicaSimConfig {
  const rng = new Prng(deriveSeed(seed, servers, 0x5e4));
  const kinds = new Set<FaultKind>(o.kinds ?? FAULT_KINDS);
  const bugs = o.bugs ?? {};
  return {
    seed,
    servers,
    clients: servers + rng.int(0, 2),
    faultSteps: o.faultSteps ?? DEFAULT_REPLICA_FAULT_STEPS,
    healStepsMax: DEFAULT_HEAL_STEPS_MAX,
    stepMs: STEP_MS,
    opP: 0.05 + 0.25 * rng.next(),
    replica: replicaOptions(rng, bugs),
    faults: { ...onlyKinds(drawProfile(rng, o.intensity ?? 1), kinds), ...o.faults },
    kinds,
    bugs,
    traceEvents: o.traceEvents ?? TRACE_EVENTS_DEFAULT,
  };
}
