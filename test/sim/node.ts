// One simulated server at the peer level: a ZabPeer run by the production loop (src/replica/peer-loop.ts),
// whose ports the simulator implements: persist writes go to a SimDisk, sends to the simulated network,
// commits to this node's DataTree. Nothing here decides what to do with the peer's actions (the loop does:
// there is no second driver); the node only reports what passes through its ports to the trace and the
// invariant checker. The cluster owns time, the network and faults.
import type { Txn } from '../../protocol/index.js';
import { DataTree, type TreeSnapshot } from '../../src/tree/index.js';
import { ZabPeer } from '../../src/zab/index.js';
import type { PeerAction, PeerInput, PeerMessage, PeerStatus, ServerId, SyncMode } from '../../src/zab/index.js';
import { PeerLoop } from '../../src/replica/peer-loop.js';
import type { PeerLoopHost } from '../../src/replica/peer-loop.js';
import type { ReplicaLog, StorageWrite } from '../../src/replica/ports.js';
import type { PeerTuning } from './config.js';
import { SimDisk } from './disk.js';
import { InvariantChecker, SimInvariantError } from './invariants.js';
import type { Envelope } from './network.js';
import { Prng, deriveSeed } from './prng.js';
import { Trace, hex } from './trace.js';

/** What a node needs from the cluster around it. */
export interface NodeEnv {
  readonly now: number;
  readonly seed: number;
  readonly voters: readonly ServerId[];
  readonly tuning: PeerTuning;
  readonly checker: InvariantChecker;
  readonly trace: Trace;
  send(from: ServerId, to: ServerId, message: PeerMessage<TreeSnapshot>): void;
  /** A sync message left a leader (for the snap/diff/trunc statistics and scenario assertions). */
  onSync(from: ServerId, to: ServerId, mode: SyncMode, txns: number): void;
}

export type NodeState = 'up' | 'crashed' | 'paused';

/** Messages held for a paused node; beyond this the pause is far too long for the run. */
export const HELD_MESSAGES_MAX = 10_000;

const NOT_LOOKING: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };

/** The loop's log lines are for operators; the trace records what the simulator needs. */
export const SILENT_LOG: ReplicaLog = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

export class SimNode {
  readonly disk = new SimDisk();
  loop: PeerLoop | undefined;
  tree = new DataTree();
  state: NodeState = 'crashed';
  status: PeerStatus = NOT_LOOKING;
  incarnation = 0;
  nextTickAt = 0;
  /** When a crashed node restarts or a paused one resumes. */
  wakeAt = 0;
  /** Messages that arrived while paused, in arrival order. */
  held: Envelope[] = [];
  /** A sync that completed while paused: reported on resume. */
  heldPersistedSeq: number | undefined;
  /** Commit point or durability may have moved since the last per-step check (others need no re-check). */
  touched = false;

  constructor(
    readonly id: ServerId,
    private readonly env: NodeEnv,
  ) {}

  get peer(): ZabPeer<TreeSnapshot> | undefined {
    return this.loop?.peer;
  }

  get canPropose(): boolean {
    return this.state === 'up' && this.peer !== undefined && this.peer.canPropose;
  }

  /** (Re)starts from the durable disk: the driver does not apply the log, the peer commits it. */
  boot(): void {
    const { recovered, snapshot } = this.disk.recover();
    this.tree = snapshot === undefined ? new DataTree() : DataTree.fromSnapshot(snapshot);
    if (this.tree.lastZxid !== recovered.snapshotZxid) throw new SimInvariantError(3, `peer ${this.id} snapshot content is at ${hex(this.tree.lastZxid)}, recorded at ${hex(recovered.snapshotZxid)}`);
    this.env.checker.onRecover(this.id, this.tree, recovered.txns);
    this.incarnation += 1;
    const rng = new Prng(deriveSeed(this.env.seed, this.id, this.incarnation));
    const t = this.env.tuning;
    const peer = new ZabPeer<TreeSnapshot>({ myId: this.id, voters: this.env.voters, initLimitTicks: t.initLimitTicks, syncLimitTicks: t.syncLimitTicks, historyTxnsMax: t.historyTxnsMax, random: () => rng.next() }, recovered);
    this.loop = new PeerLoop(peer, { write: (w) => this.write(w), snapshot: () => {} }, { send: (to, m) => this.send(to, m) }, this.host(), SILENT_LOG);
    this.state = 'up';
    this.touched = true;
    this.status = NOT_LOOKING;
    this.held = [];
    this.heldPersistedSeq = undefined;
    this.env.trace.add(this.env.now, this.id, 'boot', `incarnation ${this.incarnation} snapshot=${hex(recovered.snapshotZxid)} log=${recovered.txns.length} accepted=${recovered.acceptedEpoch} current=${recovered.currentEpoch}`);
    this.loop.start();
  }

