// One simulated server: a production Replica (src/replica/replica.ts, the whole server logic) with the
// simulator's drivers behind its ports: a SimDisk for storage (writes queue unsynced, syncs complete after
// a delay and feed persisted(seq) in order, background snapshots), the simulated network for peers, the
// simulated clock, and seeded random and randomBytes. A restart recovers exactly as CanopyServer.start
// does: the tree from the snapshot, the peer from the epochs and the log after the snapshot.
// The replica's tree is observed (ObservedTree) so that every txn it applies and every snapshot it
// installs is checked as it happens; everything it sends and writes passes the invariant checker.
import type { Txn } from '../../../protocol/index.js';
import type { PeerDiagnostics, PeerMessage, PeerStatus, ServerId } from '../../../src/zab/index.js';
import { Replica } from '../../../src/replica/replica.js';
import type { ReplicaPorts, StorageWrite } from '../../../src/replica/ports.js';
import { DataTree } from '../../../src/tree/index.js';
import type { ApplyResult, TreeSnapshot } from '../../../src/tree/index.js';
import { SimDisk } from '../disk.js';
import { InvariantChecker, SimInvariantError, checkPeerView } from '../invariants.js';
import { SimLimitError } from '../network.js';
import { SILENT_LOG } from '../node.js';
import type { PeerAction } from '../../../src/zab/index.js';
import { Prng, deriveSeed } from '../prng.js';
import { Trace, hex } from '../trace.js';
import type { ClientChecks } from './client-checks.js';
import type { ConnServer, SimConn } from './client-link.js';
import type { ReplicaFaultProfile, ReplicaSimConfig } from './config.js';

export interface ServerEnv {
  readonly now: number;
  readonly seed: number;
  readonly config: ReplicaSimConfig;
  readonly voters: readonly ServerId[];
  readonly checker: InvariantChecker;
  readonly checks: ClientChecks;
  readonly trace: Trace;
  /** Disk faults that strike a write (a full disk) and background snapshot delays. */
  readonly faultRng: Prng;
  /** The fault rates now (calm once the faults heal). */
  readonly faults: ReplicaFaultProfile;
  clockMs(): number;
  sendPeer(from: ServerId, to: ServerId, message: PeerMessage<TreeSnapshot>): void;
}

export type ServerState = 'up' | 'crashed' | 'paused';

/** Inputs held for a paused server; beyond this the pause is far too long for the run. */
export const HELD_INPUTS_MAX = 100_000;
const LOCAL_SNAPSHOT_STEPS = [1, 20] as const;
const NOT_LOOKING: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };

interface TreeObserver {
  beforeApply(tree: DataTree, txn: Txn): void;
  afterApply(tree: DataTree, txn: Txn, result: ApplyResult): void;
  replaced(tree: DataTree): void;
}

/** The replica's own tree, reporting each apply and snapshot install to the simulator's checks. */
class ObservedTree extends DataTree {
  observer: TreeObserver | undefined;

  override apply(txn: Txn): ApplyResult {
    this.observer?.beforeApply(this, txn);
    const result = super.apply(txn);
    this.observer?.afterApply(this, txn, result);
    return result;
  }

  override replaceWith(s: TreeSnapshot): void {
    super.replaceWith(s);
    this.observer?.replaced(this);
  }
}

export class SimServer implements ConnServer, TreeObserver {
  readonly disk = new SimDisk();
  replica: Replica | undefined;
  tree: ObservedTree | undefined;
  state: ServerState = 'crashed';
  status: PeerStatus = NOT_LOOKING;
  incarnation = 0;
  nextHalfTickAt = 0;
  /** When a crashed server restarts or a paused one resumes (0: only when asked). */
  wakeAt = 0;
  flushRequested = false;
  /** The replica said storage failed (ports.failed): it has stopped, and the world crashes it. */
  failedStorage = false;
  /** A write the disk refused: reported to the replica as a storage failure on the next step. */
  pendingStorageError: Error | undefined;
  /** Connections open to this incarnation, closed by a crash. */
  readonly conns = new Set<SimConn>();
  readonly stats = { crashes: 0, storageFailures: 0, localSnapshots: 0 };
  private held: Array<(replica: Replica) => void> = [];
  private heldPersisted = 0;
  /** The tree changed during this step (checked when the step ends). */
  private treeTouched = false;
  /** Commit point or durability may have moved since the last per-step check. */
  private touched = false;
  private firstApply = false;

