// Replicas driven by hand, with no sockets, disk, timers or real clock: the unit tests of the write path,
// forwarding and session liveness feed a replica its inputs and read what comes out of its ports.
// Storage writes complete only when a test says so (syncAll), peer messages wait in one FIFO queue until
// delivered, and the clock moves only when advanced.
import { CreateMode, OPEN_ACL_UNSAFE, OpCode, PROTOCOL_VERSION } from '../../protocol/index.js';
import type { ConnectResponse, NotificationFrame, Request, Response } from '../../protocol/index.js';
import { DataTree } from '../../src/tree/data-tree.js';
import type { ClientHandle } from '../../src/replica/client-handle.js';
import type { ClientFrame, ClientLink, ReplicaLog, ReplicaPorts, StorageWrite } from '../../src/replica/ports.js';
import { Replica } from '../../src/replica/replica.js';
import type { ReplicaOptions } from '../../src/replica/replica.js';
import { peerMessageToWire, type PeerMessage, type PeerStatus, type WirePeerMessage } from '../../src/zab/index.js';

export const TICK_MS = 100;

export function replicaOptions(serverId: number, voters: readonly number[], overrides: Partial<ReplicaOptions> = {}): ReplicaOptions {
  return {
    serverId, voters, tickTime: TICK_MS, initLimit: 10, syncLimit: 5, historyTxnsMax: 1000, historyBytesMax: 1 << 24,
    minSessionTimeout: 2 * TICK_MS, maxSessionTimeout: 20 * TICK_MS, maxFrameBytes: 1 << 20, maxDataBytes: 1 << 16,
    maxOutstandingPerSession: 100, maxClientOutputBytes: 1 << 22, globalOutstandingLimit: 1000, globalOutstandingBytes: 1 << 26,
    maxWatchesPerSession: 1000, enforceQuota: true, snapCount: 1_000_000, containerCheckIntervalMs: 60_000, containerMaxPerCheck: 100,
    // The harness's members are authenticated by construction: they share one in-memory network.
    trustForwardedIds: true,
    ...overrides,
  };
}

/** Log lines kept for assertions. */
export class RecordingLog implements ReplicaLog {
  readonly lines: Array<{ level: string; msg: string; meta?: object }> = [];
  error(msg: string, meta?: object): void { this.lines.push({ level: 'error', msg, meta }); }
  warn(msg: string, meta?: object): void { this.lines.push({ level: 'warn', msg, meta }); }
  info(msg: string, meta?: object): void { this.lines.push({ level: 'info', msg, meta }); }
  debug(msg: string, meta?: object): void { this.lines.push({ level: 'debug', msg, meta }); }
  has(msg: string): boolean {
    return this.lines.some((l) => l.msg === msg);
  }
}

/** A client connection as a test sees it: every frame the replica sent, and the handle to feed. */
export class TestClient implements ClientLink {
  readonly frames: ClientFrame[] = [];
  closedWith: { code: number; reason: string } | undefined;
  readingPaused = false;
  congested = false;
  handle!: ClientHandle;
  private nextXid = 1;

  get connectResponse(): ConnectResponse | undefined {
    return this.frames.find((f): f is ConnectResponse => 'protocolVersion' in f);
  }

  get answers(): Response[] {
    return this.frames.filter((f): f is Response => !('protocolVersion' in f) && f.xid > 0);
  }

  get events(): NotificationFrame[] {
    return this.frames.filter((f): f is NotificationFrame => !('protocolVersion' in f) && f.xid === -1);
  }

  answer(xid: number): Response | undefined {
    return this.answers.find((r) => r.xid === xid);
  }

  send(frame: ClientFrame): void {
    this.frames.push(frame);
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }

  setReadingPaused(paused: boolean): void {
    this.readingPaused = paused;
  }

  connect(sessionId = 0, passwd: Uint8Array = new Uint8Array(0), timeoutMs = 10 * TICK_MS, lastZxidSeen = 0): void {
    this.handle.connect({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen, timeoutMs, sessionId, passwd, readOnly: false });
  }

  /** Sends a request (xid assigned here); returns its xid. */
  request(body: Omit<Request, 'xid'>): number {
    const xid = this.nextXid++;
    this.handle.request({ ...body, xid } as Request, 64);
    return xid;
  }

  create(path: string, mode: number = CreateMode.PERSISTENT, data: Uint8Array = new Uint8Array([1])): number {
    return this.request({ op: OpCode.create, path, data, acl: OPEN_ACL_UNSAFE, mode } as Omit<Request, 'xid'>);
  }
}

/** One replica and its hand-driven ports. */
export class TestReplica {
  readonly replica: Replica;
  readonly log = new RecordingLog();
  readonly writes: StorageWrite[] = [];
  readonly snapshots: number[] = [];
  status: PeerStatus = { state: 'looking', leader: 0, epoch: 0, serving: false };
  failedWith: Error | undefined;
  private syncedSeq = 0;
  private flushWanted = false;
  private randomState = 1;

