// What one simulated run looks like: cluster size, phase lengths, peer options and the fault profile.
// The fault profile is drawn from the seed, so seeds range from calm networks to hostile ones.
import { Prng, deriveSeed } from './prng.js';
import { TRACE_EVENTS_DEFAULT } from './trace.js';

export interface PeerTuning {
  initLimitTicks: number;
  syncLimitTicks: number;
  historyTxnsMax: number;
}

/** Per-step (or per-message) probabilities and ranges of every fault the simulator injects. */
export interface FaultProfile {
  /** Per message. */
  dropP: number;
  duplicateP: number;
  /** A message that skips its link's FIFO order. */
  reorderP: number;
  /** A message that takes much longer than usual. */
  slowLinkP: number;
  /** A disk sync that takes much longer than usual. */
  slowDiskP: number;
  /** Per step. */
  crashP: number;
  pauseP: number;
  partitionP: number;
  /** Per step: one peer writes a local snapshot of its applied tree. */
  localSnapshotP: number;
  /** Per step: a client write batch is offered to a leader. */
  loadP: number;
}

export interface SimConfig {
  seed: number;
  peers: number;
  /** Steps of the fault phase; then faults heal and liveness is demanded. */
  faultSteps: number;
  /** Liveness bound after healing, in ticks of the slowest peer. */
  healTicksMax: number;
  tickEveryStepsMin: number;
  tickEveryStepsMax: number;
  tuning: PeerTuning;
  faults: FaultProfile;
  /** Random faults and load during the fault phase (scenario tests turn them off and script instead). */
  randomFaults: boolean;
  randomLoad: boolean;
  /** Events kept for the failure trace. */
  traceEvents: number;
  /** Record learner acks sent before their durability instead of failing (to see what such a bug leads to). */
  tolerateAckDurability: boolean;
}

export const DEFAULT_FAULT_STEPS = 1200;
export const DEFAULT_HEAL_TICKS_MAX = 300;

export const CALM_FAULTS: FaultProfile = {
  dropP: 0, duplicateP: 0, reorderP: 0, slowLinkP: 0, slowDiskP: 0,
  crashP: 0, pauseP: 0, partitionP: 0, localSnapshotP: 0, loadP: 0,
};

/** Scales a base rate by a seed-drawn intensity: some seeds are calm, a few are hostile. */
function drawProfile(rng: Prng): FaultProfile {
  const intensity = rng.pick([0, 0.5, 1, 1, 1.5, 2, 3]);
  const net = rng.pick([0, 0.5, 1, 2]);
  return {
    dropP: 0.01 * net * rng.next(),
    duplicateP: 0.01 * net * rng.next(),
    reorderP: 0.004 * net * rng.next(),
    slowLinkP: 0.03 * rng.next(),
    slowDiskP: 0.04 * rng.next(),
    crashP: 0.002 * intensity,
    pauseP: 0.001 * intensity,
    partitionP: 0.003 * intensity,
    localSnapshotP: 0.01 + 0.03 * rng.next(),
    loadP: 0.05 + 0.2 * rng.next(),
  };
}

function scaled(f: FaultProfile, intensity: number): FaultProfile {
  return { ...f, crashP: f.crashP * intensity, pauseP: f.pauseP * intensity, partitionP: f.partitionP * intensity };
}

export interface ConfigOverrides {
  faultSteps?: number;
  tuning?: Partial<PeerTuning>;
  faults?: Partial<FaultProfile>;
  randomFaults?: boolean;
  randomLoad?: boolean;
  traceEvents?: number;
  tolerateAckDurability?: boolean;
  /** Multiplies the drawn crash, pause and partition rates. */
  intensity?: number;
}

export function makeConfig(seed: number, peers: number, overrides: ConfigOverrides = {}): SimConfig {
  const rng = new Prng(deriveSeed(seed, peers, 0xc0f1));
  const tuning: PeerTuning = { initLimitTicks: 10, syncLimitTicks: 5, historyTxnsMax: rng.int(20, 50), ...overrides.tuning };
  return {
    seed,
    peers,
    faultSteps: overrides.faultSteps ?? DEFAULT_FAULT_STEPS,
    healTicksMax: DEFAULT_HEAL_TICKS_MAX,
    tickEveryStepsMin: 4,
    tickEveryStepsMax: 6,
    tuning,
    faults: { ...scaled(drawProfile(rng), overrides.intensity ?? 1), ...overrides.faults },
    randomFaults: overrides.randomFaults ?? true,
    randomLoad: overrides.randomLoad ?? true,
    traceEvents: overrides.traceEvents ?? TRACE_EVENTS_DEFAULT,
    tolerateAckDurability: overrides.tolerateAckDurability ?? false,
  };
}
