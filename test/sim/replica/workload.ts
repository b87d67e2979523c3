// What one simulated client does with its session: the SDK's operations, drawn from the seed. Register
// ops (blind and conditional setData, reads, sync + read, a write with a read pipelined behind it) go to
// the register history; creates in every mode, conditional setData and delete, multi, sync, reads that
// set watches and closing the session exercise the rest. Every acknowledged write is handed to the
// client checks. After the faults heal a client only proves it is served: one write (its probe).
import { CreateMode, ErrorCode, OpCode, OPEN_ACL_UNSAFE, errorCodeName, isSequentialMode } from '../../../protocol/index.js';
import type { MultiOp, Request, Response } from '../../../protocol/index.js';
import { Op, createOpName } from '../../../client/ops.js';
import type { RegisterOp } from '../../fault/checker/index.js';
import type { Prng } from '../prng.js';
import type { ClientChecks } from './client-checks.js';
import type { SimClient, Submitted } from './client.js';
import { REGISTER_KEYS, REGISTER_PARENT } from './registers.js';
import type { RegisterRecorder } from './registers.js';

/** Nodes every workload relies on; any client creates them until one sees them all made. */
const SETUP_PATHS: readonly string[] = [REGISTER_PARENT, ...REGISTER_KEYS, '/seq', '/eph', '/n'];
const NODE_NAMES = ['a', 'b', 'c', 'd', 'e'];
const CHILD_NAMES = ['x', 'y', 'z'];
const CREATE_MODES: readonly CreateMode[] = [
  CreateMode.PERSISTENT, CreateMode.PERSISTENT, CreateMode.EPHEMERAL, CreateMode.EPHEMERAL, CreateMode.PERSISTENT_SEQUENTIAL,
  CreateMode.EPHEMERAL_SEQUENTIAL, CreateMode.CONTAINER, CreateMode.PERSISTENT_WITH_TTL, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
];
const WRITE_OPS = new Set<number>([OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.multi]);
/** Sequential nodes remembered for later deletes. */
const SEQUENTIAL_KEPT_MAX = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the clients of a run share: whether the nodes they rely on exist yet. */
export interface SharedSetup {
  readonly made: Set<string>;
  done: boolean;
}

type Body = Omit<Request, 'xid'>;

export class Workload {
  private setupSentInSession = -1;
  private readonly versions = new Map<string, number>();
  private readonly sequentialNodes: string[] = [];
  /** The probe after healing: its zxid once acknowledged. */
  probeZxid = 0;
  private probeInFlight = false;
  private probes = 0;
  readonly stats = { ops: 0, acked: 0, failed: 0, lost: 0 };

  constructor(
    private readonly client: SimClient,
    private readonly rng: Prng,
    private readonly recorder: RegisterRecorder,
    private readonly checks: ClientChecks,
    private readonly setup: SharedSetup,
    private readonly inFlightMax: number,
  ) {}

  /** During the fault phase: maybe start an operation. */
  act(opP: number): void {
    const c = this.client;
    if (c.silent || c.phase !== 'connected') return;
    if (!this.setup.done && this.setupSentInSession !== c.sessions) return this.sendSetup();
    if (c.inFlight >= this.inFlightMax || !this.rng.chance(opP)) return;
    this.stats.ops += 1;
    const r = this.rng.next();
    if (r < 0.5 && this.setup.done) return this.registerOp();
    if (r < 0.62) return this.create();
    if (r < 0.68) return this.remove();
    if (r < 0.74) return this.setData();
    if (r < 0.8) return this.multi();
    if (r < 0.95) return this.watchRead();
    if (r < 0.99) return void this.issue({ op: OpCode.sync, path: this.nodePath() } as Body);
    c.close();
  }

  /** After healing: one acknowledged write shows this client is served. */
  probe(): void {
    const c = this.client;
    if (this.probeZxid !== 0 || this.probeInFlight || c.silent || c.phase !== 'connected') return;
    this.probeInFlight = true;
    const path = `/probe-${c.id}-${++this.probes}`;
    this.issue({ op: OpCode.create2, path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT } as Body, (resp) => {
      this.probeInFlight = false;
      if (resp?.err === ErrorCode.OK) this.probeZxid = resp.zxid;
    });
  }

