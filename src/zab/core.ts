// State every role shares: epochs, the history, the commit point, durability tracking and the action
// buffer. Roles change; the core lives as long as the peer. S is the state machine's snapshot type (types.ts).
import type { Txn } from '../../protocol/index.js';
import { hexZxid, invariant } from './assert.js';
import { History } from './history.js';
import type { PeerAction, PeerMessage, PeerOptions, PeerRecoveredState, PeerStatus, ServerId } from './types.js';

interface DurabilityMark {
  seq: number;
  /** The logged zxid once this action is durable. */
  zxid: number;
}

interface DurableCallback {
  seq: number;
  generation: number;
  run: () => void;
}

export class PeerCore<S = unknown> {
  readonly myId: ServerId;
  readonly voters: readonly ServerId[];
  readonly opts: Readonly<PeerOptions>;
  acceptedEpoch: number;
  currentEpoch: number;
  readonly history: History;
  committedZxid: number;
  /** Highest zxid durable in the local log. */
  durableZxid: number;
  /** Ticks since start. */
  now = 0;
  /** Bumped on every role change: durability callbacks of an older role never run. */
  generation = 0;
  private persistSeq = 0;
  private readonly marks: DurabilityMark[] = [];
  private readonly callbacks: DurableCallback[] = [];
  private actions: PeerAction<S>[] = [];
  private lastStatus: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };

  constructor(opts: PeerOptions, recovered: PeerRecoveredState) {
    invariant(opts.voters.includes(opts.myId), `server ${opts.myId} is not among the voters`);
    invariant(opts.historyTxnsMax >= 1, 'historyTxnsMax must be positive');
    this.myId = opts.myId;
    this.voters = [...opts.voters].sort((a, b) => a - b);
    this.opts = opts;
    this.acceptedEpoch = recovered.acceptedEpoch;
    this.currentEpoch = recovered.currentEpoch;
    this.history = new History(recovered.snapshotZxid, recovered.txns);
    this.committedZxid = recovered.snapshotZxid;
    this.durableZxid = this.history.lastZxid;
  }

  get others(): ServerId[] {
    return this.voters.filter((id) => id !== this.myId);
  }

  takeActions(): PeerAction<S>[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  send(to: ServerId, message: PeerMessage<S>): void {
    this.actions.push({ type: 'send', to, message });
  }

  status(): PeerStatus {
    return this.lastStatus;
  }

  setStatus(status: PeerStatus): void {
    const s = this.lastStatus;
    if (s.state === status.state && s.leader === status.leader && s.epoch === status.epoch && s.serving === status.serving) return;
    this.lastStatus = status;
    this.actions.push({ type: 'status', status });
  }

  // ---- persistence ----

  private nextSeq(zxidAfter: number): number {
    this.persistSeq += 1;
    this.marks.push({ seq: this.persistSeq, zxid: zxidAfter });
    return this.persistSeq;
  }

  appendToLog(txns: Txn[]): number {
    this.history.append(txns);
    const seq = this.nextSeq(this.history.lastZxid);
    this.actions.push({ type: 'append', seq, txns });
    return seq;
  }

  truncateLog(afterZxid: number): number {
    invariant(afterZxid >= this.committedZxid, () => `TRUNC to ${hexZxid(afterZxid)} would drop committed txns (committed ${hexZxid(this.committedZxid)})`);
    this.history.truncateAfter(afterZxid);
    const seq = this.nextSeq(afterZxid);
    this.actions.push({ type: 'truncate', seq, afterZxid });
    return seq;
  }

  installSnapshot(zxid: number, snapshot: S): number {
    invariant(zxid >= this.committedZxid, () => `SNAP at ${hexZxid(zxid)} is behind the commit point ${hexZxid(this.committedZxid)}`);
    this.history.reset(zxid);
    this.committedZxid = zxid;
    const seq = this.nextSeq(zxid);
    this.actions.push({ type: 'installSnapshot', seq, zxid, snapshot });
    return seq;
  }

  persistEpochs(epochs: { acceptedEpoch?: number; currentEpoch?: number }): number {
    if (epochs.acceptedEpoch !== undefined) this.acceptedEpoch = epochs.acceptedEpoch;
    if (epochs.currentEpoch !== undefined) this.currentEpoch = epochs.currentEpoch;
    const seq = this.nextSeq(this.history.lastZxid);
    this.actions.push({ type: 'epochs', seq, ...epochs });
    return seq;
  }

  /** The sequence number of the latest persist action (0 if none). */
  get lastPersistSeq(): number {
    return this.persistSeq;
  }

  /** Runs fn once persist action seq is durable, unless the role changes first. */
  whenDurable(seq: number, fn: () => void): void {
    if (this.marks.length === 0 || this.marks[0]!.seq > seq) {
      fn();
      return;
    }
    this.callbacks.push({ seq, generation: this.generation, run: fn });
  }

  persisted(seq: number): void {
    invariant(seq <= this.persistSeq, () => `persisted(${seq}) reported before it was asked for (last ${this.persistSeq})`);
    while (this.marks.length > 0 && this.marks[0]!.seq <= seq) this.durableZxid = this.marks.shift()!.zxid;
    while (this.callbacks.length > 0 && this.callbacks[0]!.seq <= seq) {
      const cb = this.callbacks.shift()!;
      if (cb.generation === this.generation) cb.run();
    }
  }

  // ---- commits ----

  /** Commits every logged txn up to zxid (clamped to the log), in order. */
  commitThrough(zxid: number): void {
    const target = Math.min(zxid, this.history.lastZxid);
    if (target <= this.committedZxid) return;
    const txns = this.history.between(this.committedZxid, target);
    this.committedZxid = target;
    if (txns.length > 0) this.actions.push({ type: 'commit', txns });
    this.history.prune(this.committedZxid, this.opts.historyTxnsMax, this.opts.historyBytesMax ?? Infinity);
  }

  emit(action: PeerAction<S>): void {
    this.actions.push(action);
  }

  /** A fresh learner-session id from the seeded source. */
  randomSession(): number {
    return Math.floor(this.opts.random() * 2 ** 48) + 1;
  }
}
