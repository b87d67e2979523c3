// The simulated network: every message gets a delivery step; links are FIFO unless a reorder fault lets
// a message overtake; messages may be dropped or duplicated; partitions block links (both ways or one way)
// until they heal. A partition also loses what is in flight on a blocked link, as a broken TCP connection would.
import type { PeerMessage as AnyPeerMessage, ServerId } from '../../src/zab/index.js';
import type { TreeSnapshot } from '../../src/tree/index.js';

/** What the simulated wire carries: peer messages whose SNAPs hold the tree's snapshots. */
type PeerMessage = AnyPeerMessage<TreeSnapshot>;
import type { FaultProfile } from './config.js';
import type { Prng } from './prng.js';

export interface Envelope {
  /** Send order: ties on deliverAt are delivered in this order. */
  id: number;
  from: ServerId;
  to: ServerId;
  sentAt: number;
  deliverAt: number;
  message: PeerMessage;
}

export interface Partition {
  label: string;
  /** Directed links (from → to) that carry nothing while the partition lasts. */
  blocked: ReadonlySet<number>;
  healAt: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  partitions: number;
}

/** More in flight than this means a peer floods the network: a bug worth stopping for. */
export const IN_FLIGHT_MESSAGES_MAX = 50_000;
export const ACTIVE_PARTITIONS_MAX = 16;
const LINK_KEY_SPAN = 1024;

export function linkKey(from: ServerId, to: ServerId): number {
  return from * LINK_KEY_SPAN + to;
}

export class SimLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimLimitError';
  }
}

export class Network {
  /** Sorted by (deliverAt, id). */
  private queue: Envelope[] = [];
  private readonly fifoTail = new Map<number, number>();
  private partitions: Partition[] = [];
  private nextId = 0;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, partitions: 0 };

  constructor(
    private readonly rng: Prng,
    public faults: FaultProfile,
  ) {}

  get inFlight(): number {
    return this.queue.length;
  }

  blocked(from: ServerId, to: ServerId): boolean {
    const key = linkKey(from, to);
    for (const p of this.partitions) if (p.blocked.has(key)) return true;
    return false;
  }

  /** Queues a message; returns false when it is lost at once (drop fault or a blocked link). */
  send(from: ServerId, to: ServerId, message: PeerMessage, now: number): boolean {
    this.stats.sent += 1;
    if (this.blocked(from, to) || this.rng.chance(this.faults.dropP)) {
      this.stats.dropped += 1;
      return false;
    }
    this.enqueue(from, to, message, now);
    if (this.rng.chance(this.faults.duplicateP)) {
      this.stats.duplicated += 1;
      this.enqueue(from, to, message, now);
    }
    return true;
  }

  private enqueue(from: ServerId, to: ServerId, message: PeerMessage, now: number): void {
    if (this.queue.length >= IN_FLIGHT_MESSAGES_MAX) throw new SimLimitError(`more than ${IN_FLIGHT_MESSAGES_MAX} messages in flight`);
    const delay = this.rng.chance(this.faults.slowLinkP) ? this.rng.int(6, 40) : this.rng.int(1, 3);
    const key = linkKey(from, to);
    let deliverAt = now + delay;
    if (this.rng.chance(this.faults.reorderP)) {
      this.stats.reordered += 1;
    } else {
      deliverAt = Math.max(deliverAt, this.fifoTail.get(key) ?? 0);
      this.fifoTail.set(key, deliverAt);
    }
    this.insert({ id: this.nextId++, from, to, sentAt: now, deliverAt, message });
  }

  private insert(env: Envelope): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.queue[mid]!.deliverAt <= env.deliverAt) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, env);
  }

  /** Removes and returns the messages due at now, in order; those on a link blocked meanwhile are lost. */
  takeDue(now: number): Envelope[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.deliverAt <= now) n++;
    if (n === 0) return [];
    const due = this.queue.splice(0, n);
    const out: Envelope[] = [];
    for (const env of due) {
      if (this.blocked(env.from, env.to)) this.stats.dropped += 1;
      else out.push(env);
    }
    return out;
  }

  addPartition(p: Partition): void {
    if (this.partitions.length >= ACTIVE_PARTITIONS_MAX) return;
    this.partitions.push(p);
    this.stats.partitions += 1;
  }

  /** Heals partitions whose time has come; returns them. */
  healDue(now: number): Partition[] {
    const healed = this.partitions.filter((p) => p.healAt <= now);
    if (healed.length > 0) this.partitions = this.partitions.filter((p) => p.healAt > now);
    return healed;
  }

  healAll(): Partition[] {
    const healed = this.partitions;
    this.partitions = [];
    return healed;
  }

  get activePartitions(): readonly Partition[] {
    return this.partitions;
  }
}
