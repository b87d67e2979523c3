// What a workload gets from the run: the clock ops are timed by, seeded randomness, where its clients
// connect (each client belongs to a client group with its own links), and the limits it works within.
import type { ClientOptions } from '../../../client/index.js';
import type { Prng } from '../../sim/prng.js';

export interface WorkloadContext {
  /** ms since the run started (monotonic). */
  clock(): number;
  /** An independent random stream for client `index` of this workload. */
  rng(index: number): Prng;
  /** The connect string for client `index` (through its group's links). */
  connectString(index: number): string;
  clientOptions: ClientOptions;
  /** Logical client ids, unique across the run's workloads. */
  nextClientId: () => number;
  /** An op not answered within this is recorded as unknown and its session given up. */
  opDeadlineMs: number;
  pause(ms: number): Promise<void>;
}

/** A workload's client loops: started together, stopped together (each finishes its current op first). */
export class ClientLoops {
  private live = false;
  private loops: Promise<void>[] = [];

  get running(): boolean {
    return this.live;
  }

  start(count: number, loop: (index: number) => Promise<void>): void {
    this.live = true;
    this.loops = Array.from({ length: count }, (_, i) => loop(i));
  }

  async stop(): Promise<void> {
    this.live = false;
    await Promise.all(this.loops);
  }
}
