// Writes and syncs in flight across every connection, in count and in request bytes (ZooKeeper's
// globalOutstandingLimit). Past either bound the server stops reading from the sockets that send more, so
// a flood of large writes waits in the senders' TCP buffers instead of in the server's memory. Reads do
// not count: they are answered from the local tree at the head of their connection's queue, and a client
// that does not read its answers must not be able to stall everyone else's writes.

export interface BudgetLimits {
  countMax: number;
  bytesMax: number;
}

/** What one request took from the budget; given back once its outcome is known. */
export interface BudgetToken {
  readonly generation: number;
  readonly bytes: number;
}

export class RequestBudget {
  private generation = 0;
  private count = 0;
  private bytes = 0;
  /** Connections that stopped reading because the budget ran out; called once it has room again. */
  private readonly waiting = new Set<() => void>();

  constructor(private readonly limits: BudgetLimits) {}

  get exhausted(): boolean {
    return this.count >= this.limits.countMax || this.bytes >= this.limits.bytesMax;
  }

  get inFlight(): { count: number; bytes: number } {
    return { count: this.count, bytes: this.bytes };
  }

  take(bytes: number): BudgetToken {
    this.count += 1;
    this.bytes += bytes;
    return { generation: this.generation, bytes };
  }

  give(token: BudgetToken): void {
    if (token.generation !== this.generation) return;
    this.count -= 1;
    this.bytes -= token.bytes;
    this.wakeIfRoom();
  }

  /**
   * The write path dropped everything in flight (the server stopped serving): tokens taken before now
   * no longer count, since the work they stood for is gone.
   */
  reset(): void {
    this.generation += 1;
    this.count = 0;
    this.bytes = 0;
    this.wakeIfRoom();
  }

  private wakeIfRoom(): void {
    if (this.waiting.size === 0 || this.exhausted) return;
    const resumed = [...this.waiting];
    this.waiting.clear();
    for (const resume of resumed) resume();
  }

  /** Calls resume (once) when the budget has room again. */
  waitForRoom(resume: () => void): void {
    this.waiting.add(resume);
  }

  forget(resume: () => void): void {
    this.waiting.delete(resume);
  }
}
