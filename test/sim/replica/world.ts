// The whole-replica simulation's step loop: one step is STEP_MS of simulated time. In each step crashed
// servers restart and paused ones resume when due, partitions heal, due peer messages arrive (and the
// links that broke are reported as peerDown), disks complete syncs and background snapshots, servers tick
// (every half tickTime), client connections carry their frames, clients act, the run's hook injects faults,
// every server that asked to flush flushes (the writes of the step's inputs go out as one proposal),
// servers whose storage failed crash, disks start syncing, and every server's view is checked. Everything
// is ordered by id or send order and every choice comes from the seed, so a run replays exactly.
import type { PeerMessage, ServerId } from '../../../src/zab/index.js';
import { ZnodeRecord, type TreeSnapshot } from '../../../src/tree/index.js';
import { deepFreeze } from '../cluster.js';
import { InvariantChecker } from '../invariants.js';
import { Network, linkKey } from '../network.js';
import type { Partition } from '../network.js';
import { Prng, deriveSeed } from '../prng.js';
import { Trace } from '../trace.js';
import { ClientChecks } from './client-checks.js';
import { SimConn } from './client-link.js';
import type { ConnEnv } from './client-link.js';
import { SimClient } from './client.js';
import type { ClientEnv } from './client.js';
import { CALM_REPLICA_FAULTS } from './config.js';
import type { ReplicaFaultProfile, ReplicaSimConfig } from './config.js';
import { RegisterRecorder } from './registers.js';
import { SimServer } from './server.js';
import type { ServerEnv } from './server.js';
import { Workload } from './workload.js';
import type { SharedSetup } from './workload.js';

const CLOCK_START_MS = 1_700_000_000_000;
const CLIENT_TIMEOUT_MS = [300, 1200] as const;
const PEER_DOWN_STEPS = [1, 8] as const;
/** A client keeps at most this many requests in flight (it pipelines up to it). */
const CLIENT_IN_FLIGHT = [1, 4] as const;

export interface WorldStats {
  partitions: number;
  pauses: number;
  linkDrops: number;
  clientCuts: number;
  silences: number;
  slowReaders: number;
  syncs: { snap: number; diff: number; trunc: number };
}

export class World implements ServerEnv, ClientEnv, ConnEnv {
  now = 0;
  readonly voters: ServerId[];
  readonly serverIds: ServerId[];
  readonly servers: SimServer[];
  readonly clients: SimClient[] = [];
  readonly workloads: Workload[] = [];
  readonly network: Network;
  readonly checker: InvariantChecker;
  readonly checks = new ClientChecks();
  readonly recorder: RegisterRecorder;
  readonly trace: Trace;
  readonly faultRng: Prng;
  faults: ReplicaFaultProfile;
  readonly stats: WorldStats = { partitions: 0, pauses: 0, linkDrops: 0, clientCuts: 0, silences: 0, slowReaders: 0, syncs: { snap: 0, diff: 0, trunc: 0 } };
  /** Faults and new work stop; clients only prove they are served. */
  healing = false;
  /** Called once per step after clients act: the run's faults. */
  hook: ((w: World) => void) | undefined;
  readonly conns = new Map<number, SimConn>();
  private readonly setup: SharedSetup = { made: new Set(), done: false };
  private readonly rng: Prng;
  private readonly linkRng: Prng;
  private peerDowns: Array<{ at: number; to: ServerId; from: ServerId }> = [];
  private nextConnId = 1;
  private nextLogical = 1;
  private eventSeq = 0;
  private readonly halfTickSteps: number;

  constructor(readonly config: ReplicaSimConfig) {
    this.trace = new Trace(config.traceEvents);
    this.faults = config.faults;
    this.voters = Array.from({ length: config.servers }, (_, i) => i + 1);
    this.serverIds = this.voters;
    this.network = new Network(new Prng(deriveSeed(config.seed, config.servers, 11)), { ...this.peerFaults(config.faults) });
    this.rng = new Prng(deriveSeed(config.seed, config.servers, 12));
    this.faultRng = new Prng(deriveSeed(config.seed, config.servers, 13));
    this.linkRng = new Prng(deriveSeed(config.seed, config.servers, 14));
    this.recorder = new RegisterRecorder(() => this.eventTimeMs());
    this.servers = this.voters.map((id) => new SimServer(id, this));
    this.checker = new InvariantChecker(this.voters, new Map(this.servers.map((s) => [s.id, s.disk])));
    this.halfTickSteps = Math.max(1, Math.round(config.replica.tickTime / 2 / config.stepMs));
  }

  get seed(): number {
    return deriveSeed(this.config.seed, this.config.servers, 10);
  }

  private peerFaults(f: ReplicaFaultProfile): ConstructorParameters<typeof Network>[1] {
    return { dropP: f.dropP, duplicateP: f.duplicateP, reorderP: f.reorderP, slowLinkP: f.slowLinkP, slowDiskP: 0, crashP: 0, pauseP: 0, partitionP: 0, localSnapshotP: 0, loadP: 0 };
  }