  // ---- plumbing ----

  /** Submits; done gets the answer, or undefined when there was none. Acknowledged writes are checked. */
  private issue(body: Body, done?: (resp: Response | undefined, err: number) => void): void {
    const c = this.client;
    const sessionId = c.sessionId;
    const cb: Submitted = {
      answered: (resp) => {
        if (resp.err === ErrorCode.OK) this.stats.acked += 1;
        else this.stats.failed += 1;
        if (resp.err === ErrorCode.OK && WRITE_OPS.has(body.op)) this.checks.writeAcked(c.id, sessionId, req(body, resp), resp);
        this.noteVersion(body, resp);
        done?.(resp, resp.err);
      },
      lost: (err) => {
        this.stats.lost += 1;
        done?.(undefined, err);
      },
    };
    if (!c.submit(body, cb)) done?.(undefined, ErrorCode.SESSIONEXPIRED);
  }

  private noteVersion(body: Body, resp: Response): void {
    const path = (body as { path?: string }).path;
    if (path === undefined || isSequentialMode((body as { mode?: CreateMode }).mode ?? CreateMode.PERSISTENT)) return;
    if (resp.err === ErrorCode.OK && resp.stat !== undefined) this.versions.set(path, resp.stat.version);
    else if (resp.err === ErrorCode.NONODE) this.versions.delete(path);
  }

