// Shared count (Curator's SharedCount): an integer every participant sees and may change. The value is
// cached locally and kept fresh by a data watch, re-armed on every change; `changed` fires whenever a newer
// version carries a different value (our own writes included). trySetCount writes only over the version the caller saw, so a
// read-compute-write loop never loses another participant's update. Encoding: versioned-value.ts.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import type { WatchedEvent } from '../../protocol/index.js';
import { isConnectionLoss } from './internal/connected.js';
import { RecipeClosedError, sessionEndedError } from './recipe-wait.js';
import { reportUnheard } from './remove-node.js';
import { checkValue, decodeValue, readValue, writeIfVersion } from './versioned-value.js';
import type { VersionedValue } from './versioned-value.js';
import { isFinalState } from '../connection.js';

export type { VersionedValue } from './versioned-value.js';

/**
 * The events of a SharedCount.
 */
export interface SharedCountEvents {
  changed: [value: number];
  /** A failure while following the value; a session end (SESSIONEXPIRED) also stops the counter. */
  error: [error: unknown];
}

/**
 * A shared integer (Curator's SharedCount) that every participant sees and may change. The value is cached
 * locally and kept fresh by a watch; `changed` fires when a newer version carries a different value.
 */
export class SharedCount {
  private readonly events = new Emitter<SharedCountEvents>(reportUnheard);
  private state: 'latent' | 'started' | 'closed' = 'latent';
  private current: VersionedValue = { value: 0, version: -1 };
  private readonly clientOnState = (state: ClientState): void => this.onClientState(state);
  private readonly nodeOnEvent = (_event: WatchedEvent): void => void this.follow();

  /**
   * A counter at `path`, created with seedValue on start if it is missing. Nothing is sent before start.
   * @throws {KeeperError} BADARGUMENTS for a seedValue that is not a safe integer.
   */
  constructor(private readonly client: Client, readonly path: string, private readonly seedValue: number) {
    checkValue(seedValue, path);
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof SharedCountEvents>(event: K, listener: Listener<SharedCountEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof SharedCountEvents>(event: K, listener: Listener<SharedCountEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Creates the node with the seed if it is missing, reads the value and starts following it.
   * @returns once the value is read (getCount is then current).
   * @throws {Error} when called a second time.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async start(): Promise<void> {
    if (this.state !== 'latent') throw new Error('SharedCount can only be started once');
    this.state = 'started';
    this.client.on('state', this.clientOnState);
    while ((await readValue(this.client, this.path)).version < 0) {
      if ((await writeIfVersion(this.client, this.path, this.seedValue, -1)) !== undefined) break;
    }
    await this.follow(true);
  }

  /** Stops following; the node stays. */
  close(): void {
    this.state = 'closed';
    this.client.off('state', this.clientOnState);
  }

  /**
   * The last value seen.
   * @returns the value (0 before start).
   */
  getCount(): number {
    return this.current.value;
  }

  /**
   * The last value seen with its node version, for trySetCount.
   * @returns a copy (version -1 before start).
   */
  getVersionedValue(): VersionedValue {
    return { ...this.current };
  }

  /**
   * Sets the value whatever it is.
   * @returns once written.
   * @throws {KeeperError} BADARGUMENTS for a value that is not a safe integer.
   * @throws {RecipeClosedError} after close.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async setCount(newCount: number): Promise<void> {
    for (;;) {
      const seen = await readValue(this.client, this.path);
      if (await this.trySetCount(seen, newCount)) return;
    }
  }

  /**
   * Sets the value only if the node is still at `expected.version`.
   * @returns true when written, false when someone changed it since.
   * @throws {KeeperError} BADARGUMENTS for a value that is not a safe integer.
   * @throws {RecipeClosedError} after close.
   * @throws {KeeperError} MARSHALLINGERROR when the node holds something other than a counter; CONNECTIONLOSS
   * when an answer was lost and later writes hide whether ours happened (the outcome is unknown); SESSIONEXPIRED
   * when the session ends.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async trySetCount(expected: VersionedValue, newCount: number): Promise<boolean> {
    if (this.state === 'closed') throw new RecipeClosedError('shared count');
    const version = await writeIfVersion(this.client, this.path, newCount, expected.version);
    if (version === undefined) return false;
    this.see({ value: newCount, version });
    return true;
  }

  /** Reads the value and re-arms the watch. */
  private async follow(rethrow = false): Promise<void> {
    if (this.state !== 'started') return;
    try {
      const { data, stat } = await this.client.getData(this.path, { watch: this.nodeOnEvent });
      this.see({ value: decodeValue(data, this.path), version: stat.version });
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) {
        // Deleted: wait for it to come back (the exists watch fires on creation).
        await this.client.exists(this.path, { watch: this.nodeOnEvent }).catch(() => undefined);
        return;
      }
      if (rethrow) throw e;
      // A lost connection is picked up again on reconnect; the end of the session arrives as a state.
      if (!isConnectionLoss(e) && !KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) this.events.emit('error', e);
    }
  }

  private see(next: VersionedValue): void {
    if (next.version <= this.current.version) return;
    const changed = next.value !== this.current.value || this.current.version < 0;
    this.current = next;
    if (changed) this.events.emit('changed', next.value);
  }

  private onClientState(state: ClientState): void {
    if (state === 'connected') void this.follow();
    else if ((isFinalState(state)) && this.state === 'started') {
      this.close();
      this.events.emit('error', sessionEndedError(state));
    }
  }
}
