// The loop around the pure ZAB peer, and the one place where its actions meet storage, the network and
// the state machine. Inputs go in through step(); the actions that come out are carried out in order
// (src/zab/types.ts states the rules): persist actions → the storage port, numbered, with `persisted`
// fed back once durable; send → the peer port (a SNAP carries the state machine's snapshot at that
// moment); commit and installSnapshot → the host's state machine, at once; everything else → the host.
import type { Txn } from '../../protocol/index.js';
import { hex } from '../../protocol/index.js';
import type { TreeSnapshot } from '../tree/data-tree.js';
import { ZabPeer } from '../zab/index.js';
import { assertNever } from '../../protocol/assert-never.js';
import type { PeerAction, PeerInput, PeerMessage, PeerStatus, ServerId } from '../zab/index.js';
import { NO_INJECTED_BUGS } from './injected-bugs.js';
import type { InjectedBugs } from './injected-bugs.js';
import type { PeerPort, ReplicaLog, StoragePort, StorageWrite } from './ports.js';

export interface PeerLoopHost {
  /** Apply committed txns, in order, now. */
  commit(txns: readonly Txn[]): void;
  /** Replace the state machine with a leader's snapshot (SNAP), now; it is at zxid. */
  replaceState(zxid: number, snapshot: TreeSnapshot): void;
  /** The state machine's snapshot for a learner's SNAP; it is at zxid. */
  snapshotAt(zxid: number): TreeSnapshot;
  statusChanged(status: PeerStatus): void;
  fromLearner(from: ServerId, payload: unknown): void;
  fromLeader(payload: unknown): void;
}

export class PeerLoop {
  private stepping = false;
  private readonly queued: PeerInput<TreeSnapshot>[] = [];
  private stopped = false;

  constructor(
    readonly peer: ZabPeer<TreeSnapshot>,
    private readonly storage: StoragePort,
    private readonly peers: PeerPort,
    private readonly host: PeerLoopHost,
    private readonly log: ReplicaLog,
    private readonly bugs: InjectedBugs = NO_INJECTED_BUGS,
  ) {}

  start(): void {
    this.execute(this.peer.start());
  }

  /** No input is taken any more (storage failed, or the server is stopping). */
  stop(): void {
    this.stopped = true;
    this.queued.length = 0;
  }

  get queuedInputs(): number {
    return this.queued.length;
  }

  /** Feeds one input. Inputs that arrive while actions are being carried out wait their turn. */
  step(input: PeerInput<TreeSnapshot>): void {
    if (this.stopped) return;
    this.queued.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      while (this.queued.length > 0 && !this.stopped) this.execute(this.peer.step(this.queued.shift()!));
    } finally {
      this.stepping = false;
    }
  }

  private execute(actions: PeerAction<TreeSnapshot>[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send': this.send(a.to, a.message); break;
        case 'append': this.write({ type: 'append', seq: a.seq, txns: a.txns }); break;
        case 'truncate':
          this.log.info('truncating log (TRUNC from the leader)', { afterZxid: hex(a.afterZxid) });
          this.write({ type: 'truncate', seq: a.seq, afterZxid: a.afterZxid });
          break;
        case 'epochs': this.write(epochsWrite(a)); break;
        case 'installSnapshot': this.installSnapshot(a.seq, a.zxid, a.snapshot); break;
        case 'commit': this.host.commit(a.txns); break;
        case 'fromLearner': this.host.fromLearner(a.from, a.payload); break;
        case 'fromLeader': this.host.fromLeader(a.payload); break;
        case 'status': this.host.statusChanged(a.status); break;
        default: assertNever(a, 'peer action');
      }
    }
  }

  private send(to: ServerId, message: PeerMessage<TreeSnapshot>): void {
    if (message.type === 'sync') {
      if (message.mode === 'snap') message = { ...message, snapshot: this.host.snapshotAt(message.fromZxid) };
      this.log.info('syncing learner', { to, mode: message.mode, fromZxid: hex(message.fromZxid), txns: message.txns.length, epoch: message.epoch });
    }
    this.peers.send(to, message);
  }

  private installSnapshot(seq: number, zxid: number, snapshot: TreeSnapshot): void {
    this.host.replaceState(zxid, snapshot);
    this.log.info('installed snapshot from the leader', { zxid: hex(zxid) });
    this.write({ type: 'installSnapshot', seq, zxid, snapshot });
  }

  private write(w: StorageWrite): void {
    this.storage.write(w);
    // Injected bug (simulator only): the write is taken as durable before storage reported it synced.
    if (this.bugs.ackBeforeFsync) this.queued.push({ type: 'persisted', seq: w.seq });
  }
}

function epochsWrite(a: Extract<PeerAction<TreeSnapshot>, { type: 'epochs' }>): Extract<Parameters<StoragePort['write']>[0], { type: 'epochs' }> {
  const w: { type: 'epochs'; seq: number; acceptedEpoch?: number; currentEpoch?: number } = { type: 'epochs', seq: a.seq };
  if (a.acceptedEpoch !== undefined) w.acceptedEpoch = a.acceptedEpoch;
  if (a.currentEpoch !== undefined) w.currentEpoch = a.currentEpoch;
  return w;
}
