// A learner following one leader through one learner session: FOLLOWERINFO → LEADERINFO → ACKEPOCH →
// sync (DIFF / TRUNC / SNAP + NEWLEADER) → ack → UPTODATE, then proposals, acks and commits.
//
// Invariants: an ack (of NEWLEADER or of proposals) is sent only once what it acknowledges is durable;
// acceptedEpoch is durable before ACKEPOCH; the learner serves clients only after UPTODATE.
import { assertNever } from '../../protocol/assert-never.js';
import { ZabInvariantError, hexZxid } from './assert.js';
import type { PeerCore } from './core.js';
import { checkSeq } from './learner-handle.js';
import type { LeaderMessage, LearnerMessage, ServerId, SyncMessage } from './types.js';

type FollowerPhase = 'connecting' | 'epochAcked' | 'syncing' | 'serving';
type Unsequenced<M> = M extends LearnerMessage ? Omit<M, 'session' | 'seq'> : never;

export class FollowerRole<S = unknown> {
  private phase: FollowerPhase = 'connecting';
  readonly session: number;
  private nextSeqOut = 0;
  private nextSeqIn = 0;
  private lastHeardTick: number;
  epoch = 0;
  private newLeaderAcked = false;
  private ackedZxid = 0;

  constructor(
    private readonly core: PeerCore<S>,
    readonly leader: ServerId,
    private readonly giveUp: (reason: string) => void,
    private readonly statusChanged: () => void,
    /** The peer advertises (leader, epoch) to looking peers once it follows an epoch. */
    private readonly onEpochAccepted: (epoch: number) => void,
  ) {
    this.session = core.randomSession();
    this.lastHeardTick = core.now;
  }

  get serving(): boolean {
    return this.phase === 'serving';
  }

  start(): void {
    this.send({ type: 'followerInfo', acceptedEpoch: this.core.acceptedEpoch, currentEpoch: this.core.currentEpoch, lastZxid: this.core.history.lastZxid });
  }

  private send(message: Unsequenced<LearnerMessage>): void {
    this.core.send(this.leader, { ...message, session: this.session, seq: this.nextSeqOut++ } as LearnerMessage);
  }

  forward(payload: unknown): boolean {
    if (this.phase !== 'serving') return false;
    this.send({ type: 'request', payload });
    return true;
  }

  onLeaderMessage(from: ServerId, msg: LeaderMessage<S>): void {
    if (from !== this.leader || msg.session !== this.session) {
      this.core.send(from, { type: 'abort', session: msg.session, reason: 'not my leader session' });
      return;
    }
    const verdict = checkSeq(this.nextSeqIn, msg.seq);
    if (verdict === 'duplicate') return;
    if (verdict === 'gap') return this.giveUp(`message ${msg.seq} from the leader arrived where ${this.nextSeqIn} was due`);
    this.nextSeqIn += 1;
    this.lastHeardTick = this.core.now;
    switch (msg.type) {
      case 'leaderInfo': return this.onLeaderInfo(msg.epoch);
      case 'sync': return this.onSync(msg);
      case 'proposal': {
        if (this.phase !== 'syncing' && this.phase !== 'serving') return this.giveUp(`proposal in phase ${this.phase}`);
        if (msg.txns[0]!.zxid <= this.core.history.lastZxid) return this.giveUp(`proposal ${hexZxid(msg.txns[0]!.zxid)} does not follow our log's end ${hexZxid(this.core.history.lastZxid)}`);
        const seq = this.core.appendToLog(msg.txns);
        this.core.whenDurable(seq, () => this.sendAck());
        return;
      }
      case 'commit':
        if (this.phase !== 'syncing' && this.phase !== 'serving') return this.giveUp(`commit in phase ${this.phase}`);
        return this.core.commitThrough(msg.zxid);
      case 'upToDate':
        if (this.phase !== 'syncing') return this.giveUp(`UPTODATE in phase ${this.phase}`);
        this.core.commitThrough(msg.commitZxid);
        this.phase = 'serving';
        return this.statusChanged();
      case 'ping': return this.send({ type: 'pong' });
      case 'reply': return this.core.emit({ type: 'fromLeader', payload: msg.payload });
      default: return assertNever(msg, 'leader message', ZabInvariantError);
    }
  }

