// Leader latch (Curator's LeaderLatch): every participant joins a line of protected ephemeral sequential
// nodes holding its id; the lowest sequence leads until its node goes. Each participant watches only its
// predecessor. A lost connection gives up leadership at once, as Curator's default error policy does:
// while disconnected we cannot tell whether the session, and with it our node, has expired on the servers
// and someone else leads. The node stays (it lives as long as the session), and once the client reconnects
// the line is checked again, so a leader whose session survived leads again. An expired session is final
// for a Client: the latch says notLeader, then `expired` and `error`, and closes itself.
//
// Invariant: isLeader is true only while connected, our node was the lowest at the last check, and no
// disconnection, expiry or close has been seen since. fencingToken is the czxid of our node: it grows
// from leader to leader.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { CreateMode, ErrorCode } from '../../protocol/index.js';
import type { WatchedEvent } from '../../protocol/index.js';
import { isConnectionLoss } from './internal/connected.js';
import { createProtected } from './internal/protected-create.js';
import { lineOf, readParticipants, standingOf } from './participants.js';
import type { Participant } from './participants.js';
import { RecipeClosedError, deadlineFrom, raceSessionEnd, sessionEndedError, trigger } from './recipe-wait.js';
import type { WaitOptions } from './recipe-wait.js';
import { removeNode, reportUnheard } from './remove-node.js';

/**
 * How a LeaderLatch participant names itself.
 */
export interface LeaderLatchOptions {
  /** This participant's id, stored as its node's data (default ''). */
  id?: string;
}

/**
 * The events of a LeaderLatch.
 */
export interface LeaderLatchEvents {
  isLeader: [];
  notLeader: [];
  /** The session expired: leadership, if held, is gone (notLeader came first) and the latch is closed. */
  expired: [error: KeeperError];
  /** A failure in the background (expiry included); the latch keeps trying unless it is expired. */
  error: [error: unknown];
}

type LatchState = 'latent' | 'started' | 'closed';

/** Name of each participant node, before the protection prefix and the sequence suffix. */
const NODE_NAME = 'latch-';

/**
 * Leader election by latch (Curator's LeaderLatch): participants join a line of ephemeral sequential nodes
 * and the first one leads until its node goes. A lost connection gives up leadership at once (notLeader), as
 * Curator's default does; after reconnecting with the same session the latch leads again if its node is still
 * first. An expired session closes the latch (notLeader, then expired and error).
 */
export class LeaderLatch {
  readonly id: string;
  private readonly events = new Emitter<LeaderLatchEvents>(reportUnheard);
  private state: LatchState = 'latent';
  private ourPathValue: string | undefined;
  private leader = false;
  private token: number | undefined;
  private checking = false;
  private recheck = false;
  private changed = trigger();
  private closedBy: Error | undefined;
  private readonly clientOnState = (state: ClientState): void => this.onClientState(state);
  /** One callback for every predecessor watch, so that the client stores it once per path. */
  private readonly predecessorOnEvent = (_event: WatchedEvent): void => this.scheduleCheck();

  /**
   * A latch at `path` (created as needed on start). Nothing is sent before start.
   */
  constructor(private readonly client: Client, readonly path: string, options: LeaderLatchOptions = {}) {
    this.id = options.id ?? '';
  }

  /**
   * True only while connected and our node was first at the last check.
   */
  get isLeader(): boolean {
    return this.leader;
  }

  /** The czxid of our node while we lead: strictly larger than any earlier leader's. */
  get fencingToken(): number | undefined {
    return this.token;
  }

