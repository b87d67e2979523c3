// Client writes for the simulator: creates of unique paths (some nested, some ephemeral), setData and
// delete of nodes that probably exist, multis, and session opens and closes. The generator guesses what
// exists from what it proposed; a guess that is wrong makes a txn that fails, which apply() handles
// deterministically, so it still tests replication.
import { OPEN_ACL_UNSAFE, type MultiSubTxn, type Txn, type TxnBody } from '../../protocol/index.js';
import type { Prng } from './prng.js';

/** Paths the generator remembers; beyond this it prefers deletes, which keeps trees (and digests) small. */
export const LIVE_PATHS_MAX = 40;
export const LIVE_SESSIONS_MAX = 4;

export class ClientLoad {
  private counter = 0;
  private xid = 0;
  private readonly live: string[] = [];
  private readonly sessions: number[] = [];
  private nextSession = 0x1000;

  constructor(private readonly rng: Prng) {}

  /** count txns with consecutive zxids from firstZxid, stamped with timeMs. */
  build(firstZxid: number, count: number, timeMs: number): Txn[] {
    const out: Txn[] = [];
    for (let i = 0; i < count; i++) {
      const sessionId = this.sessions.length > 0 && this.rng.chance(0.5) ? this.rng.pick(this.sessions) : 0;
      out.push({ zxid: firstZxid + i, time: timeMs, sessionId, xid: ++this.xid, body: this.body() });
    }
    return out;
  }

  /** A create no one else makes, for liveness markers. */
  marker(zxid: number, timeMs: number): Txn {
    return { zxid, time: timeMs, sessionId: 0, xid: ++this.xid, body: this.create(`/marker-${++this.counter}`) };
  }

  private body(): TxnBody {
    const r = this.rng.next();
    const full = this.live.length >= LIVE_PATHS_MAX;
    if (this.live.length === 0 || (!full && r < 0.35)) return this.create(this.newPath());
    if (r < 0.5 || full) return this.remove();
    if (r < 0.7) return { type: 'setData', path: this.rng.pick(this.live), data: this.data() };
    if (r < 0.82) return this.multi();
    if (r < 0.9 && this.sessions.length < LIVE_SESSIONS_MAX) {
      const sessionId = this.nextSession++;
      this.sessions.push(sessionId);
      return { type: 'createSession', sessionId, timeoutMs: 30_000, passwd: this.data() };
    }
    if (r < 0.95 && this.sessions.length > 0) {
      const sessionId = this.sessions.splice(this.rng.int(0, this.sessions.length - 1), 1)[0]!;
      return { type: 'closeSession', sessionId };
    }
    // A delete that may well fail (missing node or one with children): failures replicate too.
    return { type: 'delete', path: this.rng.chance(0.5) ? this.rng.pick(this.live) : `/missing-${this.rng.int(0, 9)}` };
  }

  private newPath(): string {
    this.counter += 1;
    const parent = this.live.length > 0 && this.rng.chance(0.25) ? this.rng.pick(this.live) : '';
    return `${parent}/n${this.counter}`;
  }

  private create(path: string): Extract<MultiSubTxn, { type: 'create' }> {
    const ephemeral = this.sessions.length > 0 && this.rng.chance(0.2);
    this.live.push(path);
    return {
      type: 'create', path, data: this.data(), acl: [...OPEN_ACL_UNSAFE],
      kind: ephemeral ? 'ephemeral' : 'persistent', ephemeralOwner: ephemeral ? this.rng.pick(this.sessions) : 0, ttlMs: 0,
    };
  }

  private remove(): TxnBody {
    const path = this.live.splice(this.rng.int(0, this.live.length - 1), 1)[0]!;
    return { type: 'delete', path };
  }

  private multi(): TxnBody {
    const txns: MultiSubTxn[] = [this.create(this.newPath())];
    if (this.live.length > 1) txns.push({ type: 'setData', path: this.rng.pick(this.live), data: this.data() });
    if (this.rng.chance(0.3)) txns.push({ type: 'check', path: this.rng.pick(this.live) });
    return { type: 'multi', txns };
  }

  private data(): Uint8Array {
    const n = this.rng.int(0, 8);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.rng.int(0, 255);
    return b;
  }
}
