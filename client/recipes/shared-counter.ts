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

export interface SharedCountEvents {
  changed: [value: number];
  /** A failure while following the value; a session end (SESSIONEXPIRED) also stops the counter. */
  error: [error: unknown];
}

export class SharedCount {
  private readonly events = new Emitter<SharedCountEvents>(reportUnheard);
  private state: 'latent' | 'started' | 'closed' = 'latent';
  private current: VersionedValue = { value: 0, version: -1 };
  private readonly clientOnState = (state: ClientState): void => this.onClientState(state);
  private readonly nodeOnEvent = (_event: WatchedEvent): void => void this.follow();

  constructor(private readonly client: Client, readonly path: string, private readonly seedValue: number) {
    checkValue(seedValue, path);
  }

  on<K extends keyof SharedCountEvents>(event: K, listener: Listener<SharedCountEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  off<K extends keyof SharedCountEvents>(event: K, listener: Listener<SharedCountEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** Creates the node with the seed if it is missing, reads the value and starts following it. */
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

  /** The last value seen. */
  getCount(): number {
    return this.current.value;
  }

  getVersionedValue(): VersionedValue {
    return { ...this.current };
  }

  /** Sets the value whatever it is. */
  async setCount(newCount: number): Promise<void> {
    for (;;) {
      const seen = await readValue(this.client, this.path);
      if (await this.trySetCount(seen, newCount)) return;
    }
  }

  /** Sets the value only if the node is still at `expected.version`; false if someone changed it since. */
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