  /** Our participant node, once joined. */
  get ourPath(): string | undefined {
    return this.ourPathValue;
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof LeaderLatchEvents>(event: K, listener: Listener<LeaderLatchEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof LeaderLatchEvents>(event: K, listener: Listener<LeaderLatchEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }
  /**
   * Adds a listener that is removed as it is called for the first time.
   * @returns this object.
   */
  once<K extends keyof LeaderLatchEvents>(event: K, listener: Listener<LeaderLatchEvents[K]>): this {
    this.events.once(event, listener);
    return this;
  }

  /**
   * Joins the line.
   * @returns once our node exists and the first check is done (isLeader is then current).
   * @throws {Error} when called a second time.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends before our node exists (the latch is then closed).
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async start(): Promise<void> {
    if (this.state !== 'latent') throw new Error('LeaderLatch can only be started once');
    this.state = 'started';
    this.client.on('state', this.clientOnState);
    try {
      await this.join();
    } catch (e) {
      await this.close();
      throw e;
    }
    await this.runChecks();
  }

  /**
   * Leaves the line (our node is deleted) and gives up leadership. Idempotent.
   * @returns once our node is deleted (or the session is gone, which deleted it).
   * @throws {KeeperError} a refusal by the server to delete our node.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedBy ??= new RecipeClosedError('leader latch');
    this.client.off('state', this.clientOnState);
    const ourPath = this.ourPathValue;
    this.ourPathValue = undefined;
    this.setLeader(false);
    this.wake();
    if (ourPath !== undefined) await removeNode(this.client, ourPath);
  }

  /**
   * Waits until we lead.
   * @returns once isLeader is true.
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {RecipeClosedError} when the latch is (or gets) closed.
   */
  async await(opts: WaitOptions = {}): Promise<void> {
    const deadlineMs = deadlineFrom(opts.timeoutMs);
    for (;;) {
      if (this.leader) return;
      if (this.state === 'closed') throw this.closedBy ?? new RecipeClosedError('leader latch');
      await raceSessionEnd(this.client, this.changed.fired, { signal: opts.signal, deadlineMs, what: `leadership of ${this.path}` });
    }
  }

  /**
   * Every participant in line order, with its id; the first one leads.
   * @returns the participants, empty when nobody is in line.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  getParticipants(): Promise<Participant[]> {
    return readParticipants(this.client, this.path);
  }

  /**
   * The participant at the head of the line.
   * @returns it, or undefined when nobody is in line.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async getLeader(): Promise<Participant | undefined> {
    return (await this.getParticipants())[0];
  }

  private async join(): Promise<void> {
    const path = await createProtected(this.client, this.path, NODE_NAME, this.id, { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
    if (this.state !== 'started') {
      await removeNode(this.client, path);
      return;
    }
    this.ourPathValue = path;
  }

  private scheduleCheck(): void {
    if (this.state !== 'started') return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    void this.runChecks();
  }

  /** One check at a time; a check asked for meanwhile runs right after. */
  private async runChecks(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      do {
        this.recheck = false;
        await this.checkOnce();
      } while (this.recheck && this.state === 'started');
    } catch (e) {
      this.checkFailed(e);
    } finally {
      this.checking = false;
    }
    // A check asked for while a failing one was under way (a reconnect, a watch) must still run.
    if (this.recheck) this.scheduleCheck();
  }

  private async checkOnce(): Promise<void> {
    const ourPath = this.ourPathValue;
    if (this.state !== 'started' || ourPath === undefined) return;
    const line = await lineOf(this.client, this.path);
    // The latch may have closed, or left the line, while the read was out: what it read no longer counts.
    if (!this.standsAt(ourPath)) return;
    const standing = standingOf(this.path, line, ourPath);
    if (standing.index < 0) {
      // Our node was deleted under us while the session lives: take a new place at the end of the line.
      this.setLeader(false);
      this.ourPathValue = undefined;
      await this.join();
      this.recheck = true;
      return;
    }
    if (standing.index === 0) {
      const stat = await this.client.exists(ourPath);
      // A close() while exists was out must not be followed by isLeader: the node is being deleted.
      if (!this.standsAt(ourPath)) return;
      if (stat === null) {
        this.recheck = true;
        return;
      }
      this.token = stat.czxid;
      this.setLeader(true);
      return;
    }
    this.setLeader(false);
    const stat = await this.client.exists(standing.predecessor!, { watch: this.predecessorOnEvent });
    if (stat === null) this.recheck = true;
  }

  /** Still started, and still in line with this node. */
  private standsAt(ourPath: string): boolean {
    return this.state === 'started' && this.ourPathValue === ourPath;
  }

  private checkFailed(e: unknown): void {
    // A lost connection is retried when the client reconnects; the end of the session arrives as a state.
    if (isConnectionLoss(e) || KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) return;
    if (this.state === 'started') this.events.emit('error', e);
  }

  private onClientState(state: ClientState): void {
    if (state === 'connected') {
      this.scheduleCheck();
      return;
    }
    if (this.state !== 'started') return;
    if (state === 'disconnected') {
      this.setLeader(false);
      return;
    }
    const error = sessionEndedError(state);
    this.closedBy = error;
    this.state = 'closed';
    this.client.off('state', this.clientOnState);
    this.ourPathValue = undefined;
    this.setLeader(false);
    this.wake();
    if (state === 'expired') this.events.emit('expired', error);
    this.events.emit('error', error);
  }

  private setLeader(value: boolean): void {
    if (this.leader === value) return;
    // A closed latch never leads: notLeader was its last word.
    if (value && this.state !== 'started') return;
    this.leader = value;
    if (!value) this.token = undefined;
    this.wake();
    this.events.emit(value ? 'isLeader' : 'notLeader');
  }

  private wake(): void {
    const previous = this.changed;
    this.changed = trigger();
    previous.fire();
  }
}