  private onLeaderInfo(epoch: number): void {
    if (this.phase !== 'connecting') return this.giveUp(`LEADERINFO in phase ${this.phase}`);
    if (epoch < this.core.acceptedEpoch) return this.giveUp(`leader proposes epoch ${epoch}, below our accepted epoch ${this.core.acceptedEpoch}`);
    this.epoch = epoch;
    this.phase = 'epochAcked';
    this.statusChanged();
    const ack = (): void => this.send({ type: 'ackEpoch', currentEpoch: this.core.currentEpoch, lastZxid: this.core.history.lastZxid });
    this.onEpochAccepted(epoch);
    // Equal epochs may still be on their way to disk (written by an earlier role): wait for all of it.
    const seq = epoch === this.core.acceptedEpoch ? this.core.lastPersistSeq : this.core.persistEpochs({ acceptedEpoch: epoch });
    this.core.whenDurable(seq, ack);
  }

  private onSync(msg: SyncMessage<S>): void {
    if (this.phase !== 'epochAcked') return this.giveUp(`sync in phase ${this.phase}`);
    if (msg.epoch !== this.epoch) return this.giveUp(`sync for epoch ${msg.epoch}, expected ${this.epoch}`);
    const h = this.core.history;
    const problem = syncProblem(msg, h.lastZxid, h.base, this.core.committedZxid);
    if (problem !== undefined) return this.giveUp(problem);
    switch (msg.mode) {
      case 'diff':
        break;
      case 'trunc':
        this.core.truncateLog(msg.fromZxid);
        break;
      case 'snap':
        // Only a forged or buggy SNAP comes without one (peer-message validation refuses it too).
        if (msg.snapshot === undefined) return this.giveUp('SNAP without a snapshot');
        this.core.installSnapshot(msg.fromZxid, msg.snapshot);
        break;
      default: return assertNever(msg.mode, 'sync mode', ZabInvariantError);
    }
    if (msg.txns.length > 0) this.core.appendToLog(msg.txns);
    const syncedZxid = h.lastZxid;
    this.phase = 'syncing';
    const seq = this.core.persistEpochs({ currentEpoch: msg.epoch });
    this.core.whenDurable(seq, () => {
      this.newLeaderAcked = true;
      this.ackedZxid = syncedZxid;
      this.send({ type: 'ackNewLeader', zxid: syncedZxid });
      this.sendAck();
    });
    this.core.commitThrough(msg.commitZxid);
  }

  private sendAck(): void {
    if (!this.newLeaderAcked) return;
    const durable = this.core.durableZxid;
    if (durable <= this.ackedZxid) return;
    this.ackedZxid = durable;
    this.send({ type: 'ack', zxid: durable });
  }

  onAbort(from: ServerId, session: number, reason: string): void {
    if (from === this.leader && session === this.session) this.giveUp(`the leader ended the session: ${reason}`);
  }

  onPeerDown(from: ServerId): void {
    if (from === this.leader) this.giveUp(`the link from leader ${this.leader} broke`);
  }

  tick(): void {
    const limit = this.phase === 'serving' ? this.core.opts.syncLimitTicks : this.core.opts.initLimitTicks;
    if (this.core.now - this.lastHeardTick > limit) this.giveUp(`no word from leader ${this.leader} for ${limit} ticks`);
  }
}

/**
 * Why a SYNC cannot be applied to our log, or undefined. A correct leader never sends one of these; one that
 * does (a bug, or a forged message) costs this learner session and nothing more.
 */
function syncProblem(msg: SyncMessage, lastZxid: number, base: number, committedZxid: number): string | undefined {
  switch (msg.mode) {
    case 'diff':
      if (msg.fromZxid !== lastZxid) return `DIFF from ${hexZxid(msg.fromZxid)} but our log ends at ${hexZxid(lastZxid)}`;
      break;
    case 'trunc':
      if (msg.fromZxid < committedZxid || msg.fromZxid < base) return `TRUNC to ${hexZxid(msg.fromZxid)} would drop committed txns (committed ${hexZxid(committedZxid)})`;
      break;
    case 'snap':
      if (msg.fromZxid < committedZxid) return `SNAP at ${hexZxid(msg.fromZxid)} is behind our commit point ${hexZxid(committedZxid)}`;
      break;
    default:
      return assertNever(msg.mode, 'sync mode', ZabInvariantError);
  }
  const first = msg.txns[0];
  const from = msg.mode === 'diff' ? lastZxid : msg.fromZxid;
  if (first !== undefined && first.zxid <= from) return `SYNC txns start at ${hexZxid(first.zxid)}, not after ${hexZxid(from)}`;
  return undefined;
}
