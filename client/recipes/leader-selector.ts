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

export interface LeaderSelectorOptions {
  /** This participant's id, stored as its node's data (default ''). */
  id?: string;
  /** Join the line again each time the callback returns (default false). */
  autoRequeue?: boolean;
}

export interface LeaderSelectorEvents {
  /** The session expired; the selector has stopped (a Client never gets a new session). */
  expired: [error: KeeperError];
  /** The callback threw, or the line could not be joined; with autoRequeue the selector carries on. */
  error: [error: unknown];
}

const NODE_NAME = 'lock-';

export class LeaderSelector {
  readonly id: string;
  private readonly autoRequeue: boolean;
  private readonly events = new Emitter<LeaderSelectorEvents>(reportUnheard);
  private state: 'latent' | 'started' | 'closed' = 'latent';
  private running: Promise<void> | undefined;
  private turn: AbortController | undefined;
  private leading = false;
  private token: number | undefined;

  constructor(private readonly client: Client, readonly path: string, private readonly callback: LeadershipCallback, options: LeaderSelectorOptions = {}) {
    this.id = options.id ?? '';
    this.autoRequeue = options.autoRequeue ?? false;
  }

  get hasLeadership(): boolean {
    return this.leading;
  }

  /** The czxid of our node while we lead: it grows from leader to leader. */
  get fencingToken(): number | undefined {
    return this.token;
  }

  on<K extends keyof LeaderSelectorEvents>(event: K, listener: Listener<LeaderSelectorEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  off<K extends keyof LeaderSelectorEvents>(event: K, listener: Listener<LeaderSelectorEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** Joins the line; the callback runs when our turn comes. */
  start(): void {
    if (this.state !== 'latent') throw new Error('LeaderSelector can only be started once');
    this.state = 'started';
    this.requeue();
  }

  /** Joins the line again after a turn ended (without autoRequeue). False when already in line or closed. */
  requeue(): boolean {
    if (this.state !== 'started' || this.running !== undefined) return false;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
    return true;
  }

  /** Leaves the line, aborts the callback and resolves once it has returned and our node is gone. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.turn?.abort(new RecipeClosedError('leader selector'));
    await this.running;
  }

  getParticipants(): Promise<Participant[]> {
    return readParticipants(this.client, this.path);
  }

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
