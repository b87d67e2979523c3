// Sessions: each owner holds a session with one ephemeral node and touches the node (setData) every few
// hundred ms. The node must vanish exactly when its session expires:
// - not before: while the session is alive, a write to its own node never answers NONODE (writes are
//   linearizable, so a NONODE means the node was deleted before a write the live session made);
// - not after: once the owner is told its session expired, a sync'ed exists from another session finds the
//   node gone, and at the end every node of an expired session is gone and every live session's node is there.
import type { Client } from '../../../client/index.js';
import { CreateMode } from '../../../protocol/index.js';
import { attempt, ClientSlot } from './client-slot.js';
import { ClientLoops } from './context.js';
import type { WorkloadContext } from './context.js';

const PARENT = '/sess';

export interface SessionRecord {
  client: number;
  sessionId: string;
  node: string;
  createdAt: number;
  touches: number;
  /** When the owner was told the session expired (ms), if it was. */
  expiredAt?: number;
  /** The owner gave the session up (an op hung past its deadline): its node must go when it expires. */
  abandoned?: boolean;
  /** What the check right after expiry found: 'gone', 'present' (a violation) or 'unchecked'. */
  afterExpiry?: 'gone' | 'present' | 'unchecked';
}

export interface SessionVerdict {
  ok: boolean;
  sessions: number;
  expired: number;
  touches: number;
  problems: string[];
}

export class SessionWorkload {
  private readonly records: SessionRecord[] = [];
  private readonly problems: string[] = [];
  /** Sessions alive at the end: their nodes must be there at the check. */
  private readonly open: { slot: ClientSlot; record: SessionRecord }[] = [];
  private readonly loops = new ClientLoops();

  constructor(private readonly ctx: WorkloadContext, private readonly owners: number, private readonly verifier: () => Promise<Client | undefined>) {}

  async setup(admin: Client): Promise<void> {
    await admin.create(PARENT);
  }

  start(): void {
    this.loops.start(this.owners, (i) => this.ownerLoop(i));
  }

  stop(): Promise<void> {
    return this.loops.stop();
  }

  get sessions(): readonly SessionRecord[] {
    return this.records;
  }

  private async ownerLoop(index: number): Promise<void> {
    const { ctx } = this;
    const rng = ctx.rng(index);
    const slot = new ClientSlot(ctx.connectString(index), ctx.clientOptions, ctx.nextClientId);
    let record: SessionRecord | undefined;
    while (this.loops.running) {
      const client = await slot.ensure();
      if (client === undefined) continue;
      if (record === undefined || record.client !== slot.logicalId) {
        record = await this.createNode(client, slot.logicalId);
        if (record === undefined) {
          slot.retire();
          continue;
        }
      }
      const touch = await attempt(() => client.setData(record!.node, `touch-${record!.touches + 1}`), ctx.opDeadlineMs);
      if (touch.kind === 'ok') record.touches++;
      else if (touch.kind === 'timeout') {
        record.abandoned = true;
        slot.retire();
      } else if (touch.name === 'NONODE') {
        this.problems.push(`early: ${record.node} of live session ${record.sessionId} was gone at ${ctx.clock().toFixed(1)} ms (touch ${record.touches + 1} answered NONODE)`);
      } else if (touch.name === 'SESSIONEXPIRED') {
        record.expiredAt = ctx.clock();
        slot.retire();
        await this.checkGone(record);
      }
      await ctx.pause(rng.int(100, 300));
    }
    await this.finish(slot, record);
  }

  /**
   * After the faults healed: one last touch tells whether the session is still alive (its node must then be
   * there at the check) or expired (the node must be gone). A live session stays open until closeAll.
   */
  private async finish(slot: ClientSlot, record: SessionRecord | undefined): Promise<void> {
    const client = slot.client;
    if (client === undefined || record === undefined || record.client !== slot.logicalId) return slot.close();
    const touch = await attempt(() => client.setData(record.node, 'final'), this.ctx.opDeadlineMs);
    if (touch.kind === 'ok') {
      record.touches++;
      this.open.push({ slot, record });
      return;
    }
    if (touch.kind === 'error' && touch.name === 'NONODE') {
      this.problems.push(`early: ${record.node} of live session ${record.sessionId} was gone at the final touch`);
    } else if (touch.kind === 'error' && touch.name === 'SESSIONEXPIRED') {
      record.expiredAt = this.ctx.clock();
      await this.checkGone(record);
    } else {
      record.abandoned = true;
    }
    await slot.close();
  }

  /** Ends the sessions still open after the check. */
  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((o) => o.slot.close()));
  }

  /** Creates this session's ephemeral node; retries a create whose answer was lost. */
  private async createNode(client: Client, logicalId: number): Promise<SessionRecord | undefined> {
    const node = `${PARENT}/o${logicalId}`;
    for (let tries = 0; tries < 20 && this.loops.running; tries++) {
      const r = await attempt(() => client.create(node, 'owner', { mode: CreateMode.EPHEMERAL }), this.ctx.opDeadlineMs);
      if (r.kind === 'timeout' || (r.kind === 'error' && r.name === 'SESSIONEXPIRED')) return undefined;
      if (r.kind === 'ok' || r.name === 'NODEEXISTS') {
        // NODEEXISTS: an earlier try took effect (the node name is this session's alone).
        const record: SessionRecord = { client: logicalId, sessionId: client.sessionId.toString(16), node, createdAt: this.ctx.clock(), touches: 0 };
        this.records.push(record);
        return record;
      }
      await this.ctx.pause(100);
    }
    return undefined;
  }

  private async checkGone(record: SessionRecord): Promise<void> {
    const v = await this.verifier();
    if (v === undefined) {
      record.afterExpiry = 'unchecked';
      return;
    }
    const r = await attempt(async () => {
      await v.sync(record.node);
      return v.exists(record.node);
    }, this.ctx.opDeadlineMs);
    if (r.kind !== 'ok') {
      record.afterExpiry = 'unchecked';
      return;
    }
    record.afterExpiry = r.value === null ? 'gone' : 'present';
    if (r.value !== null) {
      this.problems.push(`late: ${record.node} of session ${record.sessionId} was still there after the owner was told at ${record.expiredAt!.toFixed(1)} ms that the session expired`);
    }
  }

  /**
   * The end state, after faults healed and owners stopped: the node of every session alive at its final
   * touch is there, and the node of every session its owner was told had expired is gone. (Abandoned
   * sessions may still be running out their timeout: they are not judged.)
   */
  async check(reader: Client): Promise<SessionVerdict> {
    await reader.sync(PARENT);
    const present = new Set((await reader.getChildren(PARENT)).children.map((c) => `${PARENT}/${c}`));
    const problems = [...this.problems];
    const live = new Set(this.open.map((o) => o.record));
    for (const r of this.records) {
      const there = present.has(r.node);
      if (r.expiredAt !== undefined && there) problems.push(`late: ${r.node} of expired session ${r.sessionId} is still there at the end`);
      if (live.has(r) && !there) problems.push(`early: ${r.node} of live session ${r.sessionId} is gone at the end`);
    }
    const expired = this.records.filter((r) => r.expiredAt !== undefined).length;
    const touches = this.records.reduce((n, r) => n + r.touches, 0);
    return { ok: problems.length === 0, sessions: this.records.length, expired, touches, problems };
  }
}
