// The step loop: one step is one unit of simulated time. In each step due restarts and resumes happen,
// partitions heal, due messages arrive, due disk syncs complete (feeding 'persisted'), peers tick, the
// run's hook injects faults and load, and disks start syncing what was written. Everything is ordered by
// node id or send order and every choice comes from the seed, so a run replays exactly.
import type { Txn } from '../../protocol/index.js';
import type { PeerMessage, ServerId, SyncMode } from '../../src/zab/index.js';
import type { TreeSnapshot } from '../../src/tree/index.js';
import type { SimConfig } from './config.js';
import { InvariantChecker, checkPeerView } from './invariants.js';
import { ClientLoad } from './load.js';
import { Network, linkKey, type Partition } from './network.js';
import { SimNode, type NodeEnv } from './node.js';
import { Prng, deriveSeed } from './prng.js';
import { Trace } from './trace.js';

export interface SyncCounts {
  snap: number;
  diff: number;
  trunc: number;
}

export interface ClusterStats {
  crashes: number;
  pauses: number;
  localSnapshots: number;
  proposedTxns: number;
  syncs: SyncCounts;
}

/** Simulated milliseconds per step, for txn timestamps. */
const STEP_MS = 10;
const CLOCK_START_MS = 1_000_000;

export class Cluster implements NodeEnv {
  now = 0;
  readonly voters: ServerId[];
  readonly nodes: SimNode[];
  readonly network: Network;
  readonly checker: InvariantChecker;
  readonly trace: Trace;
  readonly load: ClientLoad;
  readonly stats: ClusterStats = { crashes: 0, pauses: 0, localSnapshots: 0, proposedTxns: 0, syncs: { snap: 0, diff: 0, trunc: 0 } };
  /** Syncs received per learner, for scenario assertions. */
  readonly syncsTo = new Map<ServerId, SyncCounts>();
  /** Probability that a disk sync is slow; the heal phase sets it to 0. */
  slowDiskP: number;
  /** Called once per step after ticks: faults and load of the running phase. */
  hook: ((c: Cluster) => void) | undefined;
  private readonly tickEvery = new Map<ServerId, number>();
  private readonly clusterRng: Prng;

  constructor(readonly config: SimConfig) {
    this.trace = new Trace(config.traceEvents);
    this.voters = Array.from({ length: config.peers }, (_, i) => i + 1);
    this.network = new Network(new Prng(deriveSeed(config.seed, config.peers, 1)), { ...config.faults });
    this.clusterRng = new Prng(deriveSeed(config.seed, config.peers, 2));
    this.load = new ClientLoad(new Prng(deriveSeed(config.seed, config.peers, 3)));
    this.slowDiskP = config.faults.slowDiskP;
    this.nodes = this.voters.map((id) => new SimNode(id, this));
    this.checker = new InvariantChecker(this.voters, new Map(this.nodes.map((n) => [n.id, n.disk])), config.tolerateAckDurability);
    for (const id of this.voters) {
      this.tickEvery.set(id, this.clusterRng.int(config.tickEveryStepsMin, config.tickEveryStepsMax));
      this.syncsTo.set(id, { snap: 0, diff: 0, trunc: 0 });
    }
  }

  // ---- NodeEnv ----

  get seed(): number {
    return deriveSeed(this.config.seed, this.config.peers);
  }

  get tuning(): SimConfig['tuning'] {
    return this.config.tuning;
  }

  send(from: ServerId, to: ServerId, message: PeerMessage<TreeSnapshot>): void {
    // Messages are shared by reference (no wire in between): freezing makes any later mutation throw.
    Object.freeze(message);
    if ('txns' in message) Object.freeze(message.txns);
    if (!this.network.send(from, to, message, this.now)) this.trace.add(this.now, from, 'lost', `→${to} ${message.type}`);
  }

  onSync(_from: ServerId, to: ServerId, mode: SyncMode): void {
    this.stats.syncs[mode] += 1;
    this.syncsTo.get(to)![mode] += 1;
  }

  // ---- the loop ----

  node(id: ServerId): SimNode {
    return this.nodes[id - 1]!;
  }

  start(): void {
    for (const n of this.nodes) {
      n.boot();
      this.scheduleTick(n);
    }
  }

  step(): void {
    this.now += 1;
    this.wakeDue();
    for (const p of this.network.healDue(this.now)) this.trace.add(this.now, 0, 'heal', p.label);
    for (const env of this.network.takeDue(this.now)) {
      const n = this.node(env.to);
      if (n.state === 'crashed') this.trace.add(this.now, env.to, 'lost', `←${env.from} ${env.message.type} (down)`);
      else n.deliver(env);
    }
    for (const n of this.nodes) this.completeSync(n);
    for (const n of this.nodes) {
      if (n.state !== 'up' || n.nextTickAt > this.now) continue;
      n.input({ type: 'tick' });
      this.scheduleTick(n);
    }
    this.hook?.(this);
    for (const n of this.nodes) {
      if (n.state !== 'up') continue;
      n.disk.startSync(this.now, this.clusterRng.chance(this.slowDiskP) ? this.clusterRng.int(10, 60) : this.clusterRng.int(1, 4));
    }
    for (const n of this.nodes) {
      if (n.peer === undefined || !n.touched) continue;
      n.touched = false;
      const d = n.peer.diagnostics();
      checkPeerView({ id: n.id, appliedZxid: n.tree.lastZxid, committedZxid: d.committedZxid, durableZxid: d.durableZxid, disk: n.disk, durabilityReported: n.heldPersistedSeq === undefined });
    }
  }

