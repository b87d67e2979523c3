// A client process's side: it receives the start message, runs the workload's client part with a
// ClientContext, passes barriers and progress to the coordinator, and ends with a report or a failure.
// The same runner serves a forked worker (messages over IPC) and the coordinator's own process.
import { assertNever } from '../../protocol/assert-never.js';
import { driverFor } from '../drivers/index.js';
import { errorText } from '../errors.js';
import type { BenchOptions } from '../options.js';
import { workloadNamed } from '../workloads/index.js';
import type { ClientContext, Payload, Plan } from '../workloads/workload.js';
import type { FromClient, ToClient } from './messages.js';

const PROGRESS_INTERVAL_MS = 200;
/** Releases that came before their waiter (kept until asked for); a bound on a confused coordinator. */
const EARLY_RELEASES_MAX = 1_000;

export class ClientRunner {
  private readonly releaseWaiters = new Map<string, (payload: Payload) => void>();
  private readonly earlyReleases = new Map<string, Payload>();
  private started = false;
  private done = 0;
  private doneSent = -1;

  /** `send` carries a message to the coordinator; it must not throw. */
  constructor(private readonly send: (message: FromClient) => void) {}

  receive(message: ToClient): void {
    switch (message.type) {
      case 'start':
        if (this.started) return;
        this.started = true;
        void this.run(message.workload, message.options, message.plan, message.processIndex);
        return;
      case 'release': return this.released(message.name, message.payload);
      default: return assertNever(message, 'coordinator message');
    }
  }

  private released(name: string, payload: Payload): void {
    const waiter = this.releaseWaiters.get(name);
    if (waiter) {
      this.releaseWaiters.delete(name);
      waiter(payload);
    } else if (this.earlyReleases.size < EARLY_RELEASES_MAX) {
      this.earlyReleases.set(name, payload);
    }
  }

  private async run(workloadName: string, options: BenchOptions, plan: Plan, processIndex: number): Promise<void> {
    const timer = setInterval(() => this.sendProgress(), PROGRESS_INTERVAL_MS);
    timer.unref();
    try {
      const workload = workloadNamed(workloadName);
      if (workload?.client === undefined) throw new Error(`workload '${workloadName}' has no client part`);
      const driver = await driverFor(options.protocol);
      const ctx: ClientContext = {
        options, plan, processIndex, driver,
        connect: () => driver.connect(options.connect, options.sessionTimeoutMs),
        arrive: (name, payload = {}) => this.send({ type: 'arrive', name, payload }),
        barrier: (name, payload = {}) => this.barrier(name, payload),
        progress: (done) => {
          this.done = done;
        },
      };
      const report = await workload.client(ctx);
      this.sendProgress();
      this.send({ type: 'report', report });
    } catch (e) {
      this.send({ type: 'failed', message: errorText(e, 1_500) });
    } finally {
      clearInterval(timer);
    }
  }

  private barrier(name: string, payload: Payload): Promise<Payload> {
    const early = this.earlyReleases.get(name);
    if (early !== undefined) {
      this.earlyReleases.delete(name);
      this.send({ type: 'arrive', name, payload });
      return Promise.resolve(early);
    }
    const released = new Promise<Payload>((resolve) => this.releaseWaiters.set(name, resolve));
    this.send({ type: 'arrive', name, payload });
    return released;
  }

  private sendProgress(): void {
    if (this.done === this.doneSent) return;
    this.doneSent = this.done;
    this.send({ type: 'progress', done: this.done });
  }
}
