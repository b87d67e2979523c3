// The sessions of one differential run (zk-diff-run): a node-zookeeper-client per slot, each slot always on
// the same host of its target (on an ensemble, its own member), the notifications each slot received since
// the last drain, and the ids of every session a slot has had, so an ephemeralOwner reads as `s<slot>.<n>`.
import { NzkClient } from './zk-node-client.js';
import type { NzkNotification } from './zk-node-client.js';
import type { DiffTarget, NotificationRecord } from './zk-diff-run.js';

/** How long one op, one sync or one connect may take before the run fails (CPU is shared in CI). */
const STEP_DEADLINE_MS = 60_000;
/** Notifications a slot may collect between two drains: an op triggers a handful at most. */
const INBOX_MAX = 1_000;

export class DiffSessions {
  private readonly clients: NzkClient[] = [];
  private readonly generations: number[] = [];
  private readonly inboxes: NotificationRecord[][] = [];
  /** A slot whose inbox filled up: reported by the next drain (a listener must not throw into the library). */
  private readonly overflowed = new Set<number>();
  /** Session id → `s<slot>.<generation>`, for every session opened in this run. */
  private readonly owners = new Map<bigint, string>();

  private constructor(private readonly target: DiffTarget) {}

  static async open(target: DiffTarget, count: number): Promise<DiffSessions> {
    const sessions = new DiffSessions(target);
    try {
      for (let slot = 0; slot < count; slot++) {
        sessions.generations.push(-1);
        sessions.inboxes.push([]);
        await sessions.connect(slot);
      }
    } catch (e) {
      await sessions.closeAll();
      throw e;
    }
    return sessions;
  }

  private async connect(slot: number): Promise<string> {
    const host = this.target.hostOf(slot);
    const client = await this.within(NzkClient.connect(host), `connecting session ${slot} to ${this.target.name}`);
    const generation = ++this.generations[slot]!;
    const label = `s${slot}.${generation}`;
    this.owners.set(client.sessionId.readBigUInt64BE(0), label);
    client.onNotification((n: NzkNotification) => {
      const inbox = this.inboxes[slot]!;
      if (inbox.length >= INBOX_MAX) this.overflowed.add(slot);
      else inbox.push({ type: n.type, state: n.state, path: n.path });
    });
    this.clients[slot] = client;
    return label;
  }

  client(slot: number): NzkClient {
    const client = this.clients[slot];
    if (client === undefined) throw new RangeError(`no session in slot ${slot}`);
    return client;
  }

  /** Closes the slot's session (the server deletes its ephemerals first) and opens a new one in its place. */
  async reopen(slot: number): Promise<string> {
    await this.client(slot).closeAndWait(STEP_DEADLINE_MS);
    return this.connect(slot);
  }

  /** 'none' for 0, else the slot and generation of the session that owns it. */
  ownerLabel(ephemeralOwner: Buffer): string {
    const id = ephemeralOwner.readBigUInt64BE(0);
    if (id === 0n) return 'none';
    return this.owners.get(id) ?? 'a session not of this run';
  }

  /**
   * Syncs every session in slot order, then hands over and clears what each received. A change's event
   * reaches a session before any reply sent after the change was applied where it is connected, and a sync
   * reply comes after that member applied everything committed before the sync: so all events of earlier
   * ops are in.
   */
  async drain(): Promise<NotificationRecord[][]> {
    for (let slot = 0; slot < this.clients.length; slot++) {
      await this.within(this.client(slot).sync('/'), `sync of session ${slot} on ${this.target.name}`);
    }
    if (this.overflowed.size > 0) throw new Error(`sessions ${[...this.overflowed].join(', ')} got more than ${INBOX_MAX} notifications for one op`);
    return this.inboxes.map((inbox) => inbox.splice(0));
  }

  /** promise, or a failure naming what did not finish within the step deadline. */
  within<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${STEP_DEADLINE_MS} ms`)), STEP_DEADLINE_MS);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.closeAndWait(STEP_DEADLINE_MS).catch(() => c.close())));
  }
}
