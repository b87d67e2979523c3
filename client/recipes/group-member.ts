// Group membership (Curator's GroupMember): each member is an ephemeral node `groupPath/<memberId>`,
// kept while its session lives (re-created if someone deletes it, checked after every reconnect), and
// the group's members are a live ChildrenCache view. When the session expires the member is gone with
// it: 'error' reports SESSIONEXPIRED; a new GroupMember on a new client joins again.
import type { Client } from '../client.js';
import type { Data } from '../bytes.js';
import { Emitter } from '../emitter.js';
import type { Listener } from '../emitter.js';
import { KeeperError } from '../errors.js';
import { ErrorCode } from '../../protocol/index.js';
import { ChildrenCache } from './children-cache.js';
import { baseName, joinPath } from './internal/sequence.js';
import { PersistentEphemeralNode } from './persistent-node.js';

/**
 * The events of a GroupMember.
 */
export interface GroupMemberEvents {
  /** The membership view changed (a member joined, left or changed its data). */
  membersChanged: [];
  /** SESSIONEXPIRED when the session ended (this member is gone), or an unexpected error. */
  error: [error: unknown];
}

/**
 * Group membership (Curator's GroupMember): this member's ephemeral node under groupPath, kept while the
 * session lives, and a live view of every member.
 */
export class GroupMember {
  private readonly events = new Emitter<GroupMemberEvents>((e) => globalThis.console?.error('canopy group member: a listener threw', e));
  private readonly node: PersistentEphemeralNode;
  private readonly cache: ChildrenCache;
  private started = false;

  /**
   * A member `memberId` of the group at `groupPath`. Nothing is sent before start.
   * @throws {KeeperError} BADARGUMENTS for a memberId that is not one path segment.
   */
  constructor(client: Client, readonly groupPath: string, readonly memberId: string, data: Data = '') {
    if (memberId === '' || memberId.includes('/') || memberId === '.' || memberId === '..') {
      throw new KeeperError(ErrorCode.BADARGUMENTS, groupPath, { detail: 'memberId must be one path segment' });
    }
    this.node = new PersistentEphemeralNode(client, joinPath(groupPath, memberId), data);
    this.cache = new ChildrenCache(client, groupPath);
    const changed = (): void => {
      if (this.cache.isInitialized) this.events.emit('membersChanged');
    };
    this.cache.on('added', changed).on('updated', changed).on('removed', changed);
    // Both report the session's end; one report is enough.
    this.node.on('error', (e) => this.events.emit('error', e));
    this.cache.on('error', (e) => {
      if (!KeeperError.is(e, ErrorCode.SESSIONEXPIRED)) this.events.emit('error', e);
    });
  }

  /**
   * Adds a listener; one that throws does not stop the recipe (its error is logged).
   * @returns this object.
   */
  on<K extends keyof GroupMemberEvents>(event: K, listener: Listener<GroupMemberEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  /**
   * Removes a listener added with on.
   * @returns this object.
   */
  off<K extends keyof GroupMemberEvents>(event: K, listener: Listener<GroupMemberEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** The member's node path. */
  get path(): string {
    return this.node.path;
  }

  /**
   * Joins the group (creates the member node) and loads the membership view.
   * @returns once both are done.
   * @throws {Error} when called a second time.
   * @throws {KeeperError} SESSIONEXPIRED when the session ends first.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`${this.path}: already started`);
    this.started = true;
    await this.node.start();
    await this.cache.start();
  }

  /**
   * The members as last seen (this member included once its node is seen).
   * @returns their data by id.
   */
  getCurrentMembers(): Map<string, Uint8Array> {
    return new Map(this.cache.current().map((n) => [baseName(n.path), n.data]));
  }

  /**
   * Changes this member's data (and what its node is re-created with).
   * @returns once written.
   * @throws {KeeperError} a refusal by the server, such as NOAUTH where the client may not create or read.
   * Connection losses are waited out (the recipe carries on once the client reconnects), never thrown.
   */
  setThisData(data: Data): Promise<void> {
    return this.node.setData(data);
  }

  /**
   * Waits for the membership view to catch up.
   * @returns once every read in flight is applied.
   */
  settled(): Promise<void> {
    return this.cache.settled();
  }

  /**
   * Leaves the group: stops watching and deletes this member's node.
   * @returns once the node is deleted (or the session is gone).
   * @throws {KeeperError} a refusal by the server to delete a node (NONODE and SESSIONEXPIRED count as done).
   */
  async close(): Promise<void> {
    this.cache.close();
    await this.node.close();
  }
}
