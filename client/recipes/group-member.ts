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

export interface GroupMemberEvents {
  /** The membership view changed (a member joined, left or changed its data). */
  membersChanged: [];
  /** SESSIONEXPIRED when the session ended (this member is gone), or an unexpected error. */
  error: [error: unknown];
}

export class GroupMember {
  private readonly events = new Emitter<GroupMemberEvents>((e) => globalThis.console?.error('canopy group member: a listener threw', e));
  private readonly node: PersistentEphemeralNode;
  private readonly cache: ChildrenCache;
  private started = false;

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

  on<K extends keyof GroupMemberEvents>(event: K, listener: Listener<GroupMemberEvents[K]>): this {
    this.events.on(event, listener);
    return this;
  }
  off<K extends keyof GroupMemberEvents>(event: K, listener: Listener<GroupMemberEvents[K]>): this {
    this.events.off(event, listener);
    return this;
  }

  /** The member's node path. */
  get path(): string {
    return this.node.path;
  }

  /** Joins the group (creates the member node) and loads the membership view. */
  async start(): Promise<void> {
    if (this.started) throw new Error(`${this.path}: already started`);
    this.started = true;
    await this.node.start();
    await this.cache.start();
  }

  /** Members by id with their data, as last seen (this member included once its node is seen). */
  getCurrentMembers(): Map<string, Uint8Array> {
    return new Map(this.cache.current().map((n) => [baseName(n.path), n.data]));
  }

  /** Changes this member's data. */
  setThisData(data: Data): Promise<void> {
    return this.node.setData(data);
  }

  /** Resolves once the membership view has applied every read in flight. */
  settled(): Promise<void> {
    return this.cache.settled();
  }

  /** Leaves the group: stops watching and deletes this member's node. */
  async close(): Promise<void> {
    this.cache.close();
    await this.node.close();
  }
}