  private sendSetup(): void {
    this.setupSentInSession = this.client.sessions;
    for (const path of SETUP_PATHS) {
      if (this.setup.made.has(path)) continue;
      this.issue({ op: OpCode.create2, path, data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], mode: CreateMode.PERSISTENT } as Body, (resp) => {
        if (resp?.err !== ErrorCode.OK && resp?.err !== ErrorCode.NODEEXISTS) return;
        this.setup.made.add(path);
        this.setup.done = SETUP_PATHS.every((p) => this.setup.made.has(p));
      });
    }
  }

  private nodePath(): string {
    const top = `/n/${this.rng.pick(NODE_NAMES)}`;
    return this.rng.chance(0.4) ? `${top}/${this.rng.pick(CHILD_NAMES)}` : top;
  }

  private knownVersion(path: string): number {
    const v = this.versions.get(path);
    return v !== undefined && this.rng.chance(0.8) ? v : this.rng.chance(0.5) ? -1 : this.rng.int(0, 3);
  }

  private data(): Uint8Array {
    return this.rng.chance(0.3) ? new Uint8Array(0) : encoder.encode(`d${this.rng.int(0, 999)}`);
  }

  // ---- register ops (the history) ----

  private registerOp(): void {
    const key = this.rng.pick(REGISTER_KEYS);
    const r = this.rng.next();
    if (r < 0.3) return this.registerWrite(key, -1);
    if (r < 0.55) return this.registerWrite(key, this.versions.get(key) ?? this.rng.int(0, 3));
    if (r < 0.75) return this.registerRead(key, false);
    if (r < 0.88) return this.registerRead(key, true);
    // A write and a read of the same key pipelined: the read must see the write (FIFO client order).
    this.registerWrite(key, -1);
    this.registerRead(key, false);
  }

  private registerWrite(key: string, version: number): void {
    const c = this.client;
    const value = this.recorder.freshValue(c.logical);
    const op = this.recorder.invoke(c.logical, key, version === -1 ? 'write' : 'cas', c.serverId, value, version === -1 ? undefined : version);
    this.issue({ op: OpCode.setData, path: key, data: encoder.encode(value), version } as Body, (resp, err) => {
      if (resp === undefined) return this.recorder.unknown(op, errorCodeName(err));
      if (resp.err === ErrorCode.OK) return this.recorder.ok(op, { value, version: resp.stat!.version });
      this.recorder.fail(op, errorCodeName(resp.err));
    });
  }

  private registerRead(key: string, synced: boolean): void {
    const c = this.client;
    const op = this.recorder.invoke(c.logical, key, synced ? 'syncRead' : 'read', c.serverId);
    let syncErr: number = ErrorCode.OK;
    if (synced) this.issue({ op: OpCode.sync, path: key } as Body, (_resp, err) => (syncErr = err));
    const watch = this.rng.chance(0.3);
    this.issue({ op: OpCode.getData, path: key, watch } as Body, (resp, err) => this.registerReadDone(op, key, watch, syncErr, resp, err));
  }

  private registerReadDone(op: RegisterOp, key: string, watch: boolean, syncErr: number, resp: Response | undefined, err: number): void {
    if (resp === undefined) return this.recorder.unknown(op, errorCodeName(err));
    if (resp.err !== ErrorCode.OK || syncErr !== ErrorCode.OK) return this.recorder.fail(op, errorCodeName(resp.err !== ErrorCode.OK ? resp.err : syncErr));
    if (watch) this.client.arm('data', key, resp.zxid, () => {});
    this.recorder.ok(op, { value: decoder.decode(resp.data), version: resp.stat!.version });
  }

  // ---- the rest of the API ----

  private create(): void {
    const mode = this.rng.pick(CREATE_MODES);
    const path = isSequentialMode(mode) ? this.rng.pick(['/seq/s-', '/eph/e-', `${this.nodePath()}/q-`]) : mode === CreateMode.EPHEMERAL && this.rng.chance(0.5) ? `/eph/${this.rng.pick(NODE_NAMES)}` : this.nodePath();
    const op = Op.create(path, this.data(), mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL ? { mode, ttl: this.rng.int(100, 600) } : { mode });
    const body = { ...op, op: this.rng.chance(0.2) && op.op === OpCode.create2 ? OpCode.create : OpCode[createOpName(mode)] } as Body;
    this.issue(body, (resp) => {
      if (resp?.err !== ErrorCode.OK || !isSequentialMode(mode) || resp.path === undefined) return;
      this.sequentialNodes.push(resp.path);
      if (this.sequentialNodes.length > SEQUENTIAL_KEPT_MAX) this.sequentialNodes.shift();
    });
  }

  private remove(): void {
    const path = this.sequentialNodes.length > 0 && this.rng.chance(0.3) ? this.rng.pick(this.sequentialNodes) : this.rng.chance(0.2) ? `/eph/${this.rng.pick(NODE_NAMES)}` : this.nodePath();
    this.issue({ op: OpCode.delete, path, version: this.knownVersion(path) } as Body);
  }

  private setData(): void {
    const path = this.nodePath();
    this.issue({ op: OpCode.setData, path, data: this.data(), version: this.knownVersion(path) } as Body);
  }

  private multi(): void {
    const ops: MultiOp[] = [];
    const count = this.rng.int(1, 4);
    for (let i = 0; i < count; i++) {
      const path = this.nodePath();
      const r = this.rng.next();
      if (r < 0.35) ops.push(Op.create(path, this.data(), { mode: this.rng.pick([CreateMode.PERSISTENT, CreateMode.EPHEMERAL, CreateMode.PERSISTENT_SEQUENTIAL]) }));
      else if (r < 0.6) ops.push(Op.setData(path, this.data(), this.knownVersion(path)));
      else if (r < 0.8) ops.push(Op.check(path, this.knownVersion(path)));
      else ops.push(Op.delete(path, this.knownVersion(path)));
    }
    this.issue({ op: OpCode.multi, ops } as Body);
  }

  private watchRead(): void {
    const path = this.rng.chance(0.15) ? this.rng.pick(['/seq', '/eph', '/n']) : this.nodePath();
    const kind = this.rng.int(0, 2);
    const op = kind === 0 ? OpCode.exists : kind === 1 ? OpCode.getData : OpCode.getChildren2;
    this.issue({ op, path, watch: true } as Body, (resp) => {
      if (resp === undefined) return;
      const ok = resp.err === ErrorCode.OK;
      if (op === OpCode.exists && (ok || resp.err === ErrorCode.NONODE)) this.client.arm(ok ? 'data' : 'exist', path, resp.zxid, () => {});
      else if (ok) this.client.arm(op === OpCode.getData ? 'data' : 'child', path, resp.zxid, () => {});
    });
  }
}

/** The request as sent, for the acknowledgement check (the answer carries its xid). */
function req(body: Body, resp: Response): Request {
  return { ...body, xid: resp.xid } as Request;
}