  /** Steps until pred holds (checked after each step); returns whether it did within maxSteps. */
  runUntil(pred: () => boolean, maxSteps: number): boolean {
    for (let i = 0; i < maxSteps; i++) {
      this.step();
      if (pred()) return true;
    }
    return false;
  }

  private scheduleTick(n: SimNode): void {
    n.nextTickAt = this.now + this.tickEvery.get(n.id)! + this.clusterRng.int(-1, 1);
  }

  private completeSync(n: SimNode): void {
    if (n.state === 'crashed') return;
    const seq = n.disk.completeDue(this.now);
    if (seq === undefined) return;
    if (n.state === 'paused') n.heldPersistedSeq = seq;
    else n.input({ type: 'persisted', seq });
  }

  private wakeDue(): void {
    for (const n of this.nodes) {
      if (n.wakeAt === 0 || n.wakeAt > this.now) continue;
      if (n.state === 'crashed') this.restart(n.id);
      else if (n.state === 'paused') this.resume(n.id);
    }
  }

  // ---- faults (scripted or drawn by the run's hook) ----

  /** Crashes a node; it restarts by itself at restartAt (0: only when asked); keepWrites unsynced writes survive. */
  crash(id: ServerId, restartAt = 0, keepWrites = 0): void {
    const n = this.node(id);
    if (n.state === 'crashed') return;
    n.crash(keepWrites);
    n.wakeAt = restartAt;
    this.stats.crashes += 1;
  }

  restart(id: ServerId): void {
    const n = this.node(id);
    if (n.state !== 'crashed') return;
    n.wakeAt = 0;
    n.boot();
    this.scheduleTick(n);
  }

  /** Stops a node taking inputs (SIGSTOP) until resumeAt (0: only when asked). */
  pause(id: ServerId, resumeAt = 0): void {
    const n = this.node(id);
    if (n.state !== 'up') return;
    n.state = 'paused';
    n.wakeAt = resumeAt;
    this.stats.pauses += 1;
    this.trace.add(this.now, id, 'pause', resumeAt === 0 ? undefined : `until ${resumeAt}`);
  }

  resume(id: ServerId): void {
    const n = this.node(id);
    if (n.state !== 'paused') return;
    n.state = 'up';
    n.wakeAt = 0;
    this.trace.add(this.now, id, 'resume', `${n.held.length} held messages`);
    const held = n.held;
    n.held = [];
    const seq = n.heldPersistedSeq;
    n.heldPersistedSeq = undefined;
    const persistedFirst = this.clusterRng.chance(0.5);
    if (persistedFirst && seq !== undefined) n.input({ type: 'persisted', seq });
    for (const env of held) {
      if (n.state === 'up') n.deliver(env);
    }
    if (!persistedFirst && seq !== undefined && n.state === 'up') n.input({ type: 'persisted', seq });
    this.scheduleTick(n);
  }

  /** Blocks from → to for every from in a and to in b (and back unless oneWay) for durationSteps. */
  partition(a: readonly ServerId[], b: readonly ServerId[], oneWay: boolean, durationSteps: number): void {
    const blocked = new Set<number>();
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        blocked.add(linkKey(x, y));
        if (!oneWay) blocked.add(linkKey(y, x));
      }
    }
    const label = `{${a.join(',')}} ${oneWay ? '→' : '↔'} {${b.join(',')}}`;
    const p: Partition = { label, blocked, healAt: this.now + durationSteps };
    this.network.addPartition(p);
    this.trace.add(this.now, 0, 'partition', `${label} for ${durationSteps} steps`);
  }

  isolate(id: ServerId, durationSteps: number): void {
    this.partition([id], this.voters.filter((v) => v !== id), false, durationSteps);
  }

  /** The driver's periodic snapshot of a node's applied tree. */
  localSnapshot(id: ServerId): void {
    const n = this.node(id);
    if (n.state !== 'up' || n.tree.lastZxid <= (n.disk.durable.snapshot?.zxid ?? 0)) return;
    n.disk.writeLocalSnapshot(n.tree.snapshot());
    this.stats.localSnapshots += 1;
    this.trace.add(this.now, id, 'localSnapshot', `at 0x${n.tree.lastZxid.toString(16)}`);
  }

  // ---- client load ----

  /** Nodes that accept proposals now (an old leader may not yet know it lost its quorum). */
  proposers(): SimNode[] {
    return this.nodes.filter((n) => n.canPropose);
  }

  /** Proposes count client txns at node id; returns them. */
  propose(id: ServerId, count: number): Txn[] {
    const n = this.node(id);
    const txns = this.load.build(n.peer!.nextZxid(), count, this.clockMs());
    this.submit(n, txns);
    return txns;
  }

  proposeMarker(id: ServerId): Txn {
    const n = this.node(id);
    const txn = this.load.marker(n.peer!.nextZxid(), this.clockMs());
    this.submit(n, [txn]);
    return txn;
  }

  private submit(n: SimNode, txns: Txn[]): void {
    // Frozen: a peer or the tree that mutated a txn after it was proposed would throw here-after.
    for (const t of txns) deepFreeze(t);
    this.checker.onPropose(n.id, txns);
    this.stats.proposedTxns += txns.length;
    this.trace.add(this.now, n.id, 'propose', `${txns.length} txns from 0x${txns[0]!.zxid.toString(16)}`);
    n.input({ type: 'propose', txns });
  }

  clockMs(): number {
    return CLOCK_START_MS + this.now * STEP_MS;
  }
}

/** Freezes plain objects and arrays (byte arrays cannot be frozen; nothing writes to them). */
export function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return;
  for (const v of Object.values(value)) deepFreeze(v);
  Object.freeze(value);
}
