// The coordinator's side of the client processes: it hears their arrivals, progress and reports, and
// releases barriers. The first failure (a client that throws, dies, or sends nonsense) fails every wait,
// so a run ends with that failure instead of hanging.
import { assertNever } from '../../protocol/assert-never.js';
import { BenchError } from '../errors.js';
import type { ClientReport, Payload } from '../workloads/workload.js';
import type { FromClient, ToClient } from './messages.js';

/** How the group reaches one client: a forked process or a runner in this process. */
export interface ClientEndpoint {
  send(message: ToClient): void;
  /** Ends the client (after a failure, or once the run is over). */
  stop(): void;
}

/** Barrier names remembered at once: a workload uses a few per round, and each is forgotten when consumed. */
const PENDING_BARRIERS_MAX = 1_000;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class ClientGroup {
  private endpoints: ClientEndpoint[] = [];
  /** Per barrier, the payload of each client that has arrived (by process index) and how many have. */
  private readonly arrivals = new Map<string, { payloads: Payload[]; count: number }>();
  private readonly arrivalWaiters = new Map<string, Waiter<Payload[]>>();
  private readonly reports: Array<ClientReport | undefined>;
  private readonly done: number[];
  private reportsWaiter: Waiter<ClientReport[]> | undefined;
  private failure: Error | undefined;

  constructor(readonly size: number) {
    this.reports = new Array<ClientReport | undefined>(size).fill(undefined);
    this.done = new Array<number>(size).fill(0);
  }

  attach(endpoints: ClientEndpoint[]): void {
    this.endpoints = endpoints;
  }

  /** Sum of what the clients last said they had done. */
  get progress(): number {
    return this.done.reduce((a, b) => a + b, 0);
  }

  /** Resolves with every client's payload once all have arrived at `name`. */
  arrived(name: string): Promise<Payload[]> {
    if (this.failure) return Promise.reject(this.failure);
    const all = this.arrivals.get(name);
    if (all && all.count === this.size) {
      this.arrivals.delete(name);
      return Promise.resolve(all.payloads);
    }
    if (this.arrivalWaiters.has(name)) return Promise.reject(new Error(`already waiting for barrier '${name}'`));
    return new Promise((resolve, reject) => this.arrivalWaiters.set(name, { resolve, reject }));
  }

  release(name: string, payload: Payload = {}): void {
    for (const endpoint of this.endpoints) endpoint.send({ type: 'release', name, payload });
  }

  /** Resolves with every client's report, in process order. */
  finished(): Promise<ClientReport[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.reports.every((r) => r !== undefined)) return Promise.resolve(this.reports as ClientReport[]);
    return new Promise((resolve, reject) => {
      this.reportsWaiter = { resolve, reject };
    });
  }

  stop(): void {
    for (const endpoint of this.endpoints) endpoint.stop();
  }

  clientOnMessage(index: number, message: FromClient): void {
    switch (message.type) {
      case 'arrive': return this.clientArrived(index, message.name, message.payload);
      case 'progress':
        this.done[index] = message.done;
        return;
      case 'report': return this.clientReported(index, message.report);
      case 'failed': return this.fail(new BenchError(`client process ${index + 1} failed: ${message.message}`));
      default: return assertNever(message, 'client message');
    }
  }

  /** A client went away; fine once it has reported, a failure before. */
  clientOnExit(index: number, how: string): void {
    if (this.reports[index] === undefined) this.fail(new BenchError(`client process ${index + 1} exited (${how}) before reporting`));
  }

  clientOnBadMessage(index: number): void {
    this.fail(new BenchError(`client process ${index + 1} sent a message of the wrong shape`));
  }

  private clientArrived(index: number, name: string, payload: Payload): void {
    let all = this.arrivals.get(name);
    if (all === undefined) {
      if (this.arrivals.size >= PENDING_BARRIERS_MAX) return this.fail(new BenchError(`more than ${PENDING_BARRIERS_MAX} barriers pending`));
      all = { payloads: new Array<Payload>(this.size), count: 0 };
      this.arrivals.set(name, all);
    }
    if (all.payloads[index] !== undefined) return this.fail(new BenchError(`client process ${index + 1} arrived at '${name}' twice`));
    all.payloads[index] = payload;
    all.count++;
    if (all.count < this.size) return;
    const waiter = this.arrivalWaiters.get(name);
    if (waiter === undefined) return;
    this.arrivalWaiters.delete(name);
    this.arrivals.delete(name);
    waiter.resolve(all.payloads);
  }

  private clientReported(index: number, report: ClientReport): void {
    this.reports[index] = report;
    if (this.reportsWaiter && this.reports.every((r) => r !== undefined)) this.reportsWaiter.resolve(this.reports as ClientReport[]);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.arrivalWaiters.values()) waiter.reject(error);
    this.arrivalWaiters.clear();
    this.reportsWaiter?.reject(error);
    this.stop();
  }
}