  constructor(
    readonly id: number,
    options: ReplicaOptions,
    net: TestNetwork,
    readonly clock: { nowMs: number },
  ) {
    const ports: ReplicaPorts = {
      storage: { write: (w) => void this.writes.push(w), snapshot: (s) => void this.snapshots.push(s.zxid) },
      peers: { send: (to, message) => net.send(id, to, message) },
      clock: () => clock.nowMs,
      random: () => this.random(),
      randomBytes: (count) => Uint8Array.from({ length: count }, () => Math.floor(this.random() * 256)),
      scheduleFlush: () => void (this.flushWanted = true),
      statusChanged: (s) => void (this.status = s),
      failed: (e) => void (this.failedWith = e),
      log: this.log,
      inputLog: this.log,
    };
    this.replica = new Replica(options, { tree: new DataTree(), peer: { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0, txns: [] } }, ports);
  }

  private random(): number {
    // A fixed LCG: the tests need repeatable, not good, randomness.
    this.randomState = (this.randomState * 1103515245 + 12345 + this.id) % 2 ** 31;
    return this.randomState / 2 ** 31;
  }

  /** Storage writes issued and not yet reported durable. */
  get unsynced(): StorageWrite[] {
    return this.writes.filter((w) => w.seq > this.syncedSeq);
  }

  /** Everything written so far becomes durable. */
  syncAll(): void {
    const last = this.writes[this.writes.length - 1];
    if (last === undefined || last.seq <= this.syncedSeq) return;
    this.syncedSeq = last.seq;
    this.replica.persisted(last.seq);
  }

  /** The burst of inputs is over: prepared writes go to ZAB. */
  flush(): boolean {
    if (!this.flushWanted) return false;
    this.flushWanted = false;
    this.replica.flush();
    return true;
  }

  client(): TestClient {
    const c = new TestClient();
    c.handle = this.replica.openClient(c, { remoteAddress: '127.0.0.1' });
    return c;
  }
}

/**
 * Peer messages in one FIFO queue, in their wire form (null data as nil, as the server's transport sends
 * them) and cloned as a wire would, delivered when a test runs the network.
 */
export class TestNetwork {
  readonly queue: Array<{ from: number; to: number; message: WirePeerMessage }> = [];
  readonly replicas = new Map<number, TestReplica>();
  /** Links that lose everything sent over them, as "from>to". */
  readonly cut = new Set<string>();

  send(from: number, to: number, message: PeerMessage): void {
    if (!this.cut.has(`${from}>${to}`)) this.queue.push({ from, to, message: structuredClone(peerMessageToWire(message)) });
  }

  /** Delivers queued messages (and those they cause) until none is left or maxMessages were delivered. */
  deliverAll(maxMessages = 100_000): void {
    for (let i = 0; i < maxMessages && this.queue.length > 0; i++) {
      const m = this.queue.shift()!;
      this.replicas.get(m.to)?.replica.peerMessage(m.from, m.message);
    }
  }
}

/** An ensemble (or a standalone server, with one id) that settles by itself: flush, sync, deliver until quiet. */
export class TestEnsemble {
  readonly net = new TestNetwork();
  readonly clock = { nowMs: 1_000_000 };

  constructor(ids: readonly number[], overrides: Partial<ReplicaOptions> = {}) {
    for (const id of ids) this.net.replicas.set(id, new TestReplica(id, replicaOptions(id, ids, overrides), this.net, this.clock));
    for (const r of this.net.replicas.values()) r.replica.start();
  }

  get(id: number): TestReplica {
    return this.net.replicas.get(id)!;
  }

  get all(): TestReplica[] {
    return [...this.net.replicas.values()];
  }

  leader(): TestReplica | undefined {
    return this.all.find((r) => r.status.state === 'leading' && r.status.serving);
  }

  /** Runs flushes, disk syncs and deliveries until nothing more happens. */
  settle(opts: { sync?: boolean } = {}): void {
    const sync = opts.sync ?? true;
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const r of this.all) moved = r.flush() || moved;
      if (sync) {
        for (const r of this.all) {
          const before = r.unsynced.length;
          r.syncAll();
          moved = moved || before > 0;
        }
      }
      if (this.net.queue.length > 0) {
        this.net.deliverAll();
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('the ensemble did not settle');
  }

  /** Advances the clock by ms in half ticks, ticking every replica and settling after each. */
  advance(ms: number): void {
    for (let t = 0; t < ms; t += TICK_MS / 2) {
      this.clock.nowMs += TICK_MS / 2;
      for (const r of this.all) r.replica.tick();
      this.settle();
    }
  }

  /** Ticks until a leader serves and every replica serves. */
  elect(): TestReplica {
    for (let i = 0; i < 400 && !this.all.every((r) => r.status.serving); i++) this.advance(TICK_MS / 2);
    const leader = this.leader();
    if (leader === undefined || !this.all.every((r) => r.status.serving)) throw new Error('no leader elected');
    return leader;
  }
}

/** Three replicas with an elected leader, and one of its followers. */
export function ensembleWithFollower(overrides: Partial<ReplicaOptions> = {}): { e: TestEnsemble; leader: TestReplica; follower: TestReplica } {
  const e = new TestEnsemble([1, 2, 3], overrides);
  const leader = e.elect();
  const follower = e.all.find((r) => r !== leader)!;
  return { e, leader, follower };
}

/** A client of replica r whose session is created (the ensemble settled). */
export function connectedClient(e: TestEnsemble, r: TestReplica): TestClient {
  const c = r.client();
  c.connect();
  e.settle();
  if (c.connectResponse?.err !== 0) throw new Error(`session not created on server ${r.id}`);
  return c;
}