  /** keepWrites: how many of the unsynced writes reach the disk anyway. */
  crash(keepWrites = 0): void {
    const kept = Math.min(keepWrites, this.disk.pendingWrites);
    this.env.trace.add(this.env.now, this.id, 'crash', `unsynced writes: ${kept} kept, ${this.disk.pendingWrites - kept} lost`);
    this.disk.crash(kept);
    this.loop?.stop();
    this.loop = undefined;
    this.state = 'crashed';
    this.status = NOT_LOOKING;
    this.held = [];
    this.heldPersistedSeq = undefined;
  }

  /** Feeds one input; the node must be up. */
  input(input: PeerInput<TreeSnapshot>): void {
    if (this.state !== 'up' || this.loop === undefined) throw new Error(`input to peer ${this.id} while ${this.state}`);
    if (input.type === 'persisted') this.touched = true;
    this.loop.step(input);
  }

  deliver(env: Envelope): void {
    if (this.state === 'paused') {
      if (this.held.length >= HELD_MESSAGES_MAX) this.held.shift();
      this.held.push(env);
      return;
    }
    this.env.trace.add(this.env.now, this.id, 'deliver', env);
    this.env.checker.onDeliver(this.id, env.message);
    this.input({ type: 'message', from: env.from, message: env.message });
  }

  // ---- the ports the production loop acts through ----

  private traceAction(a: PeerAction<TreeSnapshot>): void {
    this.env.trace.add(this.env.now, this.id, 'action', a);
  }

  private host(): PeerLoopHost {
    return {
      commit: (txns) => {
        this.traceAction({ type: 'commit', txns: txns as Txn[] });
        this.touched = true;
        this.commit(txns);
      },
      replaceState: (zxid, snap) => this.replaceState(zxid, snap),
      snapshotAt: (zxid) => {
        if (this.tree.lastZxid !== zxid) throw new SimInvariantError(4, `peer ${this.id} sends SNAP from ${hex(zxid)} but its state machine is at ${hex(this.tree.lastZxid)} (driver rule 3)`);
        return this.tree.snapshot();
      },
      statusChanged: (status) => {
        this.traceAction({ type: 'status', status });
        this.status = status;
        this.env.checker.onStatus(this.id, status);
      },
      fromLearner: (from, payload) => this.traceAction({ type: 'fromLearner', from, payload }),
      fromLeader: (payload) => this.traceAction({ type: 'fromLeader', payload }),
    };
  }

  private write(w: StorageWrite): void {
    this.traceAction(w as PeerAction<TreeSnapshot>);
    this.disk.write(w);
  }

  private replaceState(zxid: number, snap: TreeSnapshot): void {
    if (snap === undefined || snap.zxid !== zxid) throw new SimInvariantError(4, `peer ${this.id} installs a snapshot labelled ${hex(zxid)} whose content is at ${snap === undefined ? 'nothing' : hex(snap.zxid)}`);
    this.tree = DataTree.fromSnapshot(snap);
    this.touched = true;
    this.env.checker.checkTree(this.id, this.tree, 'after installing a snapshot');
  }

  private send(to: ServerId, msg: PeerMessage<TreeSnapshot>): void {
    this.traceAction({ type: 'send', to, message: msg });
    if (msg.type === 'sync') this.env.onSync(this.id, to, msg.mode, msg.txns.length);
    this.env.checker.onSend(this.id, msg);
    this.env.send(this.id, to, msg);
  }

  private commit(txns: readonly Txn[]): void {
    for (const t of txns) {
      this.env.checker.onCommitTxn(this.id, this.tree.lastZxid, t);
      this.tree.apply(t);
    }
    if (txns.length === 0) return;
    this.env.checker.checkTree(this.id, this.tree, 'after a commit');
    if (this.status.state === 'leading') this.env.checker.onLeaderCommit(this.id, this.tree.lastZxid);
  }
}
