// Distributed atomic long (Curator's DistributedAtomicLong): a counter in one znode, changed by optimistic
// read-modify-write: read value and version, write the new value at that version, and on a conflict
// (another writer got in between) back off a little and try again, up to maxAttempts. Every operation
// reports what happened: { succeeded, preValue, postValue }. The value encoding and the handling of lost
// answers (no increment is ever applied twice) are in versioned-value.ts.
import type { Client } from '../client.js';
import { checkValue, readValue, writeIfVersion } from './versioned-value.js';
import { delay } from './recipe-wait.js';

/**
 * What an operation of DistributedAtomicLong did.
 */
export interface AtomicResult {
  /** False when every attempt met a conflict, or a compareAndSet found another value. */
  succeeded: boolean;
  preValue: number;
  /** The value written when succeeded; otherwise the last value seen. */
  postValue: number;
}

/**
 * How hard a DistributedAtomicLong retries conflicts.
 */
export interface AtomicLongOptions {
  /** Attempts before giving up with succeeded false (default 100). */
  maxAttempts?: number;
  /** Longest random pause between attempts (default 50 ms); the pause grows from 1 ms up to it. */
  maxBackoffMs?: number;
}

/**
 * A counter in one node (Curator's DistributedAtomicLong), changed by optimistic read-modify-write: on a
 * conflict with another writer it backs off and tries again, up to maxAttempts. No change is ever applied
 * twice, even when an answer is lost.
 */
export class DistributedAtomicLong {
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;

  /**
   * A counter at `path` (created on the first write; missing reads as 0). Nothing is sent yet.
   */
  constructor(private readonly client: Client, readonly path: string, options: AtomicLongOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 100);
    this.maxBackoffMs = Math.max(0, options.maxBackoffMs ?? 50);
  }

  /**
   * The current value.
   * @returns succeeded true, with preValue = postValue = the value (0 when the node does not exist yet).
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async get(): Promise<AtomicResult> {
    const { value } = await readValue(this.client, this.path);
    return { succeeded: true, preValue: value, postValue: value };
  }

  /**
   * Adds 1.
   * @returns what happened: succeeded false when every attempt met a conflict (the value is then unchanged by us).
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  increment(): Promise<AtomicResult> {
    return this.add(1);
  }

  /**
   * Subtracts 1.
   * @returns what happened: succeeded false when every attempt met a conflict (the value is then unchanged by us).
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  decrement(): Promise<AtomicResult> {
    return this.add(-1);
  }

  /**
   * Adds delta.
   * @returns what happened: succeeded false when every attempt met a conflict (the value is then unchanged by us).
   * @throws {KeeperError} BADARGUMENTS when delta or the result is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  add(delta: number): Promise<AtomicResult> {
    checkValue(delta, this.path);
    return this.update((pre) => pre + delta, this.maxAttempts);
  }

  /**
   * Subtracts delta.
   * @returns what happened: succeeded false when every attempt met a conflict (the value is then unchanged by us).
   * @throws {KeeperError} BADARGUMENTS when delta or the result is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  subtract(delta: number): Promise<AtomicResult> {
    checkValue(delta, this.path);
    return this.add(-delta);
  }

  /**
   * Sets newValue only if the value is `expected`.
   * @returns succeeded false (with the value seen as preValue) when the value was not `expected`, or every
   * attempt met a conflict.
   * @throws {KeeperError} BADARGUMENTS when expected or newValue is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  compareAndSet(expected: number, newValue: number): Promise<AtomicResult> {
    checkValue(expected, this.path);
    return this.update((pre) => (pre === expected ? newValue : undefined), this.maxAttempts);
  }

  /**
   * One attempt at setting the value, whatever it was.
   * @returns succeeded false when that attempt met a conflict.
   * @throws {KeeperError} BADARGUMENTS when newValue is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  trySet(newValue: number): Promise<AtomicResult> {
    return this.update(() => newValue, 1);
  }

  /**
   * Sets the value, retrying conflicts without limit.
   * @returns once written.
   * @throws {KeeperError} BADARGUMENTS when newValue is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async forceSet(newValue: number): Promise<void> {
    checkValue(newValue, this.path);
    await this.update(() => newValue, Number.POSITIVE_INFINITY);
  }

  /**
   * Creates the counter with `seed` if it does not exist.
   * @returns true when this call created it, false when it already existed.
   * @throws {KeeperError} BADARGUMENTS when seed is not a safe integer.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async initialize(seed: number): Promise<boolean> {
    checkValue(seed, this.path);
    for (;;) {
      const current = await readValue(this.client, this.path);
      if (current.version >= 0) return false;
      if ((await writeIfVersion(this.client, this.path, seed, -1)) !== undefined) return true;
    }
  }

  /** Read, compute (undefined: do not write), write at the version read; retry conflicts. */
  private async update(compute: (pre: number) => number | undefined, attempts: number): Promise<AtomicResult> {
    let last = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await delay(this.backoffMs(attempt)).done;
      const current = await readValue(this.client, this.path);
      last = current.value;
      const next = compute(current.value);
      if (next === undefined) return { succeeded: false, preValue: last, postValue: last };
      checkValue(next, this.path);
      if ((await writeIfVersion(this.client, this.path, next, current.version)) !== undefined) {
        return { succeeded: true, preValue: current.value, postValue: next };
      }
    }
    return { succeeded: false, preValue: last, postValue: last };
  }

  private backoffMs(attempt: number): number {
    return Math.random() * Math.min(this.maxBackoffMs, 2 ** Math.min(attempt, 10));
  }
}
