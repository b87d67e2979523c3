// Double barrier (ZooKeeper's recipe, Curator's DistributedDoubleBarrier): memberQty members enter
// together and leave together. Each member is an ephemeral child named by its id; the member that brings
// the count to memberQty creates the `ready` child, which releases everyone waiting in enter(). To leave,
// the lowest member waits for the highest to go, every other member deletes its own node and waits for the
// lowest to go; so nobody leaves before all have started leaving, and no waiter watches more than one node.
// The last member out removes `ready`, so the same path can serve the next round once every leave() of
// this round has resolved.
import type { Client } from '../client.js';
import { KeeperError } from '../errors.js';
import { CreateMode, ErrorCode } from '../../protocol/index.js';
import { isConnectionLoss, whenConnected, retryOnConnectionLoss } from './internal/connected.js';
import { ensurePath } from './internal/ensure-path.js';
import { newGuid } from './internal/protected-create.js';
import { joinPath } from './internal/sequence.js';
import { waitForDeletion } from './internal/wait-delete.js';
import { deadlineFrom, raceSessionEnd, throwIfDone, trigger } from './recipe-wait.js';
import type { WaitOptions } from './recipe-wait.js';
import { removeNode } from './remove-node.js';

export const READY_NODE = 'ready';

/**
 * How a DoubleBarrier member names itself.
 */
export interface DoubleBarrierOptions {
  /** This member's node name (default: a fresh guid); unique among the members, never 'ready'. */
  id?: string;
}

/**
 * A double barrier (ZooKeeper's recipe, Curator's DistributedDoubleBarrier): memberQty members enter together
 * and leave together. Once every leave() of a round has resolved, the same path serves the next round.
 */
export class DoubleBarrier {
  readonly id: string;
  private readonly ourPath: string;
  private readonly readyPath: string;

  /**
   * A member of the barrier at `path` for memberQty members. Nothing is sent yet.
   * @throws {KeeperError} BADARGUMENTS for a memberQty that is not a positive integer, or an id that is empty,
   * contains `/` or is 'ready'.
   */
  constructor(private readonly client: Client, readonly path: string, readonly memberQty: number, options: DoubleBarrierOptions = {}) {
    if (!Number.isInteger(memberQty) || memberQty < 1) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: 'memberQty must be a positive integer' });
    this.id = options.id ?? newGuid();
    if (this.id === READY_NODE || this.id === '' || this.id.includes('/')) throw new KeeperError(ErrorCode.BADARGUMENTS, path, { detail: `bad member id '${this.id}'` });
    this.ourPath = joinPath(path, this.id);
    this.readyPath = joinPath(path, READY_NODE);
  }

  /**
   * Enters and waits for the others. On timeout, abort or error our node is removed again.
   * @returns once memberQty members have entered.
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} NODEEXISTS when another member uses our id.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async enter(opts: WaitOptions = {}): Promise<void> {
    const deadlineMs = deadlineFrom(opts.timeoutMs);
    await ensurePath(this.client, this.path);
    try {
      await this.createOurNode();
      await this.waitForReady(opts.signal, deadlineMs);
    } catch (e) {
      await removeNode(this.client, this.ourPath).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Leaves and waits for the others.
   * @returns once every member has left (or its session ended).
   * @throws {KeeperError} OPERATIONTIMEOUT when opts.timeoutMs passes; SESSIONEXPIRED when the session ends
   * (expired, or the client closed) first.
   * @throws the signal's reason when opts.signal aborts.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async leave(opts: WaitOptions = {}): Promise<void> {
    const deadlineMs = deadlineFrom(opts.timeoutMs);
    for (;;) {
      throwIfDone(opts.signal, deadlineMs, `members leaving ${this.path}`);
      const members = await this.retrying(() => this.members());
      if (members.length === 0) return;
      const ourIndex = members.indexOf(this.id);
      if (members.length === 1 && ourIndex === 0) {
        // The last one out: ready goes first, so that nobody sees an empty barrier that still looks entered.
        await removeNode(this.client, this.readyPath, { ephemeral: false });
        await removeNode(this.client, this.ourPath);
        return;
      }
      if (ourIndex === 0) {
        await waitForDeletion(this.client, joinPath(this.path, members[members.length - 1]!), { signal: opts.signal, deadlineMs });
      } else {
        if (ourIndex > 0) await removeNode(this.client, this.ourPath);
        await waitForDeletion(this.client, joinPath(this.path, members[0]!), { signal: opts.signal, deadlineMs });
      }
    }
  }

  private async createOurNode(): Promise<void> {
    for (;;) {
      try {
        await this.client.create(this.ourPath, '', { mode: CreateMode.EPHEMERAL });
        return;
      } catch (e) {
        if (KeeperError.is(e, ErrorCode.NODEEXISTS) && (await this.ownsOurNode())) return;
        if (!isConnectionLoss(e)) throw e;
      }
      await whenConnected(this.client);
    }
  }

  /** After NODEEXISTS: ours from an earlier create whose answer was lost, or another member with our id. */
  private async ownsOurNode(): Promise<boolean> {
    const stat = await this.retrying(() => this.client.exists(this.ourPath));
    if (stat === null) return false;
    if (stat.ephemeralOwner === this.client.sessionId) return true;
    throw new KeeperError(ErrorCode.NODEEXISTS, this.ourPath, { detail: 'another member uses this id' });
  }

  private async waitForReady(signal: AbortSignal | undefined, deadlineMs: number | undefined): Promise<void> {
    for (;;) {
      throwIfDone(signal, deadlineMs, `members entering ${this.path}`);
      const { fired, fire } = trigger();
      const ready = await this.retrying(() => this.client.exists(this.readyPath, { watch: () => fire() }));
      if (ready !== null) return;
      const members = await this.retrying(() => this.members());
      if (members.length >= this.memberQty) {
        await this.createReady();
        return;
      }
      await raceSessionEnd(this.client, fired, { signal, deadlineMs, what: `members entering ${this.path}` });
    }
  }

  private async createReady(): Promise<void> {
    await this.retrying(async () => {
      try {
        await this.client.create(this.readyPath, '');
      } catch (e) {
        if (!KeeperError.is(e, ErrorCode.NODEEXISTS)) throw e;
      }
    });
  }

  /** Member ids in a fixed order that every member agrees on. */
  private async members(): Promise<string[]> {
    try {
      const { children } = await this.client.getChildren(this.path);
      return children.filter((c) => c !== READY_NODE).sort();
    } catch (e) {
      if (KeeperError.is(e, ErrorCode.NONODE)) return [];
      throw e;
    }
  }

  private retrying<T>(op: () => Promise<T>): Promise<T> {
    return retryOnConnectionLoss(this.client, op);
  }
}