  constructor(
    readonly id: ServerId,
    private readonly env: ServerEnv,
  ) {}

  // ---- lifecycle ----

  /** (Re)starts from the durable disk, as CanopyServer.start recovers. */
  boot(): void {
    const { recovered, snapshot } = this.disk.recover();
    const tree = new ObservedTree();
    if (snapshot !== undefined) tree.replaceWith(snapshot);
    if (tree.lastZxid !== recovered.snapshotZxid) throw new SimInvariantError(3, `server ${this.id} snapshot content is at ${hex(tree.lastZxid)}, recorded at ${hex(recovered.snapshotZxid)}`);
    this.env.checker.onRecover(this.id, tree, recovered.txns);
    this.incarnation += 1;
    tree.observer = this;
    this.tree = tree;
    const rng = new Prng(deriveSeed(this.env.seed, this.id, this.incarnation));
    const opts = { ...this.env.config.replica, serverId: this.id, voters: this.env.voters };
    this.replica = new Replica(opts, { tree, peer: { ...recovered, snapshotZxid: tree.lastZxid } }, this.ports(rng, this.incarnation));
    this.state = 'up';
    this.status = NOT_LOOKING;
    this.touched = true;
    this.env.trace.add(this.env.now, this.id, 'boot', `incarnation ${this.incarnation} snapshot=${hex(recovered.snapshotZxid)} log=${recovered.txns.length} accepted=${recovered.acceptedEpoch} current=${recovered.currentEpoch} tornDropped=${this.disk.tornDropped}`);
    this.replica.start();
  }

  /** The process dies: keep unsynced writes reach the disk anyway, and the next one may be torn. */
  crash(keep: number, tear: boolean): void {
    const kept = Math.min(keep, this.disk.pendingWrites);
    this.env.trace.add(this.env.now, this.id, 'crash', `unsynced writes: ${kept} kept, ${this.disk.pendingWrites - kept} lost${tear ? ', next torn' : ''}`);
    this.disk.crash(kept, tear);
    this.replica = undefined;
    this.tree = undefined;
    this.state = 'crashed';
    this.status = NOT_LOOKING;
    this.held = [];
    this.heldPersisted = 0;
    this.flushRequested = false;
    this.failedStorage = false;
    this.pendingStorageError = undefined;
    this.stats.crashes += 1;
    for (const c of this.conns) c.serverCrashed();
    this.conns.clear();
  }

  pause(): void {
    if (this.state === 'up') this.state = 'paused';
  }

  /** Held inputs are taken in the order they arrived. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'up';
    const held = this.held;
    this.held = [];
    this.heldPersisted = 0;
    for (const fn of held) if (!this.input(fn)) return;
  }

  // ---- inputs ----

  /** Runs fn as an input of the replica: now, or when a pause ends; false if the server is down. */
  input(fn: (replica: Replica) => void, isPersisted = false): boolean {
    if (this.state === 'crashed' || this.replica === undefined) return false;
    if (this.state === 'paused') {
      if (this.held.length >= HELD_INPUTS_MAX) throw new SimLimitError(`server ${this.id} holds more than ${HELD_INPUTS_MAX} inputs`);
      this.held.push(fn);
      if (isPersisted) this.heldPersisted += 1;
      return true;
    }
    fn(this.replica);
    if (isPersisted) this.touched = true;
    return true;
  }

  /** Writes prepared during this step's inputs go out as one proposal. */
  flush(): void {
    for (let i = 0; i < 10 && this.flushRequested && this.state === 'up'; i++) {
      this.flushRequested = false;
      this.input((r) => r.flush());
    }
  }

  /** Background snapshots, syncs that complete (or fail), and writes the disk refused. */
  diskStep(rng: Prng): void {
    if (this.state === 'crashed') return;
    const now = this.env.now;
    if (this.disk.completeLocalSnapshotDue(now)) this.stats.localSnapshots += 1;
    const refused = this.pendingStorageError;
    if (refused !== undefined) {
      this.pendingStorageError = undefined;
      this.input((r) => r.storageFailed(refused));
      return;
    }
    if (!this.disk.syncDue(now)) return;
    if (rng.chance(this.env.faults.syncErrorP)) {
      this.disk.fail();
      this.stats.storageFailures += 1;
      this.env.trace.add(now, this.id, 'disk', 'fsync failed');
      this.input((r) => r.storageFailed(new Error('fsync failed (simulated)')));
      return;
    }
    const seq = this.disk.completeDue(now);
    if (seq !== undefined) this.input((r) => r.persisted(seq), true);
  }