  // ---- time ----

  clockMs(): number {
    return CLOCK_START_MS + this.now * this.config.stepMs;
  }

  /** For the register history: ms, with a fraction that orders the events of one step. */
  eventTimeMs(): number {
    this.eventSeq += 1;
    return this.now * this.config.stepMs + this.eventSeq * 1e-6;
  }

  // ---- environments ----

  sendPeer(from: ServerId, to: ServerId, message: PeerMessage<TreeSnapshot>): void {
    this.trace.add(this.now, from, 'action', { type: 'send', to, message });
    this.checker.onSend(from, message);
    if (message.type === 'sync') this.stats.syncs[message.mode] += 1;
    const carried = asCarried(message);
    // Shared by reference between replicas (no encoder in between): frozen, so that a later mutation throws.
    deepFreeze(carried);
    if (!this.network.send(from, to, carried, this.now)) this.trace.add(this.now, from, 'lost', `→${to} ${message.type}`);
  }

  connect(client: SimClient, serverId: number): SimConn {
    const server = this.servers[serverId - 1]!;
    const conn = new SimConn(this.nextConnId++, client, server, this);
    this.conns.set(conn.id, conn);
    // Also while the server is down: its open may arrive after a restart, and the next crash must reset it.
    // (Seed 203128/3 once had a connection outlive its server's crash and reach the dead replica.)
    server.conns.add(conn);
    return conn;
  }

  clientLinkDelay(): number {
    return this.linkRng.chance(this.faults.slowLinkP) ? this.linkRng.int(5, 30) : this.linkRng.int(1, 3);
  }

  nextLogicalClient(): number {
    return this.nextLogical++;
  }

  // ---- the loop ----

  start(): void {
    for (const s of this.servers) this.boot(s);
    for (let i = 0; i < this.config.clients; i++) {
      const rng = new Prng(deriveSeed(this.config.seed, this.config.servers, 100 + i));
      const client = new SimClient(i + 1, rng.int(CLIENT_TIMEOUT_MS[0], CLIENT_TIMEOUT_MS[1]), rng, this);
      this.clients.push(client);
      this.workloads.push(new Workload(client, rng, this.recorder, this.checks, this.setup, rng.int(CLIENT_IN_FLIGHT[0], CLIENT_IN_FLIGHT[1])));
    }
  }

  step(): void {
    this.now += 1;
    this.eventSeq = 0;
    this.wakeDue();
    for (const p of this.network.healDue(this.now)) this.trace.add(this.now, 0, 'heal', p.label);
    this.deliverPeerMessages();
    for (const s of this.servers) s.diskStep(this.rng);
    this.tickDue();
    for (const conn of this.conns.values()) this.deliverConn(conn);
    for (let i = 0; i < this.clients.length; i++) {
      this.clients[i]!.step();
      if (this.healing) this.workloads[i]!.probe();
      else this.workloads[i]!.act(this.config.opP);
    }
    this.hook?.(this);
    for (const s of this.servers) s.flush();
    for (const s of this.servers) if (s.failedStorage) this.crash(s.id, this.now + this.rng.int(5, 100), this.crashKeep(s), this.rng.chance(this.faults.tornP));
    for (const s of this.servers) {
      if (s.state === 'crashed') continue;
      s.disk.startSync(this.now, this.rng.chance(this.faults.slowDiskP) ? this.rng.int(10, 60) : this.rng.int(1, 4));
    }
    for (const s of this.servers) s.checkView();
  }

  /** Steps until pred holds (checked after each step); returns whether it did within maxSteps. */
  runUntil(pred: () => boolean, maxSteps: number): boolean {
    for (let i = 0; i < maxSteps; i++) {
      this.step();
      if (pred()) return true;
    }
    return false;
  }

  private deliverPeerMessages(): void {
    for (const env of this.network.takeDue(this.now)) {
      const s = this.servers[env.to - 1]!;
      const delivered = s.input((r) => {
        this.trace.add(this.now, env.to, 'deliver', env);
        this.checker.onDeliver(env.to, env.message);
        r.peerMessage(env.from, env.message);
      });
      if (!delivered) this.trace.add(this.now, env.to, 'lost', `←${env.from} ${env.message.type} (down)`);
    }
    if (this.peerDowns.length === 0) return;
    const due = this.peerDowns.filter((d) => d.at <= this.now);
    this.peerDowns = this.peerDowns.filter((d) => d.at > this.now);
    for (const d of due) this.servers[d.to - 1]!.input((r) => r.peerDown(d.from));
  }

  private tickDue(): void {
    for (const s of this.servers) {
      if (s.state !== 'up' || s.nextHalfTickAt > this.now) continue;
      s.nextHalfTickAt = this.now + this.halfTickSteps;
      s.input((r) => r.tick());
    }
  }

