// Leader selector (Curator's LeaderSelector): participants wait in a fair line (protected ephemeral
// sequential nodes, each watching only its predecessor); the one at the head runs the user's callback and
// leads for as long as the callback runs. Leadership ends when the callback returns (our node is deleted
// and, with autoRequeue, we join the end of the line again) or when the session ends: the AbortSignal given
// to the callback aborts, since another participant may lead as soon as our node is gone.
import type { Client } from '../client.js';
import type { ClientState } from '../connection.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { CreateMode, ErrorCode } from '../../protocol/index.js';
import { abortReason, isConnectionLoss, whenConnected } from './internal/connected.js';
import { createProtected } from './internal/protected-create.js';
import { waitForDeletion } from './internal/wait-delete.js';
import { lineOf, readParticipants, standingOf } from './participants.js';
import type { Participant } from './participants.js';
import { RecipeClosedError, sessionEndedError } from './recipe-wait.js';
import { removeNode, reportUnheard } from './remove-node.js';
import { isFinalState } from '../connection.js';

/** Runs while we lead; must return (or throw) soon after `signal` aborts. */
export type LeadershipCallback = (signal: AbortSignal) => Promise<void>;

/**
 * How a LeaderSelector participant names itself and whether it queues again.
 */
export interface LeaderSelectorOptions {
  /** This participant's id, stored as its node's data (default ''). */
  id?: string;
  /** Join the line again each time the callback returns (default false). */
  autoRequeue?: boolean;
}

/**
 * The events of a LeaderSelector.
 */
export interface LeaderSelectorEvents {
  /** The session expired; the selector has stopped (a Client never gets a new session). */
  expired: [error: KeeperError];
  /** The callback threw, or the line could not be joined; with autoRequeue the selector carries on. */
  error: [error: unknown];
}

const NODE_NAME = 'lock-';

/**
 * Leader election by callback (Curator's LeaderSelector): participants wait in a fair line; the one at the head
 * runs the callback and leads for as long as it runs. The callback's AbortSignal aborts when the session ends
 * or close() is called, since another participant may lead as soon as our node is gone. Failures in the
 * background are reported with `error`; they are never thrown.
 */
export class LeaderSelector {
  readonly id: string;
  private readonly autoRequeue: boolean;
  private readonly events = new Emitter<LeaderSelectorEvents>(reportUnheard);
  private state: 'latent' | 'started' | 'closed' = 'latent';
  private running: Promise<void> | undefined;
  private turn: AbortController | undefined;
  private leading = false;
  private token: number | undefined;

  /**
   * A selector at `path` (created as needed) that runs `callback` while leading. Nothing is sent before start.
   */
  constructor(private readonly client: Client, readonly path: string, private readonly callback: LeadershipCallback, options: LeaderSelectorOptions = {}) {
    this.id = options.id ?? '';
    this.autoRequeue = options.autoRequeue ?? false;
  }

  /**
   * True while the callback runs as leader.
   */
  get hasLeadership(): boolean {
    return this.leading;
  }

  /** The czxid of our node while we lead: it grows from leader to leader. */
  get fencingToken(): number | undefined {
    return this.token;
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof LeaderSelectorEvents>(event: K, listener: Listener<LeaderSelectorEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof LeaderSelectorEvents>(event: K, listener: Listener<LeaderSelectorEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Joins the line; the callback runs when our turn comes.
   * @throws {Error} when called a second time.
   */
  start(): void {
    if (this.state !== 'latent') throw new Error('LeaderSelector can only be started once');
    this.state = 'started';
    this.requeue();
  }

  /**
   * Joins the line again after a turn ended (without autoRequeue).
   * @returns true when it joined, false when already in line or closed.
   */
  requeue(): boolean {
    if (this.state !== 'started' || this.running !== undefined) return false;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
    return true;
  }

  /**
   * Leaves the line and aborts the callback (its signal's reason is a RecipeClosedError).
   * @returns once the callback has returned and our node is gone; it does not reject.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.turn?.abort(new RecipeClosedError('leader selector'));
    await this.running;
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

  private async run(): Promise<void> {
    do {
      try {
        await this.takeTurn();
      } catch (e) {
        if (this.state === 'closed') return;
        if (KeeperError.is(e, ErrorCode.SESSIONEXPIRED) || isFinalState(this.client.state)) {
          this.sessionEnded(e);
          return;
        }
        this.events.emit('error', e);
      }
    } while (this.autoRequeue && this.state === 'started');
  }

  private async takeTurn(): Promise<void> {
    const controller = new AbortController();
    this.turn = controller;
    const ourPath = await createProtected(this.client, this.path, NODE_NAME, this.id, { mode: CreateMode.EPHEMERAL_SEQUENTIAL, signal: controller.signal });
    try {
      await this.waitForTurn(ourPath, controller.signal);
      const stat = await this.client.exists(ourPath);
      if (stat === null) throw new KeeperError(ErrorCode.NONODE, ourPath, { detail: 'our place in line went away' });
      this.token = stat.czxid;
      this.leading = true;
      await this.lead(controller);
    } finally {
      this.leading = false;
      this.token = undefined;
      this.turn = undefined;
      await removeNode(this.client, ourPath);
    }
  }

  private async waitForTurn(ourPath: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw abortReason(signal);
      let line: string[];
      try {
        line = await lineOf(this.client, this.path);
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        await whenConnected(this.client, signal);
        continue;
      }
      const standing = standingOf(this.path, line, ourPath);
      if (standing.index < 0) throw new KeeperError(ErrorCode.NONODE, ourPath, { detail: 'our place in line went away' });
      if (standing.index === 0) return;
      await waitForDeletion(this.client, standing.predecessor!, { signal });
    }
  }

  /** Runs the callback; the end of the session aborts it (close() aborts it too). */
  private async lead(controller: AbortController): Promise<void> {
    const onState = (state: ClientState): void => {
      if (isFinalState(state)) controller.abort(sessionEndedError(state));
    };
    this.client.on('state', onState);
    if (isFinalState(this.client.state)) onState(this.client.state);
    try {
      await this.callback(controller.signal);
    } catch (e) {
      if (!controller.signal.aborted) this.events.emit('error', e);
    } finally {
      this.client.off('state', onState);
    }
    if (controller.signal.aborted && this.state !== 'closed' && this.client.state !== 'connected' && this.client.state !== 'disconnected') {
      throw sessionEndedError(this.client.state);
    }
  }

  private sessionEnded(e: unknown): void {
    this.state = 'closed';
    const error = KeeperError.is(e, ErrorCode.SESSIONEXPIRED) ? e : sessionEndedError(this.client.state);
    if (this.client.state === 'expired') this.events.emit('expired', error);
    this.events.emit('error', error);
  }
}