  /**
   * After every step in which it applied txns or learnt of durability: the state machine is at the peer's
   * commit point, what it believes durable is on its disk, its tree matches every other tree seen at the
   * same zxid, and a leader's commit point is durable on a quorum.
   */
  checkView(): void {
    if (this.replica === undefined || this.tree === undefined) return;
    if (this.treeTouched) {
      this.treeTouched = false;
      this.touched = true;
      this.env.checker.checkTree(this.id, this.tree, 'after a commit');
      if (this.status.state === 'leading') this.env.checker.onLeaderCommit(this.id, this.tree.lastZxid);
    }
    if (!this.touched) return;
    this.touched = false;
    const d = (this.replica.diagnostics() as { peer: PeerDiagnostics }).peer;
    checkPeerView({ id: this.id, appliedZxid: this.tree.lastZxid, committedZxid: d.committedZxid, durableZxid: d.durableZxid, disk: this.disk, durabilityReported: this.heldPersisted === 0 });
  }

  // ---- TreeObserver: each txn applied, each snapshot installed ----

  beforeApply(tree: DataTree, txn: Txn): void {
    this.firstApply = !this.env.checker.isCommitted(txn.zxid);
    this.env.checker.onCommitTxn(this.id, tree.lastZxid, txn);
    if (this.firstApply) this.env.checks.beforeFirstApply(tree, txn);
  }

  afterApply(tree: DataTree, txn: Txn, result: ApplyResult): void {
    this.treeTouched = true;
    if (this.firstApply) this.env.checks.afterFirstApply(txn, result);
    this.env.checks.afterApply(tree, txn, result, this.id);
  }

  replaced(tree: DataTree): void {
    this.treeTouched = true;
    this.env.checker.checkTree(this.id, tree, 'after installing a snapshot');
  }

  // ---- the ports ----

  private ports(rng: Prng, incarnation: number): ReplicaPorts {
    const live = (): void => {
      if (incarnation !== this.incarnation || this.state === 'crashed') throw new Error(`server ${this.id}: a dead incarnation (${incarnation}) acted`);
    };
    return {
      storage: {
        write: (w) => (live(), this.storageWrite(w)),
        snapshot: (s) => (live(), this.storageSnapshot(s)),
      },
      peers: { send: (to, m) => (live(), this.env.sendPeer(this.id, to, m)) },
      clock: () => this.env.clockMs(),
      random: () => rng.next(),
      randomBytes: (count) => Uint8Array.from({ length: count }, () => rng.int(0, 255)),
      scheduleFlush: () => {
        this.flushRequested = true;
      },
      statusChanged: (s) => {
        this.status = s;
        this.env.trace.add(this.env.now, this.id, 'action', { type: 'status', status: s });
        this.env.checker.onStatus(this.id, s);
      },
      failed: () => {
        this.failedStorage = true;
      },
      log: SILENT_LOG,
      // Every input here comes from replicas and clients that follow the protocol: one dropped as malformed
      // means a validator and the code that made the message disagree.
      inputLog: { ...SILENT_LOG, warn: (msg) => { throw new Error(`server ${this.id} dropped a well-formed input: ${msg}`); } },
    };
  }

  private storageWrite(w: StorageWrite): void {
    this.env.trace.add(this.env.now, this.id, 'action', w as PeerAction);
    if (this.disk.failed) return;
    if (this.env.faultRng.chance(this.env.faults.fullDiskP)) {
      // The store refuses the write; the replica hears it as a storage failure, as from a rejected promise.
      this.disk.fail();
      this.stats.storageFailures += 1;
      this.pendingStorageError = new Error('no space left on device (simulated)');
      this.env.trace.add(this.env.now, this.id, 'disk', 'full: write refused');
      return;
    }
    if (w.type === 'append') this.env.checker.onPropose(this.id, w.txns);
    this.disk.write(w);
  }

  private storageSnapshot(s: TreeSnapshot): void {
    this.disk.beginLocalSnapshot(s, this.env.now + this.env.faultRng.int(LOCAL_SNAPSHOT_STEPS[0], LOCAL_SNAPSHOT_STEPS[1]));
  }
}
