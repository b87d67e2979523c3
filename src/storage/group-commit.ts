// Group commit: every write submitted while the previous synced batch is on its way to disk joins
// the next single synced batch. Writes also submitted in the same event-loop turn share a batch,
// because a batch starts on a microtask, not on the first submit.
//
// Invariants: batches are written one at a time, in submit order; a submit's promise resolves only
// after the batch holding it is durable; after a failed batch nothing else is ever written
// (fail-stop), so no later write can become durable ahead of an earlier one.
import { StorageClosedError, StorageOverloadError, StorageWriteError } from './errors.js';

export interface GroupCommitLimits {
  /** Most entries (submits) in one batch. */
  batchEntriesMax: number;
  /** Most bytes in one batch; an entry larger than this goes alone. */
  batchBytesMax: number;
  /** Most entries waiting (queued or in flight) before submit rejects. */
  pendingEntriesMax: number;
}

export interface GroupCommitStats {
  syncedBatches: number;
  syncedWrites: number;
  largestBatchWrites: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Entry<Op> {
  ops: readonly Op[];
  bytes: number;
  waiters: Waiter[];
}

export class GroupCommitter<Op> {
  private queue: Array<Entry<Op>> = [];
  private inFlight: Array<Entry<Op>> = [];
  private drainScheduled = false;
  private failure: Error | undefined;
  readonly stats: GroupCommitStats = { syncedBatches: 0, syncedWrites: 0, largestBatchWrites: 0 };

  /** `writeBatch` must make every op durable (one synced, atomic batch) before it resolves. */
  constructor(
    private readonly writeBatch: (ops: Op[]) => Promise<void>,
    private readonly limits: GroupCommitLimits,
  ) {}

  /** Queues ops that must land atomically in one batch; resolves once that batch is durable. */
  submit(ops: readonly Op[], bytes: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queue.length + this.inFlight.length >= this.limits.pendingEntriesMax) {
      return Promise.reject(new StorageOverloadError(this.limits.pendingEntriesMax));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, bytes, waiters: [{ resolve, reject }] });
      this.scheduleDrain();
    });
  }

  /** Resolves when everything submitted so far is durable; rejects if any of it failed. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const last = this.queue[this.queue.length - 1] ?? this.inFlight[this.inFlight.length - 1];
    if (last === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => last.waiters.push({ resolve, reject }));
  }

  get pendingEntries(): number {
    return this.queue.length + this.inFlight.length;
  }

  /** Rejects everything queued and refuses new submits; the batch in flight still completes. */
  close(reason: Error = new StorageClosedError()): void {
    this.failure ??= reason;
    for (const entry of this.queue.splice(0)) rejectAll(entry, reason);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.inFlight.length > 0) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      this.inFlight = this.takeBatch();
      const ops: Op[] = [];
      for (const entry of this.inFlight) for (const op of entry.ops) ops.push(op);
      try {
        await this.writeBatch(ops);
      } catch (err) {
        // After close() (or a simulated crash) the failure is already set; keep that reason.
        this.fail(this.failure ?? new StorageWriteError(err));
        return;
      }
      const done = this.inFlight;
      this.inFlight = [];
      this.stats.syncedBatches++;
      this.stats.syncedWrites += done.length;
      this.stats.largestBatchWrites = Math.max(this.stats.largestBatchWrites, done.length);
      for (const entry of done) for (const w of entry.waiters) w.resolve();
    }
  }

  private takeBatch(): Array<Entry<Op>> {
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < this.limits.batchEntriesMax) {
      const next = this.queue[count]!;
      if (count > 0 && bytes + next.bytes > this.limits.batchBytesMax) break;
      bytes += next.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const entry of this.inFlight) rejectAll(entry, err);
    this.inFlight = [];
    for (const entry of this.queue.splice(0)) rejectAll(entry, err);
  }
}

function rejectAll<Op>(entry: Entry<Op>, err: Error): void {
  for (const w of entry.waiters) w.reject(err);
}