  private deliverConn(conn: SimConn): void {
    conn.deliverDue(this.now);
    if (conn.serverGone && conn.clientGone && conn.idle) {
      this.conns.delete(conn.id);
      this.servers[conn.server.id - 1]!.conns.delete(conn);
    }
  }

  private wakeDue(): void {
    for (const s of this.servers) {
      if (s.wakeAt === 0 || s.wakeAt > this.now) continue;
      s.wakeAt = 0;
      if (s.state === 'crashed') this.boot(s);
      else if (s.state === 'paused') this.resume(s.id);
    }
  }

  private boot(s: SimServer): void {
    s.boot();
    s.nextHalfTickAt = this.now + this.rng.int(1, this.halfTickSteps);
  }

  private crashKeep(s: SimServer): number {
    return this.rng.chance(this.faults.keepUnsyncedP) ? this.rng.int(0, s.disk.pendingWrites) : 0;
  }

  // ---- faults (drawn by the run's hook) ----

  /** Crashes a server; it restarts at restartAt (0: only when asked). keep unsynced writes survive; tear tears the next. */
  crash(id: ServerId, restartAt: number, keep = 0, tear = false): void {
    const s = this.servers[id - 1]!;
    if (s.state === 'crashed') return;
    s.crash(keep, tear);
    s.wakeAt = restartAt;
    // The others' links from it break.
    for (const other of this.voters) if (other !== id) this.peerDowns.push({ at: this.now + this.rng.int(PEER_DOWN_STEPS[0], PEER_DOWN_STEPS[1]), to: other, from: id });
  }

  crashRandom(id: ServerId, restartAt: number): void {
    this.crash(id, restartAt, this.crashKeep(this.servers[id - 1]!), this.rng.chance(this.faults.tornP));
  }

  pause(id: ServerId, resumeAt: number): void {
    const s = this.servers[id - 1]!;
    if (s.state !== 'up') return;
    s.pause();
    s.wakeAt = resumeAt;
    this.stats.pauses += 1;
    this.trace.add(this.now, id, 'pause', `until ${resumeAt}`);
  }

  resume(id: ServerId): void {
    const s = this.servers[id - 1]!;
    if (s.state !== 'paused') return;
    s.wakeAt = 0;
    this.trace.add(this.now, id, 'resume');
    s.resume();
    s.nextHalfTickAt = this.now;
  }

  /** Blocks from → to for every from in a and to in b (and back unless oneWay) for durationSteps. */
  partition(a: readonly ServerId[], b: readonly ServerId[], oneWay: boolean, durationSteps: number): void {
    const blocked = new Set<number>();
    const add = (x: ServerId, y: ServerId): void => {
      if (x === y) return;
      blocked.add(linkKey(x, y));
      this.peerDowns.push({ at: this.now + this.rng.int(PEER_DOWN_STEPS[0], PEER_DOWN_STEPS[1]), to: y, from: x });
    };
    for (const x of a) {
      for (const y of b) {
        add(x, y);
        if (!oneWay) add(y, x);
      }
    }
    const label = `{${a.join(',')}} ${oneWay ? '→' : '↔'} {${b.join(',')}}`;
    const p: Partition = { label, blocked, healAt: this.now + durationSteps };
    this.network.addPartition(p);
    this.stats.partitions += 1;
    this.trace.add(this.now, 0, 'partition', `${label} for ${durationSteps} steps`);
  }

  /** Ends every fault: partitions heal, servers come back, clients wake and reconnect; no new faults. */
  healAll(): void {
    this.healing = true;
    this.hook = undefined;
    for (const p of this.network.healAll()) this.trace.add(this.now, 0, 'heal', p.label);
    this.faults = { ...CALM_REPLICA_FAULTS };
    this.network.faults = this.peerFaults(this.faults);
    for (const s of this.servers) {
      if (s.state === 'crashed') {
        s.wakeAt = 0;
        this.boot(s);
      } else if (s.state === 'paused') this.resume(s.id);
    }
    for (const c of this.clients) c.silentUntil = 0;
    for (const conn of this.conns.values()) {
      conn.blockedUntil = 0;
      conn.congestedUntil = 0;
    }
    this.trace.add(this.now, 0, 'heal-phase', 'all faults healed');
  }
}

/**
 * The message as the transport delivers it: a SNAP's records arrive as the SnapshotNodes they serialize
 * to (ZnodeRecord.toJSON, which the transport's msgpack writes), never as the sender's objects.
 */
function asCarried(message: PeerMessage<TreeSnapshot>): PeerMessage<TreeSnapshot> {
  if (message.type !== 'sync' || message.snapshot === undefined) return message;
  const nodes = message.snapshot.nodes.map((n) => (n instanceof ZnodeRecord ? n.toSnapshotNode() : n));
  return { ...message, snapshot: { ...message.snapshot, nodes } };
}
