// Registers: a few keys, each a znode; clients read (getData), read after sync, write (setData) and
// compare-and-set (setData with the version they last saw). Every op is recorded with its invocation and
// completion times and its outcome, for the linearizability checker. Values are unique ("c<client>-<n>"),
// so a read names the write it saw.
import type { Client } from '../../../client/index.js';
import { ErrorCode } from '../../../protocol/index.js';
import type { Prng } from '../../sim/prng.js';
import type { OpKind, RegisterHistory, RegisterOp, RegisterState } from '../checker/history.js';
import { attempt, ClientSlot } from './client-slot.js';
import type { Attempt } from './client-slot.js';
import { ClientLoops } from './context.js';
import type { WorkloadContext } from './context.js';

const PARENT = '/reg';
const INITIAL_VALUE = 'init';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RegisterWorkloadOptions {
  clients: number;
  keys: number;
}

export class RegisterWorkload {
  private readonly ops: RegisterOp[] = [];
  private readonly initial: Record<string, RegisterState> = {};
  private readonly keys: string[];
  private readonly loops = new ClientLoops();
  private nextOpId = 1;

  constructor(private readonly ctx: WorkloadContext, private readonly opts: RegisterWorkloadOptions) {
    this.keys = Array.from({ length: opts.keys }, (_, i) => `${PARENT}/k${i}`);
  }

  async setup(admin: Client): Promise<void> {
    await admin.create(PARENT);
    for (const key of this.keys) {
      const stat = await admin.create(key, INITIAL_VALUE).then(() => admin.exists(key));
      this.initial[key] = { value: INITIAL_VALUE, version: stat!.version };
    }
  }

  start(): void {
    this.loops.start(this.opts.clients, (i) => this.clientLoop(i));
  }

  /** Stops issuing ops and waits for every client to finish its last one (or give it up). */
  stop(): Promise<void> {
    return this.loops.stop();
  }

  history(): RegisterHistory {
    return { initial: { ...this.initial }, ops: this.ops };
  }

  get keyNames(): readonly string[] {
    return this.keys;
  }

  private async clientLoop(index: number): Promise<void> {
    const { ctx } = this;
    const rng = ctx.rng(index);
    const slot = new ClientSlot(ctx.connectString(index), ctx.clientOptions, ctx.nextClientId);
    /** The version this logical client last saw per key: what its compare-and-sets condition on. */
    let seen = new Map<string, number>();
    let seenBy = 0;
    let n = 0;
    while (this.loops.running) {
      const client = await slot.ensure();
      if (client === undefined) continue;
      if (seenBy !== slot.logicalId) {
        seen = new Map();
        seenBy = slot.logicalId;
      }
      const key = rng.pick(this.keys);
      const op = this.invoke(slot.logicalId, key, pickKind(rng), client, seen.get(key) ?? 0, `c${slot.logicalId}-${++n}`);
      const result = await attempt(() => this.execute(client, op), ctx.opDeadlineMs);
      this.complete(op, result, client.serverId);
      if (op.outcome === 'ok' && op.result !== undefined) seen.set(key, op.result.version);
      if (result.kind === 'timeout' || (result.kind === 'error' && result.code === ErrorCode.SESSIONEXPIRED)) slot.retire();
      await ctx.pause(rng.int(0, 5));
    }
    await slot.close();
  }

  private invoke(client: number, key: string, kind: OpKind, conn: Client, lastVersion: number, value: string): RegisterOp {
    const op: RegisterOp = { id: this.nextOpId++, client, key, kind, invokedAt: this.ctx.clock(), completedAt: null, outcome: 'unknown' };
    if (kind === 'write' || kind === 'cas') op.value = value;
    if (kind === 'cas') op.expectedVersion = lastVersion;
    if (conn.serverId !== 0) op.server = conn.serverId;
    this.ops.push(op);
    return op;
  }

  private async execute(client: Client, op: RegisterOp): Promise<RegisterState> {
    switch (op.kind) {
      case 'read':
      case 'syncRead': {
        if (op.kind === 'syncRead') await client.sync(op.key);
        const { data, stat } = await client.getData(op.key);
        return { value: decoder.decode(data), version: stat.version };
      }
      case 'write':
      case 'cas': {
        const stat = await client.setData(op.key, encoder.encode(op.value!), op.kind === 'cas' ? op.expectedVersion! : -1);
        return { value: op.value!, version: stat.version };
      }
    }
  }

  private complete(op: RegisterOp, result: Attempt<RegisterState>, server: number): void {
    if (server !== 0 && op.server === undefined) op.server = server;
    if (result.kind === 'ok') {
      op.outcome = 'ok';
      op.completedAt = this.ctx.clock();
      op.result = result.value;
    } else if (result.kind === 'error' && (result.code === ErrorCode.BADVERSION || result.code === ErrorCode.NONODE)) {
      // Definite answers: the op was ordered and did not change the register.
      op.outcome = 'fail';
      op.completedAt = this.ctx.clock();
      op.error = result.name;
    } else {
      op.outcome = 'unknown';
      op.error = result.kind === 'timeout' ? 'DEADLINE' : result.name;
    }
  }
}

function pickKind(rng: Prng): OpKind {
  const r = rng.next();
  if (r < 0.35) return 'read';
  if (r < 0.45) return 'syncRead';
  if (r < 0.7) return 'write';
  return 'cas';
}
