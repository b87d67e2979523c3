// The runtime loop around the pure ZAB peer: the one place where its actions meet disk, network and the
// state machine. Inputs (ticks, peer messages, storage completions, proposals) go in through step(); the
// actions that come out are carried out in order (src/zab/types.ts states the rules):
// persist → storage (group-committed; `persisted` reported in sequence order once durable),
// send → peer links, commit / installSnapshot → the replica, everything else → the host.
import type { Txn } from '../../protocol/index.js';
import { hex } from '../../protocol/index.js';
import type { SnapshotInput, TxnStore } from '../storage/index.js';
import type { PeerAction, PeerInput, PeerMessage, PeerStatus, ServerId } from '../zab/index.js';
import { ZabPeer } from '../zab/index.js';
import type { Logger } from './logger.js';

export interface ReplicaHost {
  /** Apply committed txns, in order, now. */
  commit(txns: Txn[]): void;
  /** Replace the state machine with a leader's snapshot (SNAP), now. */
  replaceState(zxid: number, snapshot: unknown): void;
  /** The state machine's snapshot for a learner's SNAP; it is at zxid. */
  snapshotAt(zxid: number): unknown;
  /** Resolves when no local snapshot is being written (storage refuses to install one meanwhile). */
  snapshotIdle(): Promise<void>;
  statusChanged(status: PeerStatus): void;
  fromLearner(from: ServerId, payload: unknown): void;
  fromLeader(payload: unknown): void;
  /** Storage failed: durability can no longer be promised. */
  storageFailed(e: Error): void;
}

export interface PeerLinks {
  send(to: ServerId, message: PeerMessage): void;
}

export class ZabDriver {
  private reportedSeq = 0;
  private readonly durableSeqs = new Set<number>();
  /** Storage work that later persist actions must wait for (a snapshot install). */
  private barrier: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stepping = false;
  private readonly queued: PeerInput[] = [];
  private failed = false;

  constructor(
    readonly peer: ZabPeer,
    private readonly store: TxnStore,
    private readonly links: PeerLinks | undefined,
    private readonly host: ReplicaHost,
    private readonly log: Logger,
  ) {}

  start(tickMs: number): void {
    this.execute(this.peer.start());
    this.timer = setInterval(() => this.step({ type: 'tick' }), tickMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.failed = true;
  }

  diagnostics(): { reportedSeq: number; durableOutOfOrder: number; queuedInputs: number; barrier: boolean; failed: boolean } {
    return { reportedSeq: this.reportedSeq, durableOutOfOrder: this.durableSeqs.size, queuedInputs: this.queued.length, barrier: this.barrier !== undefined, failed: this.failed };
  }

  onPeerMessage(from: ServerId, message: PeerMessage): void {
    this.step({ type: 'message', from, message });
  }

  propose(txns: Txn[]): void {
    this.step({ type: 'propose', txns });
  }

  forward(payload: unknown): void {
    this.step({ type: 'forward', payload });
  }

  reply(to: ServerId, payload: unknown): void {
    this.step({ type: 'reply', to, payload });
  }

  /** Feeds one input. Inputs that arrive while actions are being carried out wait their turn. */
  step(input: PeerInput): void {
    if (this.failed) return;
    this.queued.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      while (this.queued.length > 0 && !this.failed) this.execute(this.peer.step(this.queued.shift()!));
    } finally {
      this.stepping = false;
    }
  }

  private execute(actions: PeerAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send': this.send(a.to, a.message); break;
        case 'append': this.persist(a.seq, () => this.appendAll(a.txns)); break;
        case 'truncate':
          this.log.info('truncating log (TRUNC from the leader)', { afterZxid: hex(a.afterZxid) });
          this.persist(a.seq, () => this.store.truncateAfter(a.afterZxid));
          break;
        case 'epochs': this.persist(a.seq, () => this.writeEpochs(a.acceptedEpoch, a.currentEpoch)); break;
        case 'installSnapshot': this.installSnapshot(a.seq, a.zxid, a.snapshot); break;
        case 'commit': this.host.commit(a.txns); break;
        case 'fromLearner': this.host.fromLearner(a.from, a.payload); break;
        case 'fromLeader': this.host.fromLeader(a.payload); break;
        case 'status': this.host.statusChanged(a.status); break;
      }
    }
  }

  private send(to: ServerId, message: PeerMessage): void {
    if (message.type === 'sync') {
      if (message.mode === 'snap') message = { ...message, snapshot: this.host.snapshotAt(message.fromZxid) };
      this.log.info('syncing learner', { to, mode: message.mode, fromZxid: hex(message.fromZxid), txns: message.txns.length, epoch: message.epoch });
    }
    this.links?.send(to, message);
  }

  private appendAll(txns: Txn[]): Promise<void> {
    let last: Promise<void> = Promise.resolve();
    for (const txn of txns) {
      last = this.store.append(txn);
      // Earlier appends of the batch settle first (group commit keeps order); their failures surface through last.
      last.catch(() => {});
    }
    return last;
  }

  private async writeEpochs(acceptedEpoch: number | undefined, currentEpoch: number | undefined): Promise<void> {
    const writes: Array<Promise<void>> = [];
    if (acceptedEpoch !== undefined) writes.push(this.store.setMeta('acceptedEpoch', acceptedEpoch));
    if (currentEpoch !== undefined) writes.push(this.store.setMeta('currentEpoch', currentEpoch));
    await Promise.all(writes);
  }

  private installSnapshot(seq: number, zxid: number, snapshot: unknown): void {
    this.host.replaceState(zxid, snapshot);
    this.log.info('installed snapshot from the leader', { zxid: hex(zxid) });
    const install = async (): Promise<void> => {
      await this.store.flush();
      await this.host.snapshotIdle();
      await this.store.installSnapshot(snapshot as SnapshotInput);
    };
    this.persist(seq, install, true);
  }

  private persist(seq: number, write: () => Promise<void>, isBarrier = false): void {
    const before = this.barrier;
    const done = before === undefined ? write() : before.then(write);
    if (isBarrier) {
      const b = done.catch(() => {});
      this.barrier = b;
      void b.then(() => {
        if (this.barrier === b) this.barrier = undefined;
      });
    }
    done.then(
      () => this.markDurable(seq),
      (e: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.host.storageFailed(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  private markDurable(seq: number): void {
    this.durableSeqs.add(seq);
    let next = this.reportedSeq;
    while (this.durableSeqs.delete(next + 1)) next++;
    if (next === this.reportedSeq) return;
    this.reportedSeq = next;
    this.step({ type: 'persisted', seq: next });
  }
}
